"""Making untrusted text safe to hold: one visible line, bounded length."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from urllib.parse import quote

# What can hide or reorder what a reader sees, and never carries meaning here: control
# characters (Cc), format characters (Cf: zero-width space, bidirectional overrides and
# isolates, soft hyphen, invisible tags) and lone surrogates (Cs, which no UTF-8 payload
# can carry). The zero-width non-joiner and joiner are format characters too, but they
# are part of the text: Persian and Hindi spelling, emoji sequences such as 👩‍💻.
_INVISIBLE = {"Cc", "Cf", "Cs"}
_JOINERS = "\u200c\u200d"


def _visible(ch: str) -> bool:
    return ch in _JOINERS or unicodedata.category(ch) not in _INVISIBLE


def one_line(text: str) -> str:
    """Visible characters only, all whitespace (newlines too) folded to single spaces.

    A joiner is kept only inside a word, between the characters it joins or holds apart.
    """
    if text.isprintable():  # the common case, checked at C speed: nothing invisible in it
        return " ".join(text.split())
    visible = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or _visible(ch))
    words = (word.strip(_JOINERS) for word in visible.split())
    return " ".join(word for word in words if word)


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `limit` characters at a word boundary, marked with `ellipsis`."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ellipsis), 0)]
    head, sep, _ = cut.rpartition(" ")
    return (head if sep and len(head) > limit // 2 else cut).rstrip() + ellipsis


def safe_url(url: str) -> str | None:
    """A web link safe to place in markup: http(s) with a host, no spaces, brackets or pipes."""
    line = one_line(url)
    scheme, _, rest = line.partition("://")
    if scheme.lower() not in ("http", "https") or not rest[:1].strip("/?#"):
        return None
    return quote(line, safe=":/?#@!$&'*+,;=%~-._")


def fit(text: str, limit: int, escape: Callable[[str], str]) -> str:
    """`escape(text)` cut at a word boundary so that the escaped result is at most `limit` long.

    Cutting before escaping never splits an escape sequence; each try shrinks the cut by
    the overflow, so this ends after a few tries.
    """
    escaped = escape(text)
    if len(escaped) > limit and limit < 2:  # no room for a word and its "…"
        return ""
    room = limit
    while len(escaped) > limit:
        escaped = escape(shorten(text, room))
        room -= max(len(escaped) - limit, 1)
    return escaped


def pack_lines(lines: list[str], limit: int) -> list[str]:
    """Lines joined into as few chunks of at most `limit` characters as they fit,
    split only between lines (each line must fit on its own)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            chunks.append(current)
            candidate = line
        current = candidate
    return [*chunks, current] if current else chunks


def as_data(text: str, max_tokens: int, tag: str = "source") -> str:
    """Untrusted text made safe to place between <tag> delimiters, cut to about `max_tokens`.

    Counting 4 characters a token is an estimate that needs no tokenizer download.
    """
    limit = max_tokens * 4
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " [truncated]"
    # A source must not be able to close its own delimiter and speak as the prompt.
    return re.sub(rf"<(\s*/?\s*{tag})", r"‹\1", text, flags=re.IGNORECASE)
