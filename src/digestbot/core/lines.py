"""The words of a chat message, shared by the platforms; each brings its own markup.
The first line of a search answer is the command line's too."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

TYPE_CHECKING = False
if TYPE_CHECKING:  # the command line's search imports this module, and no models
    from datetime import date

    from digestbot.core.models import SearchPage

SEPARATOR = " · "


class Markup(Protocol):
    """A chat platform's inline syntax; every method makes untrusted text inert."""

    def text(self, text: str, limit: int) -> str: ...

    def bold(self, text: str) -> str:
        """Bold around text that is already safe (escaped, or our own)."""
        ...

    def quote(self, text: str, limit: int) -> str:
        """A line quoted from a source, as the platform shows a quote."""
        ...

    def italic(self, text: str) -> str:
        """Italics around text that is already safe (escaped, or our own)."""
        ...

    def link(self, title: str, url: str, limit: int) -> str: ...


def list_lines(label: str, items: list[str], limit: int) -> list[str]:
    """`label` and the items in a line ("label a · b · c"), continued on as many more lines
    as `limit` needs. Lines break only between items, never inside one: a break inside a
    title could start a line with untrusted text that its escaping did not see there."""
    lines: list[str] = []
    current, joiner = label, " "
    for item in items:
        candidate = f"{current}{joiner}{item}"
        if len(candidate) > limit and joiner == SEPARATOR:
            lines.append(current)
            candidate = item
        current, joiner = candidate, SEPARATOR
    return [*lines, current]


def quoted(query: str) -> str:
    """A query in quotes, once: a phrase searched for already has its own."""
    phrase = len(query) > 1 and query.startswith('"') and query.endswith('"')
    return query if phrase else f'"{query}"'


def search_summary(last_day: date | None, digests: int, total: int) -> str:
    """When a query was last covered and how often, in words, for the first line of
    an answer in chat and on the command line."""
    if not total or last_day is None:
        return "no matches in any digest"
    return (
        f"last covered on {last_day.isoformat()}, in {_count(digests, 'digest')}"
        f" ({_count(total, 'match', 'es')})"
    )


def _count(n: int, noun: str, plural: str = "s") -> str:
    return f"{n} {noun}{plural if n != 1 else ''}"


def search_lines(found: SearchPage, markup: Markup) -> list[str]:
    """A page of search results: when the query was last covered, then per hit its day
    and title (linked to the day's post, else the discussion), a snippet of why it
    matched, and its other links (the discussion, the article) named by their sites."""
    pages = f", page {found.page} of {found.pages}" if found.pages > 1 else ""
    asked = markup.bold(markup.text(quoted(found.query), 200))
    lines = [f"{asked}: {search_summary(found.last_day, found.digests, found.total)}{pages}"]
    for hit in found.hits:
        links = hit.links or ((hit.url,) if hit.url else ())
        title = markup.link(hit.title, links[0], 300) if links else markup.text(hit.title, 300)
        trending = " (trending)" if hit.kind == "trending" else ""
        lines.append(f"`{hit.day.isoformat()}` {title}{trending}")
        if hit.snippet:
            lines.append(markup.quote(hit.snippet, 400))
        if others := [markup.link(_site(url), url, 60) for url in links[1:]]:
            lines.append("↳ " + SEPARATOR.join(others))
    if found.total and not found.hits:
        lines.append(f"Page {found.page} of {found.pages}: no more results.")
    return lines


def _site(url: str) -> str:
    """A link's name: the site it is on, as "arxiv.org" or "reddit.com"."""
    try:
        host = urlsplit(url).hostname or "link"
    except ValueError:  # a malformed address: the platform's link() drops it anyway
        return "link"
    return host.removeprefix("www.")
