"""An arXiv category's newest submissions, through arXiv's export API.

One query, newest submissions first: `{api_url}/query?search_query=cat:<category>&
sortBy=submittedDate&sortOrder=descending&max_results=<fetch_limit>`, answered as Atom.
A post is a paper, known by its id without its version (a v2 is the same paper again),
linking its abstract page. The API reports a bad query as a feed of one entry titled
"Error" (with status 400, or 200 in older answers): its summary is the reason we give. An
unknown category is an empty feed, hence no posts, not an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from digestbot.core.errors import SourceError
from digestbot.core.models import SourcePost
from digestbot.sources.http import entry_time, fetch_bytes, parse_feed, text_of

API_URL = "http://export.arxiv.org/api"
# An entry's id is its abstract's address: http://arxiv.org/abs/2411.01234v2, or for
# papers before April 2007 http://arxiv.org/abs/hep-th/9901001v1 or .../math.GT/0309136v1.
_ID = re.compile(r"arxiv\.org/abs/(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_ERRORS = "arxiv.org/api/errors"


@dataclass(frozen=True, slots=True)
class ArxivOptions:
    name: str  # the source's name: its posts' `source`, and in messages
    category: str  # e.g. "cs.LG"
    fetch_limit: int
    user_agent: str
    timeout_seconds: float
    api_url: str = API_URL


def query_url(options: ArxivOptions) -> str:
    query = urlencode(
        {
            "search_query": f"cat:{options.category}",
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "max_results": options.fetch_limit,
        }
    )
    return f"{options.api_url.rstrip('/')}/query?{query}"


def _error(entries: list[Any]) -> str | None:
    """The reason an error answer gives, or None for an answer that is not one."""
    if len(entries) != 1 or _ERRORS not in str(entries[0].get("id", "")):
        return None
    return text_of(entries[0].get("summary_detail") or {}) or "no reason given"


def posts_from_arxiv(document: bytes, name: str) -> list[SourcePost]:
    """The papers of an API answer, in its order; entries without an arXiv id are left out."""
    what = f'the arXiv listing "{name}"'
    parsed = parse_feed(document, what)
    if reason := _error(parsed.entries):
        raise SourceError(f"{what}: arXiv refused the query: {reason}")
    posts = []
    for entry in parsed.entries:
        found = _ID.search(str(entry.get("id", "")))
        if not found:
            continue
        paper = found.group(1)
        posts.append(
            SourcePost(
                id=f"arxiv:{paper}",
                source=name,
                title=text_of(entry.get("title_detail") or {}),
                url=f"https://arxiv.org/abs/{paper}",
                body=text_of(entry.get("summary_detail") or {}),
                created_utc=entry_time(entry),
            )
        )
    return posts


class ArxivSource:
    def __init__(self, options: ArxivOptions) -> None:
        self._options = options

    async def fetch(self) -> list[SourcePost]:
        o = self._options
        document = await fetch_bytes(
            query_url(o),
            f'the arXiv listing "{o.name}"',
            o.user_agent,
            o.timeout_seconds,
            ok=(200, 400),  # a 400 carries the error feed, whose reason we read
        )
        return posts_from_arxiv(document, o.name)
