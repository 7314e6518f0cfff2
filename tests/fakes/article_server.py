"""A fake web behind link posts: news pages, an arXiv abstract page, and pages that fail
in each way a real one does (404, 503, no answer, a trickle, too big, a PDF, an image,
redirects, garbage bytes). Every request is recorded with its headers; `in_flight_peak`
is the most requests it was answering at once.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from aiohttp import web

from tests.fakes.server import FakeServer

ARXIV_ABS = (Path(__file__).parents[1] / "fixtures" / "articles" / "arxiv_abs.html").read_bytes()
ARXIV_ABSTRACT = (
    "Transformers spend the same compute on every token. We route tokens past layers they "
    "do not need, with a learned router that keeps a fixed budget per sequence. On language "
    "modelling the method matches a dense baseline at half the inference cost, and the "
    "saving grows with depth."
)

LEAD = "A lab released the weights of its newest model on Tuesday, with a licence for research."
PARAGRAPHS = [
    LEAD,
    "The model was trained on eleven trillion tokens and scores within a point of the "
    "closed models on the usual reasoning benchmarks, the lab said in its announcement.",
    "Researchers welcomed the release but noted that the training data is not published, "
    "which makes the benchmark results hard to check independently.",
    "The lab says a smaller version for laptops will follow next month.",
]
HUGE_END = "This sentence closes the very long page."
HUGE_BYTES = 20_000_000


def news_page(title: str, paragraphs: list[str]) -> str:
    """A page shaped like a news site's: navigation, the article, related links, footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | The Daily Model</title>
<meta property="og:title" content="{title}"></head>
<body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Tech</a>
<a href="/subscribe">Subscribe for 1 dollar a week</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">By A. Writer, 21 November 2023</p>
{body}
</article>
<aside><h2>Most read</h2><ul><li><a href="/x">Ten gadgets to buy now</a></li>
<li><a href="/y">Celebrity chef opens a new restaurant</a></li></ul></aside></main>
<footer><p>Copyright The Daily Model. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/cookies">Cookie settings</a></footer>
</body></html>"""


NEWS = news_page("A lab opens the weights of its newest model", PARAGRAPHS)
EMPTY = """<!DOCTYPE html><html><head><title>Loading</title></head>
<body><div id="app"></div><script>window.boot()</script></body></html>"""


class FakeArticles(FakeServer):
    def __init__(self) -> None:
        self.in_flight = 0
        self.in_flight_peak = 0
        self.huge_sent = 0  # bytes of /huge written before the client stopped reading
        self.page_delay = 0.0  # seconds /news pages take, to make fetches overlap
        super().__init__()

    @property
    def agents(self) -> set[str]:
        return {r.headers.get("User-Agent", "") for r in self.requests}

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/news/{name}", self._news)
        app.router.add_get("/abs/{id}", self._arxiv)
        app.router.add_get("/status/{code}", self._status)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/trickle", self._trickle)
        app.router.add_get("/huge", self._huge)
        app.router.add_get("/paper.pdf", self._pdf)
        app.router.add_get("/photo.png", self._png)
        app.router.add_get("/hops/{n}", self._hops)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/garbage", self._garbage)
        app.router.add_get("/empty", self._empty)

    async def _news(self, request: web.Request) -> web.Response:
        self.in_flight += 1  # the server's own loop: no lock needed
        self.in_flight_peak = max(self.in_flight_peak, self.in_flight)
        try:
            await asyncio.sleep(self.page_delay)
        finally:
            self.in_flight -= 1
        return web.Response(text=NEWS, content_type="text/html", charset="utf-8")

    async def _arxiv(self, request: web.Request) -> web.Response:
        return web.Response(body=ARXIV_ABS, content_type="text/html", charset="utf-8")

    async def _status(self, request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        return web.Response(status=code, text=f"<html><body><h1>{code}</h1></body></html>")

    async def _slow(self, request: web.Request) -> web.Response:
        await self._stopping.wait()  # no answer until the server stops
        return web.Response(text=NEWS, content_type="text/html")

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        """A byte at a time, each in good time, the page never done."""
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        while not self._stopping.is_set():
            await response.write(b" ")
            await asyncio.sleep(0.02)
        return response

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        """A news page of HUGE_BYTES whose last words are HUGE_END, written in pieces."""
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await response.prepare(request)
        head, _, tail = NEWS.partition("</article>")
        filler = "".join(f"<p>{p}</p>\n" for p in PARAGRAPHS[1:]).encode()
        self.huge_sent = 0
        try:
            await response.write(head.encode())
            while self.huge_sent < HUGE_BYTES:
                await response.write(filler)
                self.huge_sent += len(filler)
            await response.write(f"<p>{HUGE_END}</p></article>{tail}".encode())
        except (ConnectionError, RuntimeError):  # the client stopped reading and went
            pass
        return response

    async def _pdf(self, request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf")

    async def _png(self, request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png")

    async def _hops(self, request: web.Request) -> web.Response:
        """/hops/N redirects to /hops/N-1 (each kind of redirect in turn); /hops/0 to a page."""
        n = int(request.match_info["n"])
        target = f"/hops/{n - 1}" if n > 0 else "/news/after-hops"
        status = (301, 302, 303, 307, 308)[n % 5]
        return web.Response(status=status, headers={"Location": target})

    async def _redirect(self, request: web.Request) -> web.Response:
        """A redirect to ?to=, wherever that is."""
        return web.Response(status=302, headers={"Location": request.query["to"]})

    async def _garbage(self, request: web.Request) -> web.Response:
        noise = random.Random(7).randbytes(50_000)
        return web.Response(body=noise, content_type="text/html")

    async def _empty(self, request: web.Request) -> web.Response:
        return web.Response(text=EMPTY, content_type="text/html")
