from datetime import UTC, datetime, timedelta

import pytest

from digestbot.core.models import SourcePost
from digestbot.core.select import (
    SelectionRules,
    select_topics,
    select_trending,
    strip_flair,
    title_key,
)

NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)


def post(id: str, title: str, score: int = 10, hours_old: float = 1, **flags) -> SourcePost:
    return SourcePost(
        id=id,
        source="reddit:test",
        title=title,
        url=f"https://www.reddit.com/{id}",
        created_utc=NOW - timedelta(hours=hours_old),
        score=score,
        **flags,
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("[D] Why is my loss flat?", "Why is my loss flat?"),
        ("[R][P] Two tags", "Two tags"),
        ("[Discussion] - A spaced tag", "A spaced tag"),
        ("(N)  Spaces   folded", "Spaces folded"),
        ("No tag [R] in the middle", "No tag [R] in the middle"),
        ("[2401.01234] an arXiv id is not a flair", "[2401.01234] an arXiv id is not a flair"),
        ("[D]", "[D]"),
        ("Zero\u200bwidth and \u202eoverride", "Zerowidth and override"),
        ("Line\nbreak", "Line break"),
    ],
)
def test_strip_flair(raw: str, clean: str) -> None:
    assert strip_flair(raw) == clean


def test_topics_are_the_top_scored_usable_uncovered_posts() -> None:
    posts = [
        post("a", "[R] Alpha", score=50),
        post("b", "Pinned rules", score=999, stickied=True),
        post("c", "Not safe", score=900, nsfw=True),
        post("d", "Removed one", score=800, removed=True),
        post("e", "Covered yesterday", score=700),
        post("f", "Too old", score=600, hours_old=72),
        post("g", "[D] Gamma", score=40),
        post("h", "Alpha", score=30),  # the same topic as "a" once flair is gone
        post("i", "Iota", score=20),
    ]
    rules = SelectionRules(topics=3)
    topics = select_topics(posts, covered_ids={"e"}, rules=rules, now=NOW)
    assert [t.post.id for t in topics] == ["a", "g", "i"]
    assert [t.title for t in topics] == ["Alpha", "Gamma", "Iota"]


def test_topics_keep_source_order_without_scores() -> None:
    posts = [post(x, x.upper(), score=0) for x in "zyx"]
    topics = select_topics(posts, (), SelectionRules(topics=2), NOW)
    assert [t.post.id for t in topics] == ["z", "y"]


def test_min_score_is_a_setting() -> None:
    posts = [post("a", "A", score=5), post("b", "B", score=50)]
    topics = select_topics(posts, (), SelectionRules(min_score=10), NOW)
    assert [t.post.id for t in topics] == ["b"]


def test_trending_skips_todays_topics_and_recent_titles() -> None:
    topics = select_topics(
        [post("a", "[R] Sparse attention, revisited")], (), SelectionRules(), NOW
    )
    trending_posts = [
        post("t1", "Sparse Attention Revisited"),  # today's topic, other words' case
        post("t2", "A model that reads maps"),  # shown three days ago
        post("a", "Same post id as a topic"),
        post("t3", "Fresh title one"),
        post("t4", "Fresh title one!"),  # duplicate within the list
        post("t5", "Fresh title two"),
        post("t6", "Fresh title three"),
        post("t7", "Fresh title four"),
    ]
    rules = SelectionRules(trending_max=3)
    picked = select_trending(trending_posts, topics, ["A model that reads maps"], rules)
    assert [t.title for t in picked] == ["Fresh title one", "Fresh title two", "Fresh title three"]


def test_title_key_ignores_flair_case_and_punctuation() -> None:
    assert title_key("[R] GPT-5: What's new?") == title_key("gpt 5 what s new")
