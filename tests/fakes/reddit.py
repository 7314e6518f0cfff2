"""A fake Reddit: the OAuth token endpoint, subreddit listings, and the public RSS feeds.

Besides the scripted faults of every fake server, a listing or feed can hang: no answer
until the server stops, so a client's timeout is the only way out, and the test does
not wait for a sleeping handler when it ends.
"""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from tests.fakes.server import FakeServer, json_response

_ids = itertools.count(1)


def reddit_post(
    title: str,
    *,
    id: str | None = None,
    score: int = 100,
    created: datetime | None = None,
    selftext: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """A listing item's data as Reddit sends it with raw_json=1."""
    post_id = id or f"p{next(_ids)}"
    return {
        "id": post_id,
        "name": f"t3_{post_id}",
        "title": title,
        "selftext": selftext,
        "url": f"https://www.reddit.com/r/test/comments/{post_id}/slug/",  # a text post's
        "permalink": f"/r/test/comments/{post_id}/slug/",
        "score": score,
        "num_comments": score // 10,
        "link_flair_text": None,
        "stickied": False,
        "over_18": False,
        "removed_by_category": None,
        "created_utc": (created or datetime.now(UTC)).timestamp(),
        "subreddit": "test",
        "author": "someone",
        **extra,
    }


def feed_content(post: dict[str, Any]) -> str:
    """An entry's content as Reddit's feeds give it: the post's text as HTML, then a
    footer with its author, its link (its own discussion for a self post) and its
    discussion."""
    discussion = f"https://www.reddit.com{post['permalink']}"
    link = discussion if post.get("is_self") else post["url"]
    text = escape(post["selftext"]).replace("\n\n", "</p><p>")
    body = f'<!-- SC_OFF --><div class="md"><p>{text}</p></div><!-- SC_ON -->' if text else ""
    return (
        f'{body} &#32; submitted by &#32; <a href="https://www.reddit.com/user/someone"> '
        f'/u/someone </a> <br/> <span><a href="{escape(link)}">[link]</a></span> &#32; '
        f'<span><a href="{discussion}">[comments]</a></span>'
    )


class FakeReddit(FakeServer):
    def __init__(self, listings: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.listings: dict[str, list[dict[str, Any]]] = listings or {}
        super().__init__()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/v1/access_token", self._token)
        app.router.add_get("/r/{sub}/{listing}/.rss", self._feed)
        app.router.add_get("/r/{sub}/{listing}", self._listing)

    async def _token(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic ") or b":" not in base64.b64decode(auth[6:]):
            return json_response({"error": 401, "message": "Unauthorized"}, status=401)
        return json_response(
            {
                "access_token": "fake-token",
                "token_type": "bearer",
                "expires_in": 86400,
                "scope": "*",
            }
        )

    async def _posts(self, request: web.Request) -> list[dict[str, Any]] | None:
        return self.listings.get(request.match_info["sub"])

    async def _listing(self, request: web.Request) -> web.Response:
        posts = await self._posts(request)
        if posts is None:
            return json_response({"message": "Not Found", "error": 404}, status=404)
        limit = int(request.query.get("limit", 25))
        children = [{"kind": "t3", "data": p} for p in posts[:limit]]
        return json_response(
            {
                "kind": "Listing",
                "data": {
                    "after": None,
                    "before": None,
                    "dist": len(children),
                    "children": children,
                },
            }
        )

    async def _feed(self, request: web.Request) -> web.Response:
        posts = await self._posts(request)
        if posts is None:
            return web.Response(status=404, text="not found")
        sub = request.match_info["sub"]
        entries = "".join(
            f"""<entry><author><name>/u/someone</name></author>
<content type="html">{escape(feed_content(p))}</content>
<id>t3_{p["id"]}</id><link href="https://www.reddit.com{p["permalink"]}" />
<updated>{datetime.fromtimestamp(p["created_utc"], UTC).isoformat()}</updated>
<published>{datetime.fromtimestamp(p["created_utc"], UTC).isoformat()}</published>
<title>{escape(p["title"])}</title></entry>"""
            for p in posts
        )
        document = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>r/{sub}</title>
<id>/r/{sub}/.rss</id><updated>{datetime.now(UTC).isoformat()}</updated>{entries}</feed>"""
        return web.Response(
            body=document.encode("utf-8"), content_type="application/atom+xml", charset="utf-8"
        )
