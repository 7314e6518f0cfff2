"""`generate` end to end: real praw, openai and SQLite against the local fakes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digestbot.app.digests import App
from digestbot.core.errors import SourceError
from digestbot.core.models import AnalysisStatus, DigestMode
from digestbot.storage.store import open_store
from tests.conftest import ConfigFactory
from tests.fakes.openai import FakeOpenAI
from tests.fakes.reddit import FakeReddit
from tests.fakes.server import Fault

ERROR_BODY = b'{"error": {"message": "busy", "type": "server_error"}}'


def post_text(outcome) -> str:
    return Path(outcome.published[0].summary).read_text(encoding="utf-8")


async def test_a_full_digest(app: App, llm: FakeOpenAI, reddit: FakeReddit) -> None:
    outcome = await app.generate()
    digest = outcome.digest
    assert outcome.created
    assert [t.title for t in digest.topics] == [
        "Mixture-of-depths for cheaper inference",
        "What is your evaluation setup for agents?",
        "A tiny library for reproducible training runs",
        "A lab opens the weights of its newest model",
        "Tokenizer-free language models at scale",
    ]
    assert all(t.analysis.status is AnalysisStatus.OK for t in digest.topics)
    assert [p.event for p in digest.predictions] == [
        "Artificial general intelligence",
        "Technological singularity",
    ]
    assert len(digest.trending) == 5
    # One call per topic and one for the predictions; their tokens are counted.
    assert digest.usage.calls == 6 == len(llm.completions)
    assert digest.usage.prompt_tokens > 0 and digest.usage.cost_usd > 0
    assert reddit.seen("/r/MachineLearning/top")[0].query["t"] == "day"
    text = post_text(outcome)
    assert 'tags: ["daily ai summary", "automated content", "test-model"]' in text
    assert text.count("   - *Benefits:*") == 5


async def test_llm_calls_run_concurrently_within_the_bound(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    llm.latency = 0.3
    await App(make_config(llm={"concurrency": 3})).generate()
    assert llm.max_in_flight == 3


async def test_a_second_run_for_the_day_makes_no_llm_calls(app: App, llm: FakeOpenAI) -> None:
    first = await app.generate()
    calls = len(llm.completions)
    kept = await app.generate()
    assert not kept.created and kept.digest == first.digest
    forced = await app.generate(force=True)
    assert forced.created
    assert len(llm.completions) == calls
    assert forced.digest.usage.calls == 0 and forced.digest.usage.cache_hits == 6
    assert forced.digest.topics == first.digest.topics


async def test_two_generations_of_a_day_at_once_make_one_digest(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    llm.latency = 0.3
    config = make_config()
    first, second = await asyncio.gather(App(config).generate(), App(config).generate())
    assert len(llm.completions) == 6
    assert sorted([first.created, second.created]) == [False, True]
    assert first.digest == second.digest


async def test_a_day_that_has_a_digest_gets_its_post_back(app: App) -> None:
    outcome = await app.generate()
    path = Path(outcome.published[0].summary)
    written = path.read_bytes()
    path.unlink()
    again = await app.generate()
    assert not again.created and path.read_bytes() == written


async def test_rate_limits_and_server_errors_are_retried(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    llm.fail(
        "/v1/chat/completions",
        Fault(429, ERROR_BODY, {"retry-after": "0", "Content-Type": "application/json"}),
        Fault(503, ERROR_BODY, {"Content-Type": "application/json"}),
        Fault(200, b"{not json", {"Content-Type": "application/json"}),
    )
    outcome = await App(make_config(llm={"concurrency": 1})).generate()
    assert outcome.digest.failed_topics == 0
    assert len(llm.completions) == 6 + 3


async def test_a_timeout_is_retried(make_config: ConfigFactory, llm: FakeOpenAI) -> None:
    llm.fail("/v1/chat/completions", Fault(200, b"{}", delay=3))
    config = make_config(llm={"timeout_seconds": 1, "concurrency": 1})
    outcome = await App(config).generate()
    assert outcome.digest.failed_topics == 0


async def test_malformed_output_gets_one_repair_try(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    llm.script("Mixture-of-depths", "malformed")
    outcome = await App(make_config()).generate()
    assert outcome.digest.failed_topics == 0
    asked = [c["messages"] for c in llm.completions if "Mixture-of-depths" in str(c)]
    assert len(asked) == 2
    repair = asked[1]
    assert repair[-2] == {"role": "assistant", "content": '{"benefits": "unfinished'}
    assert repair[-1]["role"] == "user" and "not usable" in repair[-1]["content"]


@pytest.mark.parametrize("bad", ["malformed", "refusal", "blank", "truncated"])
async def test_a_topic_that_stays_unusable_is_published_headline_only(
    make_config: ConfigFactory, llm: FakeOpenAI, bad: str
) -> None:
    llm.script("Mixture-of-depths", bad, bad)
    outcome = await App(make_config()).generate()
    digest = outcome.digest
    failed = [t for t in digest.topics if t.analysis.status is AnalysisStatus.FAILED]
    assert len(failed) == 1 and failed[0] is digest.topics[0]
    assert digest.problems[0].startswith("1 of 5 topics could not be analysed and went out")
    assert digest.usage.calls == len(llm.completions) == 7  # failed tries count too
    text = post_text(outcome)
    assert "*Analysis unavailable today; from the source:*" in text
    assert text.count("   - *Benefits:*") == 4
    # The failed topic is not cached: the next forced run asks again, and only for it.
    before = len(llm.completions)
    again = await App(make_config()).generate(force=True)
    assert again.digest.failed_topics == 0
    assert len(llm.completions) == before + 1


async def test_failed_predictions_are_noted_and_the_run_is_degraded(
    app: App, llm: FakeOpenAI, tmp_path: Path
) -> None:
    llm.script("Today is", "refusal", "refusal")
    outcome = await app.generate()
    assert outcome.digest.predictions == () and outcome.digest.failed_topics == 0
    assert (
        "no predictions today: no usable answer after a repair try: the model refused: "
        "I can't help with that." in outcome.digest.problems
    )
    run = open_store(str(tmp_path / "history.db")).db.rows("select * from runs")[0]
    assert run["status"] == "degraded" and "no predictions today" in run["message"]


async def test_servers_without_strict_schemas_get_json_mode(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    llm.strict_schemas = False
    outcome = await App(make_config(llm={"concurrency": 1})).generate()
    assert outcome.digest.failed_topics == 0
    formats = [c["response_format"]["type"] for c in llm.completions]
    # One rejected strict request, then JSON mode for the rest of the run.
    assert formats == ["json_schema"] + ["json_object"] * 6


async def test_an_unreachable_llm_still_gives_a_headline_digest(
    make_config: ConfigFactory,
) -> None:
    config = make_config(llm={"base_url": "http://127.0.0.1:9/v1", "max_retries": 0})
    outcome = await App(config).generate()
    assert outcome.digest.failed_topics == 5 and outcome.digest.predictions == ()
    assert "cannot reach the LLM endpoint" in outcome.digest.topics[0].analysis.error
    assert "## GPT predicts future events" not in post_text(outcome)


async def test_no_api_key_makes_a_labelled_headline_digest(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    outcome = await App(make_config(llm_key=False)).generate()
    digest = outcome.digest
    assert digest.mode is DigestMode.HEADLINES and llm.completions == []
    text = post_text(outcome)
    assert "*Headline edition:*" in text
    assert "[(discussion)](<https://www.reddit.com/r/test/comments/m0/slug/>)" in text
    assert 'tags: ["daily ai summary", "automated content"]' in text


async def test_a_source_outage_is_an_error_and_no_digest(
    app: App, reddit: FakeReddit, tmp_path: Path
) -> None:
    reddit.fail("/r/MachineLearning", *[Fault(503, b"down")] * 10)
    with pytest.raises(SourceError, match="MachineLearning"):
        await app.generate()
    store = open_store(str(tmp_path / "history.db"))
    assert store.db.one("select count(*) as n from digests")["n"] == 0
    run = store.db.rows("select * from runs")[0]
    assert run["status"] == "failed" and "MachineLearning" in run["message"]
    assert not (tmp_path / "blog").exists()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault(429, b"{}", {"retry-after": "3600"}), r"rate limiting this client \(429\).*3600 s"),
        (Fault(404, b'{"message": "Not Found", "error": 404}'), r"not found \(404\)"),
        (Fault(200, b"<html>not json", {"Content-Type": "application/json"}), "Reddit failed"),
    ],
)
async def test_reddit_errors_are_clear(
    app: App, reddit: FakeReddit, fault: Fault, message: str
) -> None:
    reddit.fail("/r/MachineLearning", fault)
    with pytest.raises(SourceError, match=message):
        await app.generate()


async def test_a_broken_feed_is_a_clear_error(
    make_config: ConfigFactory, reddit: FakeReddit
) -> None:
    reddit.fail("/r/MachineLearning/top/.rss", Fault(200, b"<<< not a feed"))
    with pytest.raises(SourceError, match="not a readable feed"):
        await App(make_config(reddit_credentials=False)).generate()


async def test_a_trending_outage_leaves_out_trending_only(app: App, reddit: FakeReddit) -> None:
    reddit.fail("/r/machinelearningnews", Fault(403, b'{"message": "Forbidden"}'))
    outcome = await app.generate()
    assert outcome.digest.trending == () and len(outcome.digest.topics) == 5
    assert any("trending titles from r/machinelearningnews left out" in p for p in outcome.problems)
    assert "## Currently trending topics" not in post_text(outcome)


async def test_without_reddit_credentials_the_rss_feeds_are_read(
    make_config: ConfigFactory, reddit: FakeReddit
) -> None:
    outcome = await App(make_config(reddit_credentials=False)).generate()
    assert reddit.seen("/api/v1/access_token") == []
    assert reddit.seen("/r/MachineLearning/top/.rss")
    digest = outcome.digest
    assert digest.topics[0].title == "Mixture-of-depths for cheaper inference"
    assert digest.topics[0].post.body.startswith("Body of post 0.")
    assert any("RSS" in n for n in digest.notes)


async def test_posts_covered_on_an_earlier_day_are_skipped(
    make_config: ConfigFactory,
) -> None:
    config = make_config(selection={"topics": 3})
    first = await App(config, clock=lambda: datetime(2026, 11, 22, 5, 30, tzinfo=UTC)).generate(
        day=datetime(2026, 11, 22).date()
    )
    # The next day, whatever the wall clock's: yesterday is inside the trending lookback.
    second = await App(config, clock=lambda: datetime(2026, 11, 23, 5, 30, tzinfo=UTC)).generate(
        day=datetime(2026, 11, 23).date()
    )
    first_ids = {t.post.id for t in first.digest.topics}
    second_ids = {t.post.id for t in second.digest.topics}
    assert first_ids == {"m0", "m1", "m2"} and second_ids == {"m3", "m4", "m5"}
    # Titles shown as trending yesterday are not trending again today.
    assert not {t.title for t in first.digest.trending} & {t.title for t in second.digest.trending}


async def test_dry_run_stores_and_writes_nothing(app: App, tmp_path: Path) -> None:
    outcome = await app.generate(dry_run=True)
    assert outcome.published == () and len(outcome.digest.topics) == 5
    assert (
        open_store(str(tmp_path / "history.db")).db.one("select count(*) as n from digests")["n"]
        == 0
    )
    assert not (tmp_path / "blog").exists()
