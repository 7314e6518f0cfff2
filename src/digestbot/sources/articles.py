"""The pages link posts point to, read for their main text: what the LLM is given with
the post, and what a topic's excerpt falls back on.

`ArticleReader.read(posts)` fetches each post's link once (a few at a time, each page
within `timeout_seconds` all told, redirects included, at most `max_bytes` of it read),
under an honest user agent, from public addresses only unless told otherwise (see
`address_guard`), and extracts the page's main text with trafilatura. It never raises
for a page: whatever goes wrong becomes an Article with an `error` in a few words, and
the topic is analysed from the post alone.

What it read is cached (`[articles]` pages do not change once posted), and so is a
failure that would only happen again: a refused address, a 4xx other than 408 and 429,
a PDF or image, too many redirects, a page without readable text. What may pass (no
answer in time, a 5xx, 408, 429, a connection that failed) is not cached: the next run
tries again.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from yarl import URL

from digestbot.core.models import Article, SourcePost
from digestbot.core.ports import ArticleCache
from digestbot.sources.address_guard import PRIVATE, PrivateAddress, PublicOnlyResolver, refusal
from digestbot.sources.page_text import page_text
from digestbot.sources.retry import is_transient

log = logging.getLogger(__name__)

AT_ONCE = 6  # pages fetched at the same time; each one's time starts when it starts
MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)
_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_NOT_ARTICLES = ("reddit.com", "redd.it", "redditmedia.com")  # discussions and their media
_ARXIV = ("arxiv.org", "www.arxiv.org", "export.arxiv.org")
_MEDIA = {"image": "an image", "video": "a video", "audio": "a sound file"}


@dataclass(frozen=True, slots=True)
class ArticleOptions:
    """The `[articles]` settings."""

    allow_private_hosts: bool
    timeout_seconds: float
    max_bytes: int
    user_agent: str


@dataclass(frozen=True, slots=True)
class _Page:
    final_url: str
    body: bytes | str  # str when the server named its charset


class _Failed(Exception):
    """A page that cannot be read: `reason` for the reader, `lasting` if worth caching."""

    def __init__(self, reason: str, lasting: bool) -> None:
        super().__init__(reason)
        self.reason, self.lasting = reason, lasting


def article_address(post: SourcePost) -> str:
    """Where to read the article `post` links to; "" when it links to none: no link, or
    a link to Reddit (a discussion, an image, a video, a gallery). A feed's entry links
    its own page: that page is its article. An arXiv PDF is read as its abstract page."""
    link = post.link.strip()
    if not link:
        return ""
    try:
        url = URL(link)
    except ValueError:
        return link  # read() says why it cannot be read
    host = (url.host or "").lower().rstrip(".")
    if any(host == h or host.endswith("." + h) for h in _NOT_ARTICLES):
        return ""
    if host in _ARXIV and url.path.startswith("/pdf/"):
        paper = url.path.removeprefix("/pdf/").removesuffix(".pdf")
        return str(URL.build(scheme="https", host="arxiv.org", path=f"/abs/{paper}"))
    return link


class ArticleReader:
    def __init__(self, options: ArticleOptions, cache: ArticleCache) -> None:
        self._options = options
        self._cache = cache

    async def read(
        self, posts: Sequence[SourcePost], *, refresh: bool = False
    ) -> dict[str, Article]:
        """The articles of the posts that link to one, keyed by the post's `link`.

        A page read before comes from the cache, unless `refresh`; a refresh that fails
        in a way that may pass keeps the article read before. Never raises for a page."""
        wanted = {post.link: address for post in posts if (address := article_address(post))}
        found: dict[str, Article] = {}
        cached: dict[str, Article] = {}
        for link in wanted:
            known = self._cache.get(link)
            if known is not None:
                cached[link] = known
                if not refresh and not self._outdated(known):
                    found[link] = known
        missing = [link for link in wanted if link not in found]
        if not missing:
            return found
        async with self._session() as session:
            slots = asyncio.Semaphore(AT_ONCE)
            results = await asyncio.gather(
                *(self._read_one(session, slots, link, wanted[link]) for link in missing)
            )
        for link, (article, final_url, lasting) in zip(missing, results, strict=True):
            if article.error:
                log.debug("not read: %s (%s)", link, article.error)
            if article.error and not lasting and link in cached and cached[link].text:
                found[link] = cached[link]  # a blip on refresh: keep what was read
                continue
            if lasting:
                self._cache.put(link, article, final_url)
            found[link] = article
        return found

    def _outdated(self, article: Article) -> bool:
        """A refusal cached before private hosts were allowed is read again."""
        return article.error == PRIVATE and self._options.allow_private_hosts

    def _session(self) -> aiohttp.ClientSession:
        o = self._options
        connector = aiohttp.TCPConnector(
            limit=AT_ONCE, resolver=None if o.allow_private_hosts else PublicOnlyResolver()
        )
        return aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": o.user_agent, "Accept": "text/html,*/*;q=0.5"},
            trust_env=False,  # a proxy would connect for us, past the address checks
        )

    async def _read_one(
        self, session: aiohttp.ClientSession, slots: asyncio.Semaphore, link: str, address: str
    ) -> tuple[Article, str, bool]:
        """(the article, the address it was read at, whether the outcome lasts)."""
        seconds = self._options.timeout_seconds
        async with slots:
            try:
                async with asyncio.timeout(seconds):
                    page = await self._fetch(session, address)
            except TimeoutError:
                return Article(link, error=f"no answer within {seconds:g} s"), address, False
            except _Failed as failed:
                return Article(link, error=failed.reason), address, failed.lasting
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, PrivateAddress):
                    return Article(link, error=PRIVATE), address, True
                return Article(link, error=_connection_failure(exc)), address, False
            except aiohttp.ClientError as exc:
                reason = f"the connection failed ({type(exc).__name__})"
                return Article(link, error=reason), address, False
            except ValueError:  # a host yarl or IDNA cannot encode, and the like
                return Article(link, error="not a web address"), address, True
        try:
            title, text = await asyncio.to_thread(page_text, page.body, page.final_url)
        except Exception:  # a parser's bug on a hostile page must not end the run
            log.debug("extracting %s failed", page.final_url, exc_info=True)
            title, text = "", ""
        if not text:
            return Article(link, title=title, error="no readable text"), page.final_url, True
        return Article(link, text=text, title=title), page.final_url, True

    async def _fetch(self, session: aiohttp.ClientSession, address: str) -> _Page:
        """The page at `address`, redirects followed here so that each hop is checked."""
        try:
            url = URL(address)
        except ValueError:
            raise _Failed("not a web address", lasting=True) from None
        for _ in range(MAX_REDIRECTS + 1):
            reason = refusal(url, self._options.allow_private_hosts)
            if reason:
                raise _Failed(reason, lasting=True)
            async with session.get(url, allow_redirects=False) as response:
                if response.status in _REDIRECTS:
                    url = _next_hop(response)
                    continue
                if not 200 <= response.status < 300:
                    status = response.status
                    raise _Failed(f"the page answered {status}", not is_transient(status))
                _check_type(response)
                body = await self._capped(response)
                charset = response.charset
            return _Page(str(url), _decoded(body, charset))
        raise _Failed(f"more than {MAX_REDIRECTS} redirects", lasting=True)

    async def _capped(self, response: aiohttp.ClientResponse) -> bytes:
        """The body, or its first `max_bytes` when there is more: what came is read."""
        limit = self._options.max_bytes
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
        return b"".join(chunks)[:limit]


def _next_hop(response: aiohttp.ClientResponse) -> URL:
    location = response.headers.get("Location", "")
    if not location:
        raise _Failed("a redirect with no target", lasting=True)
    try:
        return response.url.join(URL(location))
    except ValueError:
        raise _Failed("a redirect to no web address", lasting=True) from None


def _check_type(response: aiohttp.ClientResponse) -> None:
    """Only web pages are read; a missing Content-Type is let through to the parser."""
    if "Content-Type" not in response.headers:
        return
    kind = response.content_type
    if kind in _PAGE_TYPES:
        return
    if kind == "application/pdf":
        raise _Failed("a PDF, not a web page", lasting=True)
    family = _MEDIA.get(kind.partition("/")[0])
    if family:
        raise _Failed(f"{family}, not a web page", lasting=True)
    raise _Failed(f"not a web page ({kind[:60]})", lasting=True)


def _decoded(body: bytes, charset: str | None) -> bytes | str:
    """The page as text when the server named a charset it knows; else its bytes, for
    trafilatura to find the encoding (from the page's own declaration or a guess)."""
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            pass
    return body


def _connection_failure(exc: aiohttp.ClientConnectorError) -> str:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "its certificate was not accepted"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc.os_error, socket.gaierror):
        return "the host was not found"
    return f"the connection failed ({exc.os_error.strerror or type(exc.os_error).__name__})"
