"""The words that tell a title's story, and how alike two titles' words are."""

from __future__ import annotations

import pytest

from digestbot.core.story_words import alike, contains, content_words, numbers, shared_runs


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("[N] OpenAI board fires Sam Altman", ("openai", "board", "fire", "sam", "altman")),
        ("Sam Altman fired by OpenAI's board", ("sam", "altman", "fire", "openai", "board")),
        # The field's words and filler words go; a possessive is no word of its own.
        ("Meet Grok: a novel AI framework for large language models", ("grok",)),
        ("Grok's benchmarks", ("grok", "benchmark")),
        # A version number is one word.
        ("GPT-3.5 and Claude 2.1", ("gpt", "3.5", "claud", "2.1")),
    ],
)
def test_content_words(title: str, words: tuple[str, ...]) -> None:
    assert content_words(title) == words


def test_numbers_are_the_words_with_a_digit() -> None:
    assert numbers(content_words("Llama 2 70B beats GPT-3.5")) == {"2", "70b", "3.5"}


def test_words_in_the_same_order_are_one_run() -> None:
    a = content_words("Stability AI releases Stable Video Diffusion")
    b = content_words("Stable Video Diffusion on an 8GB card")
    assert shared_runs(a, b) == [("stabl", "video", "diffus")]
    assert shared_runs(a, content_words("Diffusion video, stable")) == [
        ("stabl",),
        ("video",),
        ("diffus",),
    ]


def test_a_run_counts_less_than_its_words() -> None:
    name = alike(content_words("Microsoft Copilot on Windows"), content_words("Microsoft Copilot"))
    scattered = alike(content_words("Copilot on Windows"), content_words("Windows Copilot"))
    assert name == pytest.approx(2**0.5 / (3 * 2) ** 0.5)
    assert scattered == 1.0
    assert alike((), ("a",)) == 0.0
    # Five words or more in the same order are a phrase: each counts.
    phrase = alike(("a", "b", "c", "d", "e", "f"), ("a", "b", "c", "d", "e", "g"))
    assert phrase == pytest.approx(5 / 6)
    assert alike(("a", "b", "c", "d", "f"), ("a", "b", "c", "d", "g")) == pytest.approx(2 / 5)


def test_a_title_inside_another() -> None:
    short = content_words("Breaking down the Segment Anything paper")
    assert contains(short, content_words("Breaking down the Segment Anything paper (video)"))
    assert not contains(short, content_words("Segment Anything: breaking it down"))
    # Two words are too few to tell a story by themselves.
    assert not contains(content_words("Stable Diffusion"), content_words("Stable Diffusion XL"))
