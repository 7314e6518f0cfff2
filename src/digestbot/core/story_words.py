"""The words of a title that tell which story it is, and how alike two titles' words are.

A title's words are compared as stems ("fired" and "fires" are one word), without filler
words nor the words every title of the field uses ("model", "AI", "researchers",
"introduce"), which made short titles look alike ("Tiny Language Models" and "Meet
CoT Collection: ... Language Models"). Words two titles share in the same order count as
one ("Stable Video Diffusion" is one name, not three reasons to join two stories).
Measured on labelled months and the blog's archive with benchmarks/stories.py.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache

from digestbot.core.text import one_line

# Leading tags such as "[D]", "[R]", "[P]", "[N]", "[Discussion]", "(R)", one or several.
_LEADING_FLAIR = re.compile(r"^\s*(?:[\[(][A-Za-z][A-Za-z /&-]{0,24}[\])]\s*[:\-–—]?\s*)+")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
NAME_WORDS = 4  # a name is at most this many words
_WORD = re.compile(r"\d+(?:\.\d+)+|\w+")  # "3.5" and "2.1" are one word each
# Words that say nothing of which story a title tells.
_FILLER = frozenset((
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "anyone", "are",
    "as", "at", "be", "been", "before", "being", "but", "by", "can", "could", "did", "do",
    "does", "doing", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is",
    "it", "its", "just", "me", "more", "most", "my", "new", "no", "not", "now", "of", "on",
    "or", "our", "out", "over", "so", "some", "still", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "to", "too", "under", "up", "us", "vs",
    "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with",
    "would", "you", "your"
))  # fmt: skip
# Words the field's titles share whatever their story ("Meet X: a novel AI framework for
# large language models"): compared as stems, so "models" and "model" are one.
_FIELD = (
    "ai", "ml", "llm", "llms", "model", "language", "large", "learning", "machine", "deep",
    "neural", "network", "artificial", "intelligence", "generative", "data", "paper",
    "research", "researcher", "introduce", "propose", "meet", "novel", "framework",
    "approach", "method", "based", "using", "via", "towards", "toward", "thoughts",
    "discussion", "question", "help",
)  # fmt: skip


def strip_flair(title: str) -> str:
    """Drop leading flair tags ("[D] ", "[R] ") and fold whitespace; a lone tag is kept."""
    cleaned = one_line(title)
    stripped = _LEADING_FLAIR.sub("", cleaned).strip()
    return stripped or cleaned


def title_key(title: str) -> str:
    """A comparison key: same words in any case, spacing or punctuation compare equal."""
    text = unicodedata.normalize("NFKC", strip_flair(title)).casefold()
    return " ".join(re.findall(r"\w+", text))


@cache
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


@cache
def _field_stems() -> frozenset[str]:
    return frozenset(map(_stem, _FIELD))


def word_stems(text: str) -> tuple[str, ...]:
    """The stems of all a text's words but filler, field words included: what a reader's
    subject ("language models", "robotics") is matched on."""
    text = unicodedata.normalize("NFKC", strip_flair(text)).casefold()
    return tuple(_stem(w) for w in _WORD.findall(_POSSESSIVE.sub("", text)) if w not in _FILLER)


@lru_cache(maxsize=4096)
def content_words(text: str) -> tuple[str, ...]:
    """The stems of the words of a title or text that tell its story, in order."""
    text = unicodedata.normalize("NFKC", strip_flair(text)).casefold()
    words = [w for w in _WORD.findall(_POSSESSIVE.sub("", text)) if w not in _FILLER]
    field = _field_stems()
    return tuple(s for s in map(_stem, words) if s not in field)


def is_number(word: str) -> bool:
    return not any(c.isalpha() for c in word)


def numbers(words: Sequence[str]) -> frozenset[str]:
    """The words with a digit: "2", "3.5", "gpt4", "70b"."""
    return frozenset(w for w in words if any(c.isdigit() for c in w))


def shared_runs(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, ...]]:
    """The words `a` and `b` have in common, in runs of words that follow each other in
    both (each word in one run only)."""
    where: dict[str, list[int]] = {}
    for j, word in enumerate(b):
        where.setdefault(word, []).append(j)
    runs: list[tuple[str, ...]] = []
    used: set[str] = set()
    i = 0
    while i < len(a):
        if a[i] in used or a[i] not in where:
            i += 1
            continue
        length = max(_common_length(a, i, b, j) for j in where[a[i]])
        run = tuple(w for w in a[i : i + length] if w not in used)
        used.update(run)
        runs.append(run)
        i += length
    return runs


def _common_length(a: Sequence[str], i: int, b: Sequence[str], j: int) -> int:
    length = 1
    while i + length < len(a) and j + length < len(b) and a[i + length] == b[j + length]:
        length += 1
    return length


def alike(a: Sequence[str], b: Sequence[str]) -> float:
    """How alike two titles' words are, 0-1: the cosine of their word sets, where a run of
    up to four shared words (a name: "Sam Altman", "Stable Video Diffusion") counts the
    square root of its length, and a longer run (a phrase) every word."""
    if not a or not b:
        return 0.0
    shared = sum(
        len(run) if len(run) > NAME_WORDS else math.sqrt(len(run)) for run in shared_runs(a, b)
    )
    return min(1.0, shared / math.sqrt(len(set(a)) * len(set(b))))


def contains(a: Sequence[str], b: Sequence[str], least: int = 3) -> bool:
    """Whether the shorter title's words, `least` of them at least, are all in the other's,
    in the same order: a title posted again with a prefix or a suffix ("(Self Promotional)")."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    n = len(short)
    return n >= least and any(
        tuple(long[i : i + n]) == tuple(short) for i in range(len(long) - n + 1)
    )
