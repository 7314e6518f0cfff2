"""Many sources as a user configures them: `[[sources]]` of every kind on local fakes,
fetched at once, each failing on its own, named to the user, saved with their names."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestbot.app.digests import App
from digestbot.chat.discord.render import render_headline
from tests.conftest import ConfigFactory, run_cli
from tests.fakes.article_server import LEAD, FakeArticles
from tests.fakes.day_feeds import DayFeeds, Item
from tests.fakes.hackernews import FakeHackerNews, story
from tests.fakes.openai import FakeOpenAI
from tests.fakes.reddit import FakeReddit
from tests.fakes.server import Fault

SHARED_LINK = "https://lab.example.org/papers/sparse-experts"
# The posts link pages on the web, which no test reaches: reading them is for other tests.
OFFLINE = {"enabled": False}


@pytest.fixture
def feeds() -> Iterator[DayFeeds]:
    with DayFeeds() as server:
        yield server


def fresh_story(id: int, title: str, **extra: object) -> dict:
    return story(id, title, time=int(time.time()) - 1800, **extra)


@pytest.fixture
def hn() -> Iterator[FakeHackerNews]:
    items = {
        31: fresh_story(31, "Sparse experts at a tenth of the cost", score=700, url=SHARED_LINK),
        32: fresh_story(32, "A compiler for tensor programs, rewritten", score=300),
    }
    with FakeHackerNews(items, {"top": [31, 32], "best": [32, 31]}) as server:
        yield server


def feed_items(name: str, count: int = 3) -> list[Item]:
    return [
        Item(f"{name}: finding number {i} about models", f"https://{name}.example.org/{i}", i + 1)
        for i in range(count)
    ]


def run(config_path: str | None, *args: str):
    return run_cli("--config", str(config_path), *args)


def test_ten_sources_are_fetched_at_once_and_saved_with_their_names(
    make_config: ConfigFactory, feeds: DayFeeds, tmp_path: Path
) -> None:
    names = [f"feed{n}" for n in range(10)]
    for name in names:
        feeds.feeds[name] = feed_items(name)
    feeds.gate = 10  # every answer waits until ten requests are in flight together
    sources = [
        {"kind": "feed", "name": name, "url": feeds.url_of(name), "role": "topics"}
        for name in names[:9]
    ]
    sources.append({"kind": "feed", "name": names[9], "url": feeds.url_of(names[9])})
    sources[-1]["role"] = "trending"
    config = make_config(llm_key=False, sources=sources, articles=OFFLINE)
    saved = tmp_path / "day.json"

    result = run(config.path, "collect", "--save", str(saved))

    assert result.exit_code == 0, result.output
    assert feeds.peak == 10
    assert "source       feed0: 3 posts" in result.output
    document = json.loads(saved.read_text())
    assert {p["source"] for p in document["main"]} == set(names[:9])
    assert {p["source"] for p in document["trending"]} == {names[9]}
    assert len(document["main"]) == 27
    # The file replays: the day is reproducible offline.
    replayed = run(config.path, "generate", "--from", str(saved), "--dry-run")
    assert replayed.exit_code == 0, replayed.output


def test_a_failing_source_is_left_out_named_and_the_digest_made_from_the_rest(
    make_config: ConfigFactory,
    feeds: DayFeeds,
    hn: FakeHackerNews,
    reddit: FakeReddit,
    llm: FakeOpenAI,
    waits: list[float],
) -> None:
    feeds.feeds["lab"] = feed_items("lab")
    feeds.feeds["garbage"] = []  # replaced by a body that is no feed, below
    feeds.fail("/feeds/garbage", Fault(200, b"<html><body>Sign in</body></html>"))
    hn.fail("/v0/topstories", *[Fault(503, b"down")] * 3)  # past its three tries
    config = make_config(
        articles=OFFLINE,
        sources=[
            {"kind": "reddit", "subreddit": "MachineLearning", "api_url": reddit.url},
            {"kind": "hackernews", "api_url": f"{hn.url}/v0"},
            {"kind": "feed", "name": "Lab notes", "url": feeds.url_of("lab")},
            {"kind": "feed", "name": "Broken feed", "url": feeds.url_of("garbage")},
            {"kind": "reddit", "subreddit": "machinelearningnews", "role": "trending"},
        ],
        reddit={"oauth_url": reddit.url, "reddit_url": reddit.url},
    )

    result = run(config.path, "generate")

    assert result.exit_code == 3, result.output  # made and published, with problems
    problems = [line for line in result.output.splitlines() if line.startswith("problem")]
    assert any("Hacker News left out" in p and "answered 503" in p for p in problems)
    assert any("Broken feed left out" in p and "not a readable feed" in p for p in problems)
    assert "Traceback" not in result.output
    history = run(config.path, "history", "--json")
    (day,) = json.loads(history.stdout)
    assert day["topics"] == 5


def test_when_every_topics_source_fails_the_day_fails_naming_each(
    make_config: ConfigFactory, feeds: DayFeeds, hn: FakeHackerNews, waits: list[float]
) -> None:
    hn.fail("/v0/topstories", *[Fault(500)] * 3)
    config = make_config(
        articles=OFFLINE,
        llm_key=False,
        sources=[
            {"kind": "hackernews", "api_url": f"{hn.url}/v0"},
            {"kind": "feed", "name": "Gone feed", "url": feeds.url_of("missing")},
        ],
    )

    result = run(config.path, "generate")

    assert result.exit_code == 1
    assert "all 2 topics sources failed" in result.output
    assert "Hacker News" in result.output and "Gone feed" in result.output
    assert "404" in result.output and "Traceback" not in result.output
    assert not list(Path(config.settings.storage.blog_dir).glob("*.md"))


async def test_the_same_link_from_two_sources_is_one_topic_naming_both(
    make_config: ConfigFactory, feeds: DayFeeds, hn: FakeHackerNews, llm: FakeOpenAI
) -> None:
    feeds.feeds["lab"] = [Item("Sparse experts at a tenth of the cost", SHARED_LINK, 2)]
    feeds.feeds["other"] = feed_items("other", 2)
    config = make_config(
        articles=OFFLINE,
        llm_key=False,
        sources=[
            {"kind": "hackernews", "api_url": f"{hn.url}/v0"},
            {"kind": "feed", "name": "Lab", "url": feeds.url_of("lab")},
            {"kind": "feed", "name": "Other", "url": feeds.url_of("other")},
        ],
    )

    outcome = await App(config).generate(dry_run=True)

    (shared,) = [t for t in outcome.digest.topics if SHARED_LINK in (t.post.link, t.post.url)]
    named = {shared.post.source, *(p.source for p in shared.also)}
    assert named == {"Hacker News", "Lab"}
    links = [(p.link or p.url) for t in outcome.digest.topics for p in (t.post, *t.also)]
    assert links.count(SHARED_LINK) == 2 and len(outcome.digest.topics) == 4


async def test_topics_come_only_from_topics_sources(
    make_config: ConfigFactory, feeds: DayFeeds, hn: FakeHackerNews
) -> None:
    feeds.feeds["news"] = feed_items("news", 4)
    config = make_config(
        articles=OFFLINE,
        llm_key=False,
        sources=[
            {"kind": "feed", "name": "News", "url": feeds.url_of("news"), "role": "trending"},
            {"kind": "hackernews", "api_url": f"{hn.url}/v0", "weight": 0.1},
        ],
    )

    digest = (await App(config).generate(dry_run=True)).digest

    assert {t.post.source for t in digest.topics} == {"Hacker News"}
    assert len(digest.topics) == 2 and digest.short_by == 3
    assert [t.title for t in digest.trending][:3] == [
        f"news: finding number {i} about models" for i in range(3)
    ]


def test_config_check_lists_every_source_and_probe_says_each_state(
    make_config: ConfigFactory, feeds: DayFeeds, hn: FakeHackerNews, waits: list[float]
) -> None:
    feeds.feeds["lab"] = feed_items("lab")
    config = make_config(
        articles=OFFLINE,
        llm_key=False,
        sources=[
            {"kind": "hackernews", "api_url": f"{hn.url}/v0", "listing": "best"},
            {"kind": "feed", "name": "Lab notes", "url": feeds.url_of("lab")},
            {"kind": "feed", "name": "Dead feed", "url": feeds.url_of("gone"), "role": "trending"},
        ],
    )

    listed = run(config.path, "config", "check")
    assert listed.exit_code == 0, listed.output
    for name in ("Hacker News (best)", "Lab notes", "Dead feed"):
        assert f"source       {name}: " in listed.output
    assert not feeds.seen("/feeds/") and not hn.seen("/v0/")  # without --probe, no fetch

    probed = run(config.path, "config", "check", "--probe")

    assert probed.exit_code == 1
    lines = {
        name: line
        for line in probed.output.splitlines()
        for name in ("Hacker News (best)", "Lab notes", "Dead feed")
        if f" {name}: " in line
    }
    assert len(lines) == 3  # one line for each source, listing and state together
    assert "failed" in lines["Dead feed"] and "404" in lines["Dead feed"]
    for name in ("Hacker News (best)", "Lab notes"):
        assert not any(word in lines[name].lower() for word in ("fail", "error", "refused"))
        assert "answered" in lines[name]
    assert "2 posts" in lines["Hacker News (best)"] and "3 posts" in lines["Lab notes"]


async def test_a_feed_entrys_page_is_read_and_linked_once(
    make_config: ConfigFactory, feeds: DayFeeds
) -> None:
    with FakeArticles() as pages:
        page = f"{pages.url}/news/release"
        feeds.feeds["lab"] = [Item("Open weights for the lab's newest model", page, 1, "Short.")]
        config = make_config(
            llm_key=False,
            sources=[{"kind": "feed", "name": "Lab", "url": feeds.url_of("lab")}],
            articles={"allow_private_hosts": True},
        )
        digest = (await App(config).generate(dry_run=True)).digest

    (topic,) = digest.topics
    assert topic.article is not None and LEAD in topic.article.text  # more than "Short."
    headline = "\n".join(m.content or "" for m in render_headline(digest))
    assert headline.count(page) == 1 and "article" not in headline  # the title's link is it


async def test_a_source_that_takes_too_long_in_all_is_left_out_on_its_own() -> None:
    """However many requests a source makes, its whole fetch has a bound."""
    import asyncio
    from datetime import UTC, datetime

    from digestbot.core.collect import NamedSource, collect
    from digestbot.core.models import SourcePost

    class Endless:  # a source whose requests each answer in time, but never all
        async def fetch(self) -> list[SourcePost]:
            await asyncio.Event().wait()
            return []

    class Quick:
        async def fetch(self) -> list[SourcePost]:
            now = datetime.now(UTC)
            return [SourcePost("q1", "Quick", "A title", "https://q.example/1", now)]

    collection = await collect(
        [NamedSource("Endless", "topics", Endless(), 0.2), NamedSource("Quick", "topics", Quick())],
        datetime.now(UTC),
    )
    assert [p.id for p in collection.main] == ["q1"]
    assert collection.problems == ("topics from Endless left out: no answer within 0.2 s in all",)
