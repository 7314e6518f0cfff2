"""Every point grounded: an analysis's quotes checked word for word against the source it
was given, asked again once, then labelled unverified or left out; the source built from
the post, its linked page and the story's other posts; predictions that name a year.

The analyses run the real Analyst, openai client and SQLite cache against the fake LLM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from digestbot.app.digests import App
from digestbot.core.analyse import UNGROUNDED, AnalysisResult, Analyst
from digestbot.core.answers import Pricing, names_year
from digestbot.core.grounding import ground
from digestbot.core.limiter import ConcurrencyLimit
from digestbot.core.models import AnalysisStatus, Article, Coverage, SourcePost, Topic
from digestbot.core.topic_input import topic_input
from digestbot.core.trends import predicted_year
from digestbot.llm.openai_chat import OpenAIChat
from digestbot.llm.prompts import load_prompt
from digestbot.storage.store import open_store
from tests.conftest import ConfigFactory
from tests.fakes.openai import FakeOpenAI

SOURCE = (
    "We train a 7B model on \u201cpublic data only\u201d \u2014 no web scrapes.\n"
    "The weights are released under\u00a0Apache 2.0, and the training code follows next month."
)
EVENTS = ["Artificial general intelligence", "Technological singularity"]


def post(ident: str = "p1", body: str = "", link: str = "", title: str = "") -> SourcePost:
    return SourcePost(
        id=ident,
        source="reddit:MachineLearning",
        title=title or f"Post {ident}",
        url=f"https://reddit.example/{ident}",
        created_utc=datetime(2026, 11, 20, tzinfo=UTC),
        body=body,
        link=link,
    )


def topic(ident: str = "p1", body: str = SOURCE, **extra) -> Topic:
    made = post(ident, body, title=f"A lab opens the weights of model {ident}")
    return Topic(made, made.title, **extra)


# The checks, pure.


@pytest.mark.parametrize(
    "quote",
    [
        'We train a 7B model on "public data only" - no web scrapes.',  # straight, one dash
        "we TRAIN a 7b model on public data only",  # case, quote marks left out
        "The weights are released under Apache 2.0",  # NBSP in the source
        "web scrapes. The weights are\nreleased",  # a line break on either side
        "\u201cThe weights are released under Apache 2.0, and the training code\u201d",
        "We train a 7B model \u2026 the training code follows next month",  # elided
        "We train a 7B model ... released under Apache 2.0 ...",
        "public data only -- no web scrapes",
        "\u00abpublic data only\u00bb \u2013 no web scrapes",  # guillemets, en dash
        "\u201epublic data only\u201c \u2014 no web scrapes",  # German quotes
        "the training code follows next month.",
        "The weights are re\u200bleased under",  # a zero-width space
    ],
)
def test_a_faithful_copy_is_found(quote: str) -> None:
    assert ground([quote], SOURCE).verified


@pytest.mark.parametrize(
    "quote",
    [
        "We train a 7B model on public data alone",  # one word changed
        "The weights are open under Apache 2.0",  # a paraphrase
        "the training code follows next month ... We train a 7B model",  # pieces reversed
        "We ... data ... weights",  # pieces too short to prove anything
        "7B model",  # too short
        "The weights are released under MIT",
        "",
    ],
)
def test_anything_but_a_copy_is_not_found(quote: str) -> None:
    grounding = ground([quote], SOURCE)
    assert not grounding.verified and grounding.missing == (quote,)


def test_markdown_that_a_copy_drops_is_not_held_against_it() -> None:
    source = "We **release the weights** of [our new model](https://x.example/m) today."
    assert ground(["we release the weights of our new model today"], source).verified


def test_one_missing_quote_is_enough_to_be_unverified() -> None:
    grounding = ground(["The weights are released under Apache 2.0", "It beats GPT-5"], SOURCE)
    assert grounding.found == ("The weights are released under Apache 2.0",)
    assert grounding.missing == ("It beats GPT-5",) and not grounding.verified
    assert not ground([], SOURCE).verified


def test_the_quotes_a_reader_sees_are_a_few_short_lines() -> None:
    sentences = [f"Sentence number {n} of a long source." for n in range(5)]
    long = "word " * 100
    grounding = ground([long, *sentences], " ".join([long, *sentences]))
    assert grounding.verified and len(grounding.found) == 6
    first, *rest = grounding.shown
    assert len(first) <= 300 and first.endswith("\u2026") and rest == sentences[:2]
    assert ground(["A quote\nover two lines"], "a quote over two lines").shown == (
        "A quote over two lines",
    )


@pytest.mark.parametrize(
    ("predicted", "year"),
    [("2035", 2035.0), ("March 2030", 2030 + 2 / 12), ("Q3 2027", 2027.5), ("2030-2040", 2035.0),
     ("Sept. 2031", 2031 + 8 / 12), ("By 2040", 2040.0), ("2030s", 2030.0)],
)  # fmt: skip
def test_a_prediction_names_a_year_the_chart_can_read(predicted: str, year: float) -> None:
    assert names_year(predicted)
    assert predicted_year(predicted) == pytest.approx(year)


@pytest.mark.parametrize(
    "predicted",
    [
        "It is hard to say\u2026",
        "Probably within a decade",
        "1999",
        "Most researchers expect it around 2040, though estimates vary widely.",  # a paragraph
        "",
    ],
)
def test_a_prediction_without_a_plausible_year_is_refused(predicted: str) -> None:
    assert not names_year(predicted)


# The source the model is given.


def test_a_link_posts_article_is_given_with_its_domain_and_checked() -> None:
    article = Article("https://www.arxiv.example/abs/1", text="We show that depth can be mixed.")
    given = topic_input(topic(body="", article=article), 1200)
    assert "The linked page (arxiv.example):\nWe show that depth can be mixed." in given.body
    assert ground(["We show that depth can be mixed"], given.source).verified
    assert not ground(["The linked page (arxiv.example)"], given.source).verified  # our label


def test_a_page_that_could_not_be_read_is_said() -> None:
    unread = Article("https://news.example/a", error="timed out")
    given = topic_input(topic(body="", article=unread), 1200)
    assert "(The linked page at news.example could not be read: only the title" in given.body
    bare = topic_input(topic(body=""), 1200)
    assert bare.body == "(No text: only the title is known.)"


def test_the_storys_other_posts_and_its_first_coverage_are_given() -> None:
    other = post("p2", "A second write-up of the same release.", title="Model p1 weights out")
    first = Coverage(date(2026, 11, 18), "A lab announces model p1")
    given = topic_input(topic(also=(other,), update_of=first), 1200)
    assert "Another post on this story (in MachineLearning):\nModel p1 weights out" in given.body
    assert ground(["A second write-up of the same release"], given.source).verified
    assert "first covered this story on 2026-11-18" in given.earlier
    assert "A lab announces model p1" in given.earlier
    assert topic_input(topic(), 1200).earlier == ""


def test_title_post_and_article_all_fit_the_budget() -> None:
    article = Article("https://a.example/x", text="article " * 5000)
    given = topic_input(topic(body="post " * 5000, article=article), 400)
    assert len(given.source) <= 400 * 4 + 100  # each cut part says [truncated]
    assert given.title.startswith("A lab opens") and "post post" in given.body
    assert "article article" in given.body
    short = topic_input(topic(body="A short post.", article=article), 400)
    assert len(short.source) > 350 * 4  # what the post leaves goes to the article


# The analysis, against the fake LLM.


@asynccontextmanager
async def analyst(fake: FakeOpenAI, tmp_path: Path, **options) -> AsyncIterator[Analyst]:
    with open_store(str(tmp_path / "history.db")) as store:
        async with AsyncOpenAI(base_url=f"{fake.url}/v1", api_key="test-key") as client:
            yield Analyst(
                OpenAIChat(client, "test-model", max_retries=0),
                store.cache,
                load_prompt("topic_analysis"),
                load_prompt("predictions"),
                limit=ConcurrencyLimit(4, cap=4, adaptive=False),
                source_budget_tokens=1200,
                pricing=Pricing(),
                **options,
            )


async def analyse(fake: FakeOpenAI, tmp_path: Path, topics, events=(), **options):
    async with analyst(fake, tmp_path, **options) as made:
        return await made.run(topics, events, date(2026, 11, 20))


def invented(result: AnalysisResult) -> list[str]:
    return [q for t in result.topics for q in t.analysis.quotes if "changes everything" in q]


async def test_a_model_that_copies_its_quotes_is_verified(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        result = await analyse(fake, tmp_path, [topic("p1"), topic("p2")])
        assert len(fake.completions) == 2  # no repair needed
    for analysed in result.topics:
        assert analysed.analysis.status is AnalysisStatus.OK and analysed.analysis.verified
        assert analysed.analysis.quotes == ("We train a 7B model on \u201cpublic data only\u201d "
                                            "\u2014 no web scrapes.",)  # fmt: skip
    assert (result.grounded, result.unverified, result.notes) == (2, 0, ())


async def test_invented_quotes_are_asked_again_then_labelled_unverified(tmp_path: Path) -> None:
    with FakeOpenAI(quotes="invented") as fake:
        result = await analyse(fake, tmp_path, [topic("p1"), topic("p2")])
        repairs = [c["messages"][-1]["content"] for c in fake.completions[2:]]
    assert len(repairs) == 2
    assert all("not in the source" in r and "word for word" in r for r in repairs)
    assert "This changes everything we knew about A lab opens" in repairs[0]
    for analysed in result.topics:
        assert analysed.analysis.status is AnalysisStatus.OK
        assert not analysed.analysis.verified and not analysed.grounded
    assert invented(result) == []  # no invented quote published, verified or not
    assert (result.grounded, result.unverified, result.problems) == (0, 2, ())
    assert result.notes == (
        "2 of 2 analyses are labelled unverified: their quotes were not found in the source",
    )


async def test_invented_quotes_are_left_out_when_the_setting_says_so(tmp_path: Path) -> None:
    with FakeOpenAI(quotes="invented") as fake:
        result = await analyse(fake, tmp_path, [topic("p1")], unverified="leave_out")
    (left,) = result.topics
    assert left.analysis.status is AnalysisStatus.FAILED and left.analysis.error == UNGROUNDED
    assert left.grounded and left.analysis.quotes == ()  # it shows its source's excerpt
    assert result.problems == () and "left out" in result.notes[0]


async def test_a_repair_that_copies_the_quote_is_verified(tmp_path: Path) -> None:
    with FakeOpenAI(quotes="invented_once") as fake:
        result = await analyse(fake, tmp_path, [topic("p1")])
        assert len(fake.completions) == 2
        repair = fake.completions[1]["messages"][-1]["content"]
    analysis = result.topics[0].analysis
    assert analysis.verified and invented(result) == [] and result.notes == ()
    # The repair offers sentences of the source to copy, each whole and from the source.
    offered = [line[2:] for line in repair.splitlines() if line.startswith("- ")]
    source = " ".join(f"{topic('p1').title} {SOURCE}".split())
    assert offered and all(sentence in source for sentence in offered)


async def test_an_answer_without_quotes_is_asked_for_them(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        fake.script("model p1", "unquoted")
        result = await analyse(fake, tmp_path, [topic("p1")])
        repair = fake.completions[1]["messages"][-1]["content"]
    assert "no quotes: give one or two, copied word for word" in repair
    assert result.topics[0].analysis.verified


async def test_a_cached_answer_is_checked_against_todays_source(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        await analyse(fake, tmp_path, [topic("p1")])
        again = await analyse(fake, tmp_path, [topic("p1")])
        assert len(fake.completions) == 1 and again.usage.cache_hits == 1
        assert again.topics[0].analysis.verified
        # The post's text changed since: its cached quote is no longer in it.
        changed = await analyse(fake, tmp_path, [topic("p1", body="Now a different text here.")])
        assert len(fake.completions) == 2 and changed.usage.cache_hits == 0
        assert changed.topics[0].analysis.quotes == ("Now a different text here.",)


async def test_an_unverified_answer_is_not_reused_but_asked_again(tmp_path: Path) -> None:
    with FakeOpenAI(quotes="invented") as fake:
        await analyse(fake, tmp_path, [topic("p1")])
        fake.quotes = "source"
        again = await analyse(fake, tmp_path, [topic("p1")])
        assert len(fake.completions) == 3 and again.usage.cache_hits == 0
    assert again.topics[0].analysis.verified


async def test_the_request_carries_the_article_and_the_earlier_coverage(tmp_path: Path) -> None:
    article = Article("https://lab.example/post", text="Our model reads a million tokens at once.")
    first = Coverage(date(2026, 11, 18), "A lab teases a long-context model")
    with FakeOpenAI() as fake:
        result = await analyse(fake, tmp_path, [topic(body="", article=article, update_of=first)])
        (asked,) = [m["content"] for m in fake.completions[0]["messages"] if m["role"] == "user"]
    assert "The linked page (lab.example):\nOur model reads a million tokens" in asked
    assert "first covered this story on 2026-11-18" in asked.split("</source>")[1]
    assert result.topics[0].analysis.quotes == ("Our model reads a million tokens at once.",)


async def test_a_prediction_without_a_year_is_asked_again_then_left_out(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        fake.script("Today is", "yearless", "yearless")
        result = await analyse(fake, tmp_path, [], EVENTS)
        repair = fake.completions[1]["messages"][-1]["content"]
    assert '"predicted" must be a year' in repair and "It is hard to say" in repair
    assert [p.event for p in result.predictions] == [EVENTS[1]]
    assert result.notes == ("1 prediction left out: no year named, after a repair try",)
    assert result.problems == ()


async def test_a_prediction_repaired_with_a_year_is_kept(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        fake.script("Today is", "yearless")
        result = await analyse(fake, tmp_path, [], EVENTS)
        assert len(fake.completions) == 2
    assert [p.predicted for p in result.predictions] == ["2031", "2031"] and result.notes == ()


async def test_a_digest_from_the_fake_model_is_grounded(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    digest = (await App(make_config()).generate()).digest
    assert all(t.analysis.verified and t.analysis.quotes for t in digest.topics)
    assert len(llm.completions) == len(digest.topics) + 1  # no repair tries
