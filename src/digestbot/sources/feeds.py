"""A subreddit's public RSS (Atom) feed, for running without Reddit credentials.

Feeds carry no score, comment count, NSFW or sticky flags: selection sees their
own order and defaults. Fetched with aiohttp (our user agent, `timeout_seconds` on each
try, the retries of `retry.with_retries`), parsed with feedparser. A body that is not a
feed is not retried: it would be the same again.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from time import struct_time
from typing import Any
from urllib.parse import urljoin

import aiohttp
import feedparser

from digestbot.core.errors import SourceError
from digestbot.core.models import SourcePost
from digestbot.sources.retry import Transient, for_status, is_transient, with_retries

_TAG = re.compile(r"<[^>]+>")
# Reddit ends each entry's content with a footer of its own: "submitted by <a>/u/x</a>
# <br/> <span><a href=OUTBOUND>[link]</a></span> <span><a href=COMMENTS>[comments]</a>
# </span>", inside a table's cell when the post has a thumbnail. Matched whole and at the
# end only: a post's own text may say "submitted by" too.
_GAP = r"(?:\s|&#32;)*"
_ANCHOR = r'<a\s[^>]*?href="([^"]*)"[^>]*>\s*\[{}\]\s*</a>'
_FOOTER = re.compile(
    rf"submitted by{_GAP}<a\s[^>]*>[^<]*</a>{_GAP}(?:<br\s*/?>)?{_GAP}"
    rf"<span>\s*{_ANCHOR.format('link')}\s*</span>{_GAP}"
    rf"<span>\s*{_ANCHOR.format('comments')}\s*</span>"
    r"(?:\s|</td>|</tr>|</table>)*$"
)
_REFUSALS = {
    401: ": Reddit refused this client",
    403: ": the subreddit is private, quarantined or banned",
    404: ": no such subreddit, or a banned one",
}


@dataclass(frozen=True, slots=True)
class FeedOptions:
    base_url: str  # https://www.reddit.com
    user_agent: str
    timeout_seconds: float


def _body_and_link(entry: Any) -> tuple[str, str]:
    """The post's own text, plain, and its outbound link ("" for a self post)."""
    content = entry.get("content") or [{}]
    raw = content[0].get("value", "") or entry.get("summary", "")
    link = ""
    start = raw.rfind("submitted by")  # the footer's, if it has one: it comes last
    footer = _FOOTER.match(raw, start) if start >= 0 else None
    if footer:
        raw = raw[:start]
        outbound, comments = (html.unescape(u) for u in footer.groups())
        outbound = urljoin(comments, outbound)  # a crosspost's is relative: its parent's
        if outbound not in (comments, entry.get("link", "")):
            link = outbound
    return " ".join(html.unescape(_TAG.sub(" ", raw)).split()), link


def _when(entry: Any) -> datetime:
    stamp: struct_time | None = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*stamp[:6], tzinfo=UTC) if stamp else datetime.now(UTC)


def posts_from_feed(document: bytes, subreddit: str) -> list[SourcePost]:
    parsed = feedparser.parse(document)
    if parsed.bozo and not parsed.entries:
        raise SourceError(f"the feed of r/{subreddit} is not a readable feed")
    posts = []
    for entry in parsed.entries:
        entry_id = str(entry.get("id", ""))
        body, link = _body_and_link(entry)
        posts.append(
            SourcePost(
                id=entry_id.removeprefix("t3_") or str(entry.get("link", "")),
                source=f"reddit:{subreddit}",
                title=str(entry.get("title", "")),
                url=str(entry.get("link", "")),
                body=body,
                link=link,
                created_utc=_when(entry),
            )
        )
    return posts


class FeedSource:
    def __init__(self, options: FeedOptions) -> None:
        self._options = options

    async def fetch(self, community: str, listing: str) -> list[SourcePost]:
        o = self._options
        query = "?t=day" if listing == "top" else ""
        url = f"{o.base_url.rstrip('/')}/r/{community}/{listing}/.rss{query}"
        timeout = aiohttp.ClientTimeout(total=o.timeout_seconds)  # per try
        headers = {"User-Agent": o.user_agent}
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as s:
            document = await with_retries(
                lambda: self._get(s, url, community), f"the feed of r/{community} failed"
            )
        return posts_from_feed(document, community)

    async def _get(self, session: aiohttp.ClientSession, url: str, community: str) -> bytes:
        """One try: the feed's bytes, Transient for what may pass, SourceError for the rest."""
        try:
            async with session.get(url) as response:
                if response.status == 200:
                    return await response.read()
                if is_transient(response.status):
                    raise for_status(response.status, response.headers.get("Retry-After"))
                meaning = _REFUSALS.get(response.status, "")
                raise SourceError(f"the feed of r/{community} answered {response.status}{meaning}")
        except TimeoutError as exc:
            raise Transient(f"no answer within {self._options.timeout_seconds:g} s") from exc
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise Transient(f"the connection failed ({type(exc).__name__})") from exc
        except aiohttp.ClientError as exc:
            raise SourceError(f"cannot fetch the feed of r/{community}: {exc}") from exc
