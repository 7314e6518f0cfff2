"""Which posts make the digest: pure functions of the collected posts, history and `now`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from digestbot.core.models import SourcePost, Topic, Trending
from digestbot.core.text import one_line

# Leading tags such as "[D]", "[R]", "[P]", "[N]", "[Discussion]", "(R)", one or several.
_LEADING_FLAIR = re.compile(r"^\s*(?:[\[(][A-Za-z][A-Za-z /&-]{0,24}[\])]\s*[:\-–—]?\s*)+")


@dataclass(frozen=True, slots=True)
class SelectionRules:
    topics: int = 5
    trending_min: int = 3
    trending_max: int = 5
    trending_lookback_days: int = 7
    max_age_hours: float = 48.0
    min_score: int = 0


def strip_flair(title: str) -> str:
    """Drop leading flair tags ("[D] ", "[R] ") and fold whitespace; a lone tag is kept."""
    cleaned = one_line(title)
    stripped = _LEADING_FLAIR.sub("", cleaned).strip()
    return stripped or cleaned


def title_key(title: str) -> str:
    """A comparison key: same words in any case, spacing or punctuation compare equal."""
    text = unicodedata.normalize("NFKC", strip_flair(title)).casefold()
    return " ".join(re.findall(r"\w+", text))


def _usable(post: SourcePost, rules: SelectionRules, now: datetime) -> bool:
    if post.stickied or post.nsfw or post.removed or not one_line(post.title):
        return False
    if post.score < rules.min_score:
        return False
    return now - post.created_utc <= timedelta(hours=rules.max_age_hours)


def select_topics(
    candidates: Sequence[SourcePost],
    covered_ids: Iterable[str],
    rules: SelectionRules,
    now: datetime,
) -> tuple[Topic, ...]:
    """The day's top posts, best score first, none covered before, none twice."""
    covered = set(covered_ids)
    seen_titles: set[str] = set()
    topics: list[Topic] = []
    # sorted() is stable: sources without scores (RSS) keep their own order.
    for post in sorted(candidates, key=lambda p: p.score, reverse=True):
        key = title_key(post.title)
        if post.id in covered or key in seen_titles or not _usable(post, rules, now):
            continue
        seen_titles.add(key)
        topics.append(Topic(post=post, title=strip_flair(post.title)))
        if len(topics) == rules.topics:
            break
    return tuple(topics)


def select_trending(
    candidates: Sequence[SourcePost],
    topics: Sequence[Topic],
    recent_titles: Iterable[str],
    rules: SelectionRules,
) -> tuple[Trending, ...]:
    """Trending titles in source order, repeating neither today's topics nor recent days' titles.

    `recent_titles` are the trending titles shown in the lookback window before today.
    """
    excluded_ids = {t.post.id for t in topics}
    excluded_titles = {title_key(t.title) for t in topics} | {title_key(t) for t in recent_titles}
    picked: list[Trending] = []
    for post in candidates:
        key = title_key(post.title)
        if post.id in excluded_ids or key in excluded_titles or not key:
            continue
        if post.stickied or post.nsfw or post.removed:
            continue
        excluded_titles.add(key)
        picked.append(Trending(post_id=post.id, title=one_line(post.title), url=post.url))
        if len(picked) == rules.trending_max:
            break
    return tuple(picked)
