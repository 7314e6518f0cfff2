"""A topic's excerpt: plain text in one line, whatever the body's form, and never empty."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digestbot.core.excerpt import NO_TEXT, excerpt, plain, source_excerpt
from digestbot.core.models import Article, SourcePost, Topic
from digestbot.core.text import one_line


def topic(
    body: str = "", link: str = "", article: Article | None = None, title: str = "T"
) -> Topic:
    post = SourcePost(
        id="p1",
        source="reddit:MachineLearning",
        title=title,
        url="https://www.reddit.com/r/MachineLearning/comments/p1/slug/",
        created_utc=datetime(2023, 11, 21, tzinfo=UTC),
        body=body,
        link=link,
    )
    return Topic(post=post, title=title, article=article)


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("See [the paper](https://arxiv.org/abs/1) and [code][1].\n\n[1]: https://x.org",
         "See the paper and code."),
        ("**Bold**, *italic*, ***both***, __strong__, _em_ and ~~gone~~", "Bold, italic, both, strong, em and gone"),
        ("snake_case_name and 2 * 3 * 4 stay", "snake_case_name and 2 * 3 * 4 stay"),
        ("# Title\n\nText under it.\n\n## Part ##", "Title Text under it. Part"),
        ("Setext\n======\n\nbody", "Setext body"),
        ("Use `pip install x` then:\n\n```python\nprint(1)\n```", "Use pip install x then: print(1)"),
        ("> quoted\n> > nested\n\nreply", "quoted nested reply"),
        ("- one\n* two\n+ three\n1. four\n2) five\n- [x] done", "one two three four five done"),
        ("Tom &amp; Jerry &lt;3 &#x200B;", "Tom & Jerry <3"),
        ("a<br>b <sup>2</sup>", "a b 2"),
        (r"Not \*emphasis\* nor \[a link\](x) \_here\_", "Not *emphasis* nor [a link](x) _here_"),
        ("![diagram](https://i.redd.it/x.png) caption", "diagram caption"),
        ("spoiler >!the end!< and ^(small words)", "spoiler the end and small words"),
        ("| a | b |\n|---|:-:|\n| 1 | 2 |", "| a | b | | 1 | 2 |"),
        ("---\n\nafter a rule", "after a rule"),
        ("<https://example.org/x>", "https://example.org/x"),
        ("plain text from a feed, already text", "plain text from a feed, already text"),
    ],
)  # fmt: skip
def test_markdown_is_made_plain(markdown: str, text: str) -> None:
    assert plain(markdown) == text


def test_the_body_comes_first_cut_to_the_limit() -> None:
    body = "**Word** " * 100
    cut = excerpt(topic(body, link="https://example.org/x"), limit=50)
    assert len(cut) <= 50 and cut.startswith("Word Word") and cut.endswith("…")


def test_a_link_post_without_text_shows_its_articles_lead() -> None:
    text = "First sentence here.\nSecond one follows! A third one would not fit. " + "x " * 300
    article = Article("https://example.org/x", text=text)
    shown = excerpt(topic(link="https://example.org/x", article=article), limit=60)
    assert shown == "First sentence here. Second one follows!"


def test_a_first_sentence_longer_than_the_limit_is_shortened() -> None:
    article = Article("https://example.org/x", text="word " * 200)
    shown = excerpt(topic(link="https://example.org/x", article=article), limit=40)
    assert len(shown) <= 40 and shown.endswith("…")


def test_a_link_that_was_not_read_names_where_it_goes() -> None:
    failed = Article("https://www.example.org/x", error="the page answered 404")
    assert excerpt(topic(link="https://www.example.org/x", article=failed)) == (
        "a link to example.org"
    )
    assert excerpt(topic(link="https://news.example.org/a")) == "a link to news.example.org"


def test_a_post_with_nothing_else_says_it_has_only_its_title() -> None:
    assert source_excerpt(topic(title="A *title*")) == ""  # where the title is shown already
    assert excerpt(topic(title="A *title*")) == NO_TEXT
    assert excerpt(topic(body="&#x200B;", title="Only a title")) == NO_TEXT
    assert excerpt(topic(title=""))  # never empty


@given(
    body=st.text(max_size=300),
    link=st.one_of(st.just(""), st.text(max_size=40), st.just("https://www.example.org/p")),
    text=st.text(max_size=300),
    title=st.text(max_size=80),
    limit=st.integers(min_value=20, max_value=500),
)
def test_an_excerpt_is_one_plain_line_within_the_limit_and_never_empty(
    body: str, link: str, text: str, title: str, limit: int
) -> None:
    article = Article(link, text=text) if link else None
    shown = excerpt(topic(body, link=link, article=article, title=title), limit=limit)
    assert shown and shown == one_line(shown) and len(shown) <= limit
