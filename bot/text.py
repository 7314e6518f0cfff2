"""Making untrusted text safe to hold: one visible line, bounded length."""

from __future__ import annotations

import unicodedata

# Control characters and format characters (zero-width, bidirectional overrides) are
# invisible and can reorder or hide what a reader sees; they never carry meaning here.
_INVISIBLE = {"Cc", "Cf"}


def one_line(text: str) -> str:
    """Visible characters only, all whitespace (newlines too) folded to single spaces."""
    visible = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
    )
    return " ".join(visible.split())


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `limit` characters at a word boundary, marked with `ellipsis`."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ellipsis), 0)]
    head, sep, _ = cut.rpartition(" ")
    return (head if sep and len(head) > limit // 2 else cut).rstrip() + ellipsis
