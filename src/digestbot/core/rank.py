"""One ranking of posts from several sources, whose scores are not comparable: Reddit's
run in the thousands, Hacker News's in the hundreds, a feed's or arXiv's are all 0.

Each post gets a value: its score as a share of its source's best score (for a source
without scores, or a listing not ordered by score, its place in the source's order:
(n - i) / n), times its source's weight, times how fresh it is. A post never outranks a
better-ranked post of its own source: along the source's own order the value is the
running minimum. All sources are then merged by value. With one source the result is that
source's own order, whatever the ages and the weight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from digestbot.core.models import SourcePost

# The age at which a post is worth half a new one. A digest is daily: a post from yesterday
# is half as news as one from this morning. The decline is 1 / (1 + age / FRESHNESS_HOURS),
# not exponential, so a post two days old (the default max_age_hours) still counts a third
# and a strong old story can beat a weak new one.
FRESHNESS_HOURS = 24.0


def freshness(post: SourcePost, now: datetime) -> float:
    """1 for a post made now, 1/2 at FRESHNESS_HOURS old, 1/3 at twice that."""
    age_hours = max((now - post.created_utc).total_seconds() / 3600, 0.0)
    return 1 / (1 + age_hours / FRESHNESS_HOURS)


def source_key(post: SourcePost) -> str:
    """The source a post counts for, by the name its weight is set under."""
    return post.source_name


def ranked(
    posts: Iterable[SourcePost],
    weights: Mapping[str, float],
    now: datetime | None,
    *,
    by_score: bool,
    liking: Callable[[SourcePost], float] | None = None,
) -> list[SourcePost]:
    """`posts` best first across their sources. A source's own order is by score (highest
    first, ties in the given order) when `by_score`, else the given order (a trending
    list's). A source's weight is `weights[name]`, 1 when not set. Without `now`, age does
    not count. `liking` (the team's past votes, a factor around 1) is the one thing that
    may reorder a source's own posts: it applies after the running minimum."""
    sources: dict[str, list[SourcePost]] = {}
    for post in posts:
        sources.setdefault(source_key(post), []).append(post)
    valued: list[tuple[float, SourcePost]] = []
    for name, own in sources.items():
        if by_score:
            own = sorted(own, key=lambda p: p.score, reverse=True)  # stable
        weight = max(weights.get(name, 1.0), 0.0)
        value = float("inf")
        for share, post in zip(_shares(own, by_score), own, strict=True):
            fresh = 1.0 if now is None else freshness(post, now)
            value = min(value, share * weight * fresh)
            valued.append((value * (liking(post) if liking else 1.0), post))
    # Stable: equal values keep the sources' order, and so does one source's own order.
    valued.sort(key=lambda v: -v[0])
    return [post for _, post in valued]


def _shares(own: Sequence[SourcePost], by_score: bool) -> list[float]:
    """Each post's standing in its source, 0-1: its score over the best score (negative
    counts as 0) when the source is ordered by score, else (or when no post has a score)
    by its place in the source's order."""
    best = max((p.score for p in own), default=0)
    if by_score and best > 0:
        return [max(p.score, 0) / best for p in own]
    n = len(own)
    return [(n - i) / n for i in range(n)]
