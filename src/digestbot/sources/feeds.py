"""A subreddit's public RSS (Atom) feed, for running without Reddit credentials.

Feeds carry no score, comment count, NSFW or sticky flags: selection sees their
own order and defaults. Fetched with aiohttp (our user agent, `timeout_seconds` on each
try, the retries of `retry.with_retries`), parsed with feedparser. A body that is not a
feed is not retried: it would be the same again. The fetch and the reading are those of
`http`, shared with the other feed-like sources.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from digestbot.core.models import SourcePost
from digestbot.sources.http import entry_time, fetch_bytes, parse_feed, plain_text

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
    name: str  # the source's name: its posts' `source`
    subreddit: str
    listing: str  # "top" (of the day), "hot", "new" or "rising"
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
    return plain_text(raw), link


def posts_from_feed(document: bytes, subreddit: str, source: str) -> list[SourcePost]:
    parsed = parse_feed(document, f"the feed of r/{subreddit}")
    posts = []
    for entry in parsed.entries:
        entry_id = str(entry.get("id", ""))
        body, link = _body_and_link(entry)
        posts.append(
            SourcePost(
                id=entry_id.removeprefix("t3_") or str(entry.get("link", "")),
                source=source,
                title=str(entry.get("title", "")),
                url=str(entry.get("link", "")),
                body=body,
                link=link,
                created_utc=entry_time(entry),
            )
        )
    return posts


class FeedSource:
    def __init__(self, options: FeedOptions) -> None:
        self._options = options

    async def fetch(self) -> list[SourcePost]:
        o = self._options
        query = "?t=day" if o.listing == "top" else ""
        url = f"{o.base_url.rstrip('/')}/r/{o.subreddit}/{o.listing}/.rss{query}"
        what = f"the feed of r/{o.subreddit}"
        document = await fetch_bytes(url, what, o.user_agent, o.timeout_seconds, _REFUSALS)
        return posts_from_feed(document, o.subreddit, o.name)
