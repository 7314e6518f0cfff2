"""A topic's excerpt: a line of its source's own words, shown where there is no analysis.

From the API a post's body is Reddit markdown (links, emphasis, headings, code, quotes,
lists, tables, HTML entities, backslash escapes); from the feeds it is already text.
Both become one line of plain text here. A link post without text of its own shows its
article's first sentences, else where it links to; a post with neither, its title.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from digestbot.core.models import Topic
from digestbot.core.text import one_line, shorten

# Backslash escapes are set aside first (as private-use characters) so that an escaped
# "*" or "[" is never read as markup, and put back as plain characters at the end.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_HIDE = 0xF0000  # plane 15, private use: no text carries it

_BLOCK_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*$", re.M), ""),  # code fences: keep the code
    (re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*\S+.*$", re.M), ""),  # link reference definitions
    (re.compile(r"^ {0,3}(?:[-*_] *){3,}$", re.M), ""),  # thematic breaks
    (re.compile(r"^ {0,3}(?:=+|-+) *$", re.M), ""),  # setext heading underlines
    (re.compile(r"^ *\|?(?: *:?-+:? *\|)+ *:?-*:? *$", re.M), ""),  # table delimiter rows
    (re.compile(r"^ {0,3}(?:> ?)+", re.M), ""),  # block quotes
    (re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)", re.M), ""),  # ATX headings
    (re.compile(r"(?: +#+)+ *$", re.M), ""),  # closing hashes of a heading
    (re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?", re.M), ""),  # lists
]
_INLINE_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # images: their alt text
    (re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)"), r"\1"),  # links: their text
    (re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]"), r"\1"),  # reference links
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"(`+)(.+?)\1", re.S), r"\2"),  # inline code
    (re.compile(r">!(.+?)!<", re.S), r"\1"),  # Reddit spoilers
    (re.compile(r"(\*\*\*|___)(?=\S)(.+?)(?<=\S)\1", re.S), r"\2"),  # bold italics
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.S), r"\2"),  # bold
    (re.compile(r"\*(?=\S)(.+?)(?<=\S)\*", re.S), r"\1"),  # italics
    (re.compile(r"(?<![\w])_(?=\S)(.+?)(?<=\S)_(?![\w])", re.S), r"\1"),  # italics, not snake_case
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.S), r"\1"),  # strikethrough
    (re.compile(r"\^\(([^)\n]*)\)"), r"\1"),  # Reddit superscript ^(words)
    (re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"), " "),  # HTML tags
]
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")


def plain(markdown: str) -> str:
    """Reddit markdown (or plain text) as one line of plain text."""
    text = _ESCAPED.sub(lambda m: chr(_HIDE + ord(m.group(1))), markdown)
    for pattern, replacement in _BLOCK_RULES + _INLINE_RULES:
        text = pattern.sub(replacement, text)
    text = html.unescape(text)
    text = re.sub(r"[\U000F0000-\U000F007F]", lambda m: chr(ord(m.group()) - _HIDE), text)
    return one_line(text)


def lead(text: str, limit: int) -> str:
    """An article's first sentences, as many whole ones as fit in `limit` characters
    (at least the first, shortened if it must be)."""
    line = one_line(text[: limit * 4])
    taken = ""
    for sentence in _SENTENCE_END.split(line):
        candidate = f"{taken} {sentence}" if taken else sentence
        if len(candidate) > limit:
            break
        taken = candidate
    return taken or shorten(line, limit)


def domain(link: str) -> str:
    """The host a link points to, without "www."; "" when it has none."""
    try:
        host = urlsplit(one_line(link)).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def source_excerpt(topic: Topic, limit: int = 400) -> str:
    """One line of plain text, at most `limit` characters: the post's own text, else its
    article's lead, else "a link to DOMAIN"; "" when the post has none of them."""
    body = plain(topic.post.body)
    if body:
        return shorten(body, limit)
    article = topic.article
    if article is not None and article.text:
        first = lead(article.text, limit)
        if first:
            return first
    host = domain(topic.post.link)
    return shorten(f"a link to {host}", limit) if host else ""


NO_TEXT = "(no text of its own: only its title)"


def excerpt(topic: Topic, limit: int = 400) -> str:
    """`source_excerpt`, else words saying the post has none (its title is shown beside
    it already): never empty."""
    return source_excerpt(topic, limit) or shorten(NO_TEXT, limit)
