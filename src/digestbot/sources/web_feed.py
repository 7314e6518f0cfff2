"""Any RSS 2.0, RSS 1.0 (RDF) or Atom feed: a blog, a project's GitHub releases, a journal.

An entry becomes a post that links the entry's own page (`url`, where a reader goes; and
`link`, so that the page is read like any link post's: a feed may carry only a summary)
and carries its content, or else its summary, as plain text. Feeds carry no score: the
feed's own order (newest first, as feeds are written) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from digestbot.core.models import SourcePost
from digestbot.sources.http import entry_time, fetch_bytes, parse_feed, text_of

_REFUSALS = {
    401: ": it asks for a login",
    403: ": it refused this client",
    404: ": no feed at this address",
    410: ": the feed is gone",
}


@dataclass(frozen=True, slots=True)
class WebFeedOptions:
    name: str  # the source's name: its posts' `source`, and in messages
    url: str
    fetch_limit: int
    user_agent: str
    timeout_seconds: float


def _body(entry: Any) -> str:
    for detail in [*entry.get("content", []), entry.get("summary_detail") or {}]:
        if text := text_of(detail):
            return text
    return ""


def posts_from_web_feed(document: bytes, name: str, limit: int, url: str = "") -> list[SourcePost]:
    """The first `limit` entries of the feed fetched from `url` that have an id or a link,
    in the feed's order. A post's `url` is its entry's web page ("" if it has none)."""
    parsed = parse_feed(document, f'the feed "{name}"')
    posts = []
    for entry in parsed.entries:
        raw_link = str(entry.get("link", ""))
        key = str(entry.get("id", "")) or raw_link
        if not key:  # nothing to know it again by, nor to link
            continue
        link = urljoin(url, raw_link) if raw_link else ""  # a relative one made whole
        if not link.startswith(("http://", "https://")):
            link = ""  # feedparser's guess from a urn id: no web page
        posts.append(
            SourcePost(
                id=f"feed:{_global(key, url)}",
                source=name,
                title=text_of(entry.get("title_detail") or {}),
                url=link,
                link=link,  # the page is also what it points to: its text is read
                body=_body(entry),
                created_utc=entry_time(entry),
            )
        )
    return posts[:limit]


def _global(key: str, feed_url: str) -> str:
    """An entry's key as an id of its own anywhere: an address or a tag or urn id is one
    already (the same article in two feeds is one post); a feed's own numbering ("42") is
    made one by the feed's address. Not by the source's name: renaming a source must not
    bring back what was covered."""
    if "://" in key or key.startswith(("urn:", "tag:")):
        return key
    return f"{feed_url}#{key}"


class WebFeedSource:
    def __init__(self, options: WebFeedOptions) -> None:
        self._options = options

    async def fetch(self) -> list[SourcePost]:
        o = self._options
        document = await fetch_bytes(
            o.url, f'the feed "{o.name}"', o.user_agent, o.timeout_seconds, _REFUSALS
        )
        return posts_from_web_feed(document, o.name, o.fetch_limit, o.url)
