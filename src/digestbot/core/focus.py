"""A channel's focus: topics about its subjects come first in its edition.

A subject is a word or a few ("robotics", "language models", "computer vision"); a topic
is about it when every word of the subject, as a stem ("models" is "model"), is among
the words of the topic's title or the start of its text. Matching is deliberately
literal: a reader who writes "robotics" sees topics that say so.
"""

from __future__ import annotations

from collections.abc import Sequence

from digestbot.core.models import Topic
from digestbot.core.stories import lead
from digestbot.core.story_words import word_stems


def subject_stems(subjects: Sequence[str]) -> list[frozenset[str]]:
    """Each subject's stems; a subject of filler words only is no subject."""
    return [stems for s in subjects if (stems := frozenset(word_stems(s)))]


def is_about(topic: Topic, subjects: Sequence[frozenset[str]]) -> bool:
    """Whether the topic's title or lead text has every word of one of the subjects."""
    text = lead(topic.post.body) or (lead(topic.article.text) if topic.article else "")
    words = set(word_stems(f"{topic.title} {text}"))
    return any(stems <= words for stems in subjects)


def focused(topics: Sequence[Topic], subjects: Sequence[str], count: int) -> tuple[Topic, ...]:
    """The first `count` topics, those about a subject first, each group in its order."""
    wanted = subject_stems(subjects)
    if not wanted:
        return tuple(topics[:count])
    flags = [is_about(t, wanted) for t in topics]
    about = [t for t, flag in zip(topics, flags, strict=True) if flag]
    rest = [t for t, flag in zip(topics, flags, strict=True) if not flag]
    return tuple((about + rest)[:count])
