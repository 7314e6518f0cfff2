"""A whole run on the fakes, for what makes a digest trustworthy: the linked page read
and given to the LLM, cached for a remake; a story covered before shown as an update or
left out; a page that cannot be read said so."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from digestbot.app.digests import App
from tests.conftest import ConfigFactory, run_cli
from tests.fakes.article_server import LEAD, PARAGRAPHS, FakeArticles
from tests.fakes.openai import FakeOpenAI
from tests.fakes.reddit import FakeReddit, reddit_post

DAY_ONE, DAY_TWO = date(2026, 11, 18), date(2026, 11, 20)


@pytest.fixture
def web() -> Iterator[FakeArticles]:
    with FakeArticles() as server:
        yield server


def posts(*titles_and_links: tuple[str, str], prefix: str) -> list[dict]:
    now = datetime.now(UTC)
    return [
        reddit_post(title, id=f"{prefix}{i}", score=900 - i, url=link or None,
                    created=now - timedelta(hours=1), selftext="" if link else "Some text.")
        for i, (title, link) in enumerate(titles_and_links)
    ]  # fmt: skip


def link_post(title: str, link: str, id: str) -> dict:
    return reddit_post(title, id=id, url=link, created=datetime.now(UTC) - timedelta(hours=1))


def user_text(llm: FakeOpenAI) -> str:
    return "\n".join(m["content"] for c in llm.completions for m in c["messages"])


async def test_a_link_post_is_analysed_with_its_article_and_a_remake_reads_it_from_history(
    make_config: ConfigFactory, reddit: FakeReddit, llm: FakeOpenAI, web: FakeArticles
) -> None:
    article = f"{web.url}/news/weights"
    reddit.listings["MachineLearning"] = [link_post("[N] A lab opens its weights", article, "w1")]
    app = App(make_config(articles={"allow_private_hosts": True}))
    outcome = await app.generate()
    topic = outcome.digest.topics[0]
    assert topic.article is not None and LEAD in topic.article.text
    assert PARAGRAPHS[1] in user_text(llm)  # the LLM read the page, not only the title
    assert all("digestbot" in agent for agent in web.agents)
    pages = len(web.requests)
    forced = await app.generate(force=True)
    assert len(web.requests) == pages  # a remake does not fetch the page again
    assert forced.digest.topics[0].article == topic.article


async def test_a_private_link_is_not_fetched_by_default_and_the_topic_says_so(
    make_config: ConfigFactory, reddit: FakeReddit, llm: FakeOpenAI, web: FakeArticles
) -> None:
    reddit.listings["MachineLearning"] = [
        link_post("A lab opens its weights", f"{web.url}/news/weights", "p1")
    ]
    outcome = await App(make_config()).generate()
    assert not web.requests  # 127.0.0.1: refused before any request
    topic = outcome.digest.topics[0]
    assert topic.article is not None and "private" in topic.article.error
    assert any("linked pages could not be read" in n for n in outcome.digest.notes)
    post = Path(outcome.published[0].summary).read_text(encoding="utf-8")
    assert "### " not in post and "Possible consequences" in post


async def test_a_story_covered_before_comes_back_as_an_update_and_is_counted(
    make_config: ConfigFactory, reddit: FakeReddit, tmp_path: Path
) -> None:
    config = make_config()
    reddit.listings["MachineLearning"] = posts(
        ("OpenAI board fires Sam Altman as CEO", ""),
        ("A tiny library for reproducible training runs", ""),
        prefix="a",
    )
    first = await App(config).generate(DAY_ONE)
    assert first.digest.topics[1].update_of is None
    reddit.listings["MachineLearning"] = posts(
        ("Sam Altman fired as CEO by the OpenAI board", ""),
        ("Sam Altman fired as CEO by OpenAI board, Brockman quits", ""),
        ("Tokenizer-free language models at scale", ""),
        prefix="b",
    )
    second = await App(config).generate(DAY_TWO)
    update, other = second.digest.topics
    assert update.update_of is not None and update.update_of.day == DAY_ONE
    assert [p.id for p in update.posts] == ["b0", "b1"]  # one topic, both sources
    assert other.update_of is None
    post = Path(second.published[0].summary).read_text(encoding="utf-8")
    assert "Update, first covered on 2026-11-18" in post
    result = run_cli("history", "--json", "--config", str(tmp_path / "digestbot.toml"))
    by_day = {d["day"]: d for d in json.loads(result.stdout)}
    assert by_day["2026-11-20"]["updates"] == 1 and by_day["2026-11-18"]["updates"] == 0
    for counts in by_day.values():
        assert counts["grounded"] + counts["unverified"] == counts["topics"]


async def test_with_on_repeat_skip_a_covered_story_is_left_out(
    make_config: ConfigFactory, reddit: FakeReddit
) -> None:
    config = make_config(stories={"on_repeat": "skip"})
    reddit.listings["MachineLearning"] = posts(("OpenAI board fires Sam Altman", ""), prefix="a")
    await App(config).generate(DAY_ONE)
    reddit.listings["MachineLearning"] = posts(
        ("OpenAI's board fires Sam Altman", ""), ("A new optimiser for sparse models", ""),
        prefix="b",
    )  # fmt: skip
    second = await App(config).generate(DAY_TWO)
    assert [t.title for t in second.digest.topics] == ["A new optimiser for sparse models"]


async def test_export_writes_an_updates_link_as_generate_did(
    make_config: ConfigFactory, reddit: FakeReddit, tmp_path: Path
) -> None:
    config = make_config(blog={"site_url": "https://blog.example.org"})
    reddit.listings["MachineLearning"] = posts(("OpenAI board fires Sam Altman", ""), prefix="a")
    await App(config).generate(DAY_ONE)
    reddit.listings["MachineLearning"] = posts(("OpenAI's board fires Sam Altman", ""), prefix="b")
    written = Path((await App(config).generate(DAY_TWO)).published[0].summary)
    assert "Update, first covered on [2026-11-18](<https://blog.example.org/" in written.read_text()
    toml = str(tmp_path / "digestbot.toml")
    out = tmp_path / "out"
    # The command runs its own event loop: in a thread of its own, as from a shell.
    result = await asyncio.to_thread(
        run_cli, "export", "--date", "2026-11-20", "--out", out, "--config", toml
    )
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / written.name).read_bytes() == written.read_bytes()


async def test_a_run_says_how_many_analyses_are_unverified_and_labels_them(
    make_config: ConfigFactory, reddit: FakeReddit, llm: FakeOpenAI
) -> None:
    llm.quotes = "invented"  # a model that makes its quotes up, even when asked again
    reddit.listings["MachineLearning"] = posts(
        ("A new optimiser for sparse models", ""), prefix="u"
    )
    outcome = await App(make_config()).generate(DAY_ONE)
    (topic,) = outcome.digest.topics
    assert topic.analysis.verified is False and not topic.grounded
    assert any("labelled unverified" in note for note in outcome.digest.notes)
    # The fake endpoint has no /v1/embeddings: said once, and the run goes on.
    assert any("matched by their text only" in note for note in outcome.digest.notes)
    post = Path(outcome.published[0].summary).read_text(encoding="utf-8")
    assert "*Unverified:" in post
    assert outcome.status == "ok"  # the policy working as set is no failure
