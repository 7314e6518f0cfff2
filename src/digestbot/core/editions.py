"""Channel editions: what each channel's digest holds, chosen from one day's work.

Every edition is cut from the same ranked pool of the day's stories: the default
edition (the blog post, and channels without a profile) takes the first `topics`;
a channel's edition takes its own number, about its focus first. Each topic is analysed
once per language any edition shows it in, whatever the number of channels.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from digestbot.core.focus import focused
from digestbot.core.models import Digest, Prediction, Topic, Usage

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.core.analyse import Analyst, ProgressCallback

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


@dataclass(frozen=True, slots=True)
class Analysed:
    """Every language's analyses of its topics, and what they cost together."""

    topics: dict[str, dict[str, Topic]]  # by language, then by post id
    predictions: tuple[Prediction, ...] = ()
    usage: Usage = field(default_factory=Usage)
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    model: str = ""


def unanalysed(needed: Mapping[str, Sequence[Topic]]) -> Analysed:
    """A headline edition's: every topic as it is."""
    return Analysed({lang: {t.post.id: t for t in topics} for lang, topics in needed.items()})


async def analyse_languages(
    analyst: Analyst,
    needed: Mapping[str, Sequence[Topic]],
    events: Sequence[str],
    day: date,
    progress: ProgressCallback | None = None,
) -> Analysed:
    """Each language's topics analysed in it, all at once; the predictions once, with
    the prompt's own language."""
    languages = list(needed)
    results = await asyncio.gather(
        *(
            analyst.run(needed[lang], events if lang == "" else (), day, progress, language=lang)
            for lang in languages
        )
    )
    default = results[languages.index("")]
    return Analysed(
        topics={
            lang: {t.post.id: t for t in r.topics}
            for lang, r in zip(languages, results, strict=True)
        },
        predictions=default.predictions,
        usage=sum((r.usage for r in results), Usage()),
        problems=tuple(p for r in results for p in r.problems),
        notes=tuple(n for r in results for n in r.notes),
        model=default.model,
    )
