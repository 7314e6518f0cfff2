"""The words of a chat message, shared by the platforms; each brings its own markup."""

from __future__ import annotations

from typing import Protocol

from digestbot.core.models import Digest, SearchPage

SEPARATOR = " · "


class Markup(Protocol):
    """A chat platform's inline syntax; every method makes untrusted text inert."""

    def text(self, text: str, limit: int) -> str: ...

    def bold(self, text: str) -> str:
        """Bold around text that is already safe (escaped, or our own)."""
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


def headline_lines(digest: Digest, markup: Markup, limit: int) -> list[str]:
    """The topics, numbered and linked to their sources; trending and predictions listed
    in a line each, broken between items into more lines where one would pass `limit`
    (every item is far shorter than any platform's limit)."""
    lines = [
        f"{i}. {markup.link(t.title, t.post.url, 200)}" for i, t in enumerate(digest.topics, 1)
    ]
    if digest.trending:
        titles = [markup.text(t.title, 150) for t in digest.trending]
        lines += list_lines(markup.bold("Trending:"), titles, limit)
    if digest.predictions:
        predictions = [
            f"{markup.text(p.event, 100)} ({markup.text(p.predicted, 40)})"
            for p in digest.predictions
        ]
        lines += list_lines(markup.bold("Predictions:"), predictions, limit)
    return lines


def search_lines(found: SearchPage, markup: Markup) -> list[str]:
    """A page of search results: a count, then date and (linked) title per hit."""
    pages = f", page {found.page} of {found.pages}" if found.pages > 1 else ""
    lines = [
        f"{markup.bold('Search: ' + markup.text(found.query, 200))}: {found.total} matches{pages}"
    ]
    lines += [
        f"`{hit.day.isoformat()}` {markup.link(hit.title, hit.url, 300)}"
        + (" (trending)" if hit.kind == "trending" else "")
        for hit in found.hits
    ]
    if not found.hits:
        lines.append("Nothing found." if found.page == 1 else "No more results.")
    return lines
