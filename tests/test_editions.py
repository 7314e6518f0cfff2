"""Channel editions cut from one day's work: the pool, each edition's picks, the
languages asked for, and the prompt told the language."""

from __future__ import annotations

from datetime import UTC, datetime

from digestbot.core.analyse import in_language
from digestbot.core.editions import EditionPlan, by_language, differing, pick, pool_size
from digestbot.core.models import SourcePost, Topic

NOW = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
TITLES = ["A faster tokenizer", "Robots fold laundry", "Open weights", "A robotics survey"]
POOL = [
    Topic(SourcePost(f"p{i}", "r/x", t, f"https://x.example/{i}", NOW), t)
    for i, t in enumerate(TITLES)
]
DEFAULT = EditionPlan(topics=2)


def test_the_pool_is_as_large_as_the_largest_edition_or_the_most_with_a_focus() -> None:
    assert pool_size(DEFAULT, [EditionPlan(3), EditionPlan(1, "German")]) == 3
    assert pool_size(DEFAULT, [EditionPlan(1, focus=("robotics",))]) == 25


def test_only_channels_unlike_the_default_have_editions() -> None:
    plans = {"slack:C1": EditionPlan(2), "slack:C2": EditionPlan(2, "German")}
    assert differing(plans, DEFAULT) == {"slack:C2": EditionPlan(2, "German")}


def test_each_language_is_asked_for_each_topic_once() -> None:
    plans = {
        "slack:C1": EditionPlan(2, "German", ("robotics",)),
        "discord:1": EditionPlan(1, "German"),
        "discord:2": EditionPlan(3),
    }
    picks = {channel: pick(POOL, plan) for channel, plan in plans.items()}
    assert [t.title for t in picks["slack:C1"]] == ["Robots fold laundry", "A robotics survey"]
    wanted = by_language(POOL[:2], picks, plans)
    assert {lang: [t.post.id for t in topics] for lang, topics in wanted.items()} == {
        "": ["p0", "p1", "p2"],  # the default edition's two, and the third for discord:2
        "German": ["p1", "p3", "p0"],
    }


def test_the_prompt_is_told_the_language_in_its_system_message() -> None:
    messages = [{"role": "system", "content": "Analyse."}, {"role": "user", "content": "X"}]
    assert in_language(messages, "") == messages
    told = in_language(messages, "German")
    assert told[0]["content"].startswith("Analyse.") and "in German" in told[0]["content"]
    assert told[1:] == messages[1:]
    (alone, *_) = in_language(messages[1:], "German")
    assert alone["role"] == "system" and "in German" in alone["content"]
