"""Which posts make the digest: pure functions of the collected posts, what earlier
digests covered, and `now`. A story told by several posts today is one topic; a story
covered recently is left out or shown as an update, as the settings say."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from digestbot.core.models import Coverage, SourcePost, Topic, Trending
from digestbot.core.rank import ranked, source_key
from digestbot.core.stories import (
    Covered,
    CoveredTopic,
    Similar,
    StoryRules,
    Telling,
    covered_telling,
    post_telling,
    same_story,
    strip_flair,
    title_key,
)
from digestbot.core.text import one_line


@dataclass(frozen=True, slots=True)
class SelectionRules:
    topics: int = 5
    trending_min: int = 3
    trending_max: int = 5
    trending_lookback_days: int = 7
    max_age_hours: float = 48.0
    min_score: int = 0
    max_per_source: int = 0  # topics from one source at most; 0: no cap
    weights: Mapping[str, float] = field(default_factory=dict)  # by source name; else 1
    learn_from_feedback: bool = False  # past votes weigh sources and subjects
    # What the team's past votes make of a post (core/feedback), with learn_from_feedback
    liking: Callable[[SourcePost], float] | None = None


@dataclass(slots=True)
class _Story:
    """Today's posts of one story, best first, and how each is compared."""

    posts: list[SourcePost] = field(default_factory=list)
    tellings: list[Telling] = field(default_factory=list)


def _usable(post: SourcePost, rules: SelectionRules, now: datetime) -> bool:
    if post.stickied or post.nsfw or post.removed or not one_line(post.title):
        return False
    if post.score < rules.min_score:
        return False
    return now - post.created_utc <= timedelta(hours=rules.max_age_hours)


def _stories_of_the_day(
    posts: Sequence[SourcePost], stories: StoryRules, similar: Similar | None
) -> list[_Story]:
    """The posts grouped by story, in the order of each story's first post."""
    found: list[_Story] = []
    for post in posts:
        telling = post_telling(post)
        home = next(
            (s for s in found if any(same_story(telling, t, stories, similar) for t in s.tellings)),
            None,
        )
        if home is None:
            home = _Story()
            found.append(home)
        home.posts.append(post)
        home.tellings.append(telling)
    return found


def _first_coverage(
    story: _Story,
    earlier: Sequence[tuple[CoveredTopic, Telling]],
    stories: StoryRules,
    similar: Similar | None,
) -> Coverage | None:
    """When and under which title the digest first covered this story, if it did."""
    firsts = [
        (topic.first_day, topic.first_title) if topic.first_day else (topic.day, topic.title)
        for topic, telling in earlier
        if any(same_story(t, telling, stories, similar) for t in story.tellings)
    ]
    if not firsts:
        return None
    day, title = min(firsts, key=lambda first: first[0])
    return Coverage(day=day, title=title)


def select_topics(
    candidates: Sequence[SourcePost],
    covered: Covered,
    rules: SelectionRules,
    stories: StoryRules,
    now: datetime,
    similar: Similar | None = None,
) -> tuple[Topic, ...]:
    """The day's top stories, best first across sources (core.rank), each once with all
    its posts of the day, and at most `rules.max_per_source` from one source (by its
    first post's) when that is set.

    A post that was a topic on another day never comes back; a story covered in the last
    `stories.lookback_days` is left out or becomes an update of its first coverage.
    `similar` compares embeddings, where the endpoint has them."""
    since = covered.day - timedelta(days=stories.lookback_days)
    earlier = [(t, covered_telling(t)) for t in covered.topics if since <= t.day < covered.day]
    usable = [p for p in candidates if _usable(p, rules, now) and p.id not in covered.post_ids]
    best_first = ranked(usable, rules.weights, now, by_score=True, liking=rules.liking)
    topics: list[Topic] = []
    per_source: Counter[str] = Counter()
    for story in _stories_of_the_day(best_first, stories, similar):
        if len(topics) == rules.topics:
            break
        update_of = _first_coverage(story, earlier, stories, similar)
        if update_of is not None and stories.on_repeat == "skip":
            continue
        post, *also = story.posts
        source = source_key(post)
        if rules.max_per_source and per_source[source] >= rules.max_per_source:
            continue
        per_source[source] += 1
        topics.append(
            Topic(post=post, title=strip_flair(post.title), also=tuple(also), update_of=update_of)
        )
    return tuple(topics)


def select_trending(
    candidates: Sequence[SourcePost],
    topics: Sequence[Topic],
    covered: Covered,
    rules: SelectionRules,
    stories: StoryRules,
    similar: Similar | None = None,
    now: datetime | None = None,
) -> tuple[Trending, ...]:
    """Trending titles, each source's in its own order and several sources merged
    (core.rank; without `now`, age does not count), none telling a story shown today, as
    a topic in the last `rules.trending_lookback_days`, or as a trending title in that
    window."""
    since = covered.day - timedelta(days=rules.trending_lookback_days)
    shown = [post_telling(p) for topic in topics for p in topic.posts]
    shown += [
        covered_telling(t)
        for t in (*covered.topics, *covered.trending)
        if since <= t.day < covered.day
    ]
    picked: list[Trending] = []
    for post in ranked(candidates, rules.weights, now, by_score=False):
        if post.stickied or post.nsfw or post.removed or not title_key(post.title):
            continue
        telling = post_telling(post)
        if any(same_story(telling, s, stories, similar) for s in shown):
            continue
        shown.append(telling)
        picked.append(Trending(post_id=post.id, title=one_line(post.title), url=post.url))
        if len(picked) == rules.trending_max:
            break
    return tuple(picked)
