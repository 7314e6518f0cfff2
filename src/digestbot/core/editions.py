"""Channel editions: what each channel's digest holds, chosen from one day's work.

Every edition is cut from the same ranked pool of the day's stories: the default
edition (the blog post, and channels without a profile) takes the first `topics`;
a channel's edition takes its own number, about its focus first. Each topic is analysed
once per language any edition shows it in, whatever the number of channels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from digestbot.core.focus import focused
from digestbot.core.models import Digest, Topic, Usage

# The most stories a focused edition chooses among: the most topics an edition may have.
POOL_MAX = 25


@dataclass(frozen=True, slots=True)
class EditionPlan:
    """What an edition holds: how many topics, in which language ("": the prompt's own),
    and which subjects first."""

    topics: int
    language: str = ""
    focus: tuple[str, ...] = ()


def differing(plans: Mapping[str, EditionPlan], default: EditionPlan) -> dict[str, EditionPlan]:
    """The channels whose edition is not the default one, by "<platform>:<channel>"."""
    return {channel: plan for channel, plan in plans.items() if plan != default}


def pool_size(default: EditionPlan, plans: Iterable[EditionPlan]) -> int:
    """How many of the day's stories to rank: enough for every edition, and the most an
    edition may hold when one has a focus (its subjects may rank low)."""
    plans = [default, *plans]
    if any(plan.focus for plan in plans):
        return POOL_MAX
    return max(plan.topics for plan in plans)


def pick(pool: Sequence[Topic], plan: EditionPlan) -> tuple[Topic, ...]:
    return focused(pool, plan.focus, plan.topics)


def by_language(
    default: Sequence[Topic],
    picks: Mapping[str, tuple[Topic, ...]],
    plans: Mapping[str, EditionPlan],
) -> dict[str, list[Topic]]:
    """The topics each language's analyses are needed for, each once, in pool order of
    first appearance: the default edition's in the prompt's language ("")."""
    wanted: dict[str, dict[str, Topic]] = {"": {t.post.id: t for t in default}}
    for channel, topics in picks.items():
        chosen = wanted.setdefault(plans[channel].language, {})
        for topic in topics:
            chosen.setdefault(topic.post.id, topic)
    return {language: list(topics.values()) for language, topics in wanted.items()}


def edition_digest(
    day_digest: Digest,
    picked: Sequence[Topic],
    plan: EditionPlan,
    analysed: Mapping[str, Topic],
) -> Digest:
    """A channel's edition: its topics as analysed in its language, and the day's
    trending titles and predictions. What the run cost is the day's digest's."""
    return replace(
        day_digest,
        topics=tuple(analysed.get(t.post.id, t) for t in picked),
        wanted_topics=plan.topics,
        editions=(),
        usage=Usage(),
    )
