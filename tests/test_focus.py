"""A channel's focus puts topics about its subjects first, matched as stems."""

from __future__ import annotations

from datetime import UTC, datetime

from digestbot.core.focus import focused, is_about, subject_stems
from digestbot.core.models import Article, SourcePost, Topic

NOW = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)


def topic(title: str, body: str = "", article: str = "") -> Topic:
    post = SourcePost(title, "r/MachineLearning", title, f"https://x.example/{len(title)}", NOW)
    post = SourcePost(post.id, post.source, post.title, post.url, NOW, body=body)
    return Topic(post, title, article=Article("https://a.example", article) if article else None)


TOPICS = [
    topic("A faster tokenizer"),
    topic("Robots learn to fold laundry"),
    topic("Open weights for a new language model"),
    topic("A survey", body="We review robotic grasping and computer vision benchmarks."),
    topic("Benchmarks leak", article="Computer vision datasets leak into training sets."),
]


def test_topics_about_a_subject_come_first_in_their_order() -> None:
    chosen = focused(TOPICS, ["robotics"], 3)
    assert [t.title for t in chosen] == [
        "Robots learn to fold laundry",  # "robots" and "robotics" share the stem "robot"
        "A survey",  # its text says "robotic"
        "A faster tokenizer",  # then the rest, in order
    ]


def test_every_word_of_a_subject_must_be_there() -> None:
    chosen = focused(TOPICS, ["computer vision", "language models"], 5)
    assert [t.title for t in chosen][:3] == [
        "Open weights for a new language model",
        "A survey",
        "Benchmarks leak",  # from its article's lead, when the post has no text
    ]
    assert not is_about(TOPICS[0], subject_stems(["computer vision"]))


def test_no_focus_or_only_filler_keeps_the_order_and_count() -> None:
    assert focused(TOPICS, [], 2) == tuple(TOPICS[:2])
    assert focused(TOPICS, ["the", "  "], 2) == tuple(TOPICS[:2])
    assert focused(TOPICS, ["quantum"], 9) == tuple(TOPICS)
