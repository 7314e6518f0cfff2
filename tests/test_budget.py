"""The LLM spend cap: a run that would pass [llm] daily_budget_usd or monthly_budget_usd
makes a labelled headline edition without a single request to the LLM's endpoint, and the
admins are told once a day. Spend is the runs' recorded cost; the estimate is the most a
run may cost (core/budget.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from digestbot.app.digests import App
from digestbot.config import loader
from digestbot.core.budget import (
    Budget,
    Spend,
    estimate_run,
    passed_cap,
    prompt_tokens,
    status_lines,
    usd,
)
from digestbot.core.models import DigestMode
from digestbot.storage.store import open_store
from tests.conftest import DISCORD_CHANNELS, EXAMPLE, SLACK_CHANNELS, ConfigFactory, run_cli
from tests.fakes.discord import FakeDiscord
from tests.fakes.openai import FakeOpenAI
from tests.fakes.slack import FakeSlack

DISCORD_ADMIN = "333333333333333333"
SLACK_ADMIN = "C0000000ADM"


def run(config: loader.Config, *args: str | Path):
    return run_cli("--config", config.path, *args)


def replay_of(day: str, tmp_path: Path) -> Path:
    """The shipped example collection, as if collected on `day` (another digest day)."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["collected_at"] = f"{day}T05:00:00+00:00"
    path = tmp_path / f"{day}-collection.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def capped_config(
    make_config: ConfigFactory, per: str, runs: float = 1.0, **chat: Any
) -> loader.Config:
    """A config whose `per` ("daily" or "monthly") cap pays for `runs` runs' estimates,
    with the chat fakes given and each platform's admin channel set."""
    estimate = App(make_config(**chat)).run_estimate().cost_usd
    assert estimate > 0
    config = make_config(llm={f"{per}_budget_usd": estimate * runs}, **chat)
    path = Path(config.path)
    text = path.read_text(encoding="utf-8")
    if chat.get("discord"):
        chat["discord"].channels.add(DISCORD_ADMIN)
        text = text.replace("[discord]", f'[discord]\nadmin_channel = "{DISCORD_ADMIN}"')
    if chat.get("slack"):
        chat["slack"].channels.add(SLACK_ADMIN)
        text = text.replace("[slack]", f'[slack]\nadmin_channel = "{SLACK_ADMIN}"')
    path.write_text(text, encoding="utf-8")
    return loader.load(str(path), env_file=None)


def texts(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def spent(config: loader.Config) -> float:
    with open_store(config.settings.storage.database) as store:
        return store.db.one("select sum(cost_usd) as usd from runs")["usd"]


# -- end to end ------------------------------------------------------------------------


def test_the_run_after_the_daily_budget_is_a_labelled_headline_edition(
    make_config: ConfigFactory,
    llm: FakeOpenAI,
    discord_api: FakeDiscord,
    slack_api: FakeSlack,
    tmp_path: Path,
) -> None:
    config = capped_config(make_config, "daily", discord=discord_api, slack=slack_api)
    first = run(config, "generate", "--from", EXAMPLE)
    assert first.exit_code == 0, first.output
    assert len(llm.seen("/v1/chat")) == 6 and spent(config) > 0  # 5 topics, predictions
    assert not discord_api.copies(DISCORD_ADMIN) and not slack_api.copies(SLACK_ADMIN)
    asked = len(llm.requests)

    # Another digest day, the same day of spending: the budget is the run's day.
    second = run(config, "generate", "--from", replay_of("2026-11-21", tmp_path))
    assert second.exit_code == 0, second.output  # made on purpose, labelled: not a failure
    assert len(llm.requests) == asked  # not one request: no analysis, no embeddings
    assert "LLM budget of" in second.output and "a day would be passed" in second.output
    post = Path(config.settings.storage.blog_dir) / "2026-11-21-ai-auto-summary.md"
    assert "*Headline edition:* the LLM budget of $" in post.read_text(encoding="utf-8")
    for channel in DISCORD_CHANNELS:
        headings = [m["content"].split("\n")[0] for m in discord_api.copies(channel)]
        assert any("2026-11-21** (headline edition: the LLM budget of $" in h for h in headings)
    for channel in SLACK_CHANNELS:
        assert "Headline edition: the LLM budget of $" in texts(slack_api.copies(channel))
    with open_store(config.settings.storage.database) as store:
        digest = store.digests.load(date(2026, 11, 21))
    assert digest is not None and digest.mode is DigestMode.HEADLINES
    assert digest.headline_reason.startswith("the LLM budget of $")
    assert any("headline edition: the LLM budget" in note for note in digest.notes)

    # The admins are told once, naming the budget; a third capped run tells no one again.
    third = run(config, "generate", "--from", EXAMPLE, "--force")
    assert third.exit_code == 0 and len(llm.requests) == asked
    with open_store(config.settings.storage.database) as store:
        kept = store.digests.load(date(2026, 11, 20))
    assert kept is not None and kept.mode is DigestMode.FULL  # a remake would only lose
    (discord_notice,) = discord_api.copies(DISCORD_ADMIN)
    (slack_notice,) = slack_api.copies(SLACK_ADMIN)
    budget = f"the LLM budget of {usd(config.settings.llm.daily_budget_usd)} a day is reached"
    assert budget in texts([discord_notice]) and budget in texts([slack_notice])
    assert "[llm] daily_budget_usd sets the cap" in slack_notice["text"]


async def test_a_cap_below_one_call_makes_no_llm_request_on_demand_either(
    make_config: ConfigFactory, llm: FakeOpenAI, slack_api: FakeSlack
) -> None:
    """`/digest` makes its digest through App.digest_for: the same cap, the same notice."""
    config = capped_config(make_config, "daily", runs=0.01, slack=slack_api)
    app = App(config)
    single_call = app.run_estimate().cost_usd / 6  # five topics and the predictions
    assert config.settings.llm.daily_budget_usd < single_call

    digest = await app.digest_for(app.clock().date())
    assert llm.requests == []
    assert digest.mode is DigestMode.HEADLINES
    assert digest.headline_reason.startswith("the LLM budget of $")
    assert "($0.00 spent" in digest.headline_reason
    (notice,) = slack_api.copies(SLACK_ADMIN)
    assert "a day is reached" in notice["text"]


def test_the_monthly_budget_caps_the_days_after_it(
    make_config: ConfigFactory, llm: FakeOpenAI, tmp_path: Path
) -> None:
    config = capped_config(make_config, "monthly")
    assert run(config, "generate", "--from", EXAMPLE).exit_code == 0
    asked = len(llm.requests)
    assert asked > 0
    second = run(config, "generate", "--from", replay_of("2026-11-21", tmp_path))
    assert second.exit_code == 0 and len(llm.requests) == asked
    assert "a month would be passed" in second.output


def test_usage_shows_the_spend_against_the_caps(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    config = make_config(llm={"daily_budget_usd": 5, "monthly_budget_usd": 50})
    assert run(config, "generate", "--from", EXAMPLE).exit_code == 0
    cost = usd(spent(config))
    shown = run(config, "usage")
    assert f"LLM spend today {cost} of $5.00; this month {cost} of $50.00" in shown.output
    by_day = json.loads(run(config, "usage", "--by", "day", "--json").stdout)
    assert by_day[0]["budget_usd"] == 5
    by_month = json.loads(run(config, "usage", "--json").stdout)
    assert by_month[0]["budget_usd"] == 50
    uncapped = make_config()
    assert "(no daily cap)" in run(uncapped, "usage").output


# -- the estimate and the words ---------------------------------------------------------


def test_the_estimate_counts_every_call_at_its_largest() -> None:
    estimate = estimate_run(
        topics=5,
        predictions=True,
        source_tokens=2000,
        prompt_tokens=500,
        max_output_tokens=700,
        input_per_mtok=0.15,
        output_per_mtok=0.60,
    )
    assert (estimate.calls, estimate.input_tokens, estimate.output_tokens) == (6, 15000, 4200)
    assert abs(estimate.cost_usd - (15000 * 0.15 + 4200 * 0.60) / 1e6) < 1e-12
    assert prompt_tokens([{"content": "a" * 7}, {"content": "b" * 2}]) == 3  # 9 chars, rounded up


def test_the_first_cap_passed_is_named() -> None:
    run = estimate_run(
        topics=1,
        predictions=False,
        source_tokens=1_000_000,
        prompt_tokens=0,
        max_output_tokens=64,
        input_per_mtok=1.0,
        output_per_mtok=0.0,
    )  # one dollar
    assert passed_cap(Budget(2.0, 10.0), Spend(1.0, 5.0), run) is None  # exactly the cap fits
    daily = passed_cap(Budget(2.0, 10.0), Spend(1.5, 5.0), run)
    assert daily is not None and daily.period == "day"
    assert daily.reason == (
        "the LLM budget of $2.00 a day would be passed ($1.50 spent, a run may cost $1.00)"
    )
    spent_out = passed_cap(Budget(0, 10.0), Spend(0, 10.0), run)
    assert spent_out is not None and spent_out.reason == (
        "the LLM budget of $10.00 a month is spent ($10.00 so far)"
    )
    assert "[llm] monthly_budget_usd" in spent_out.notice
    assert passed_cap(Budget(0, 0), Spend(100.0, 100.0), run) is None  # no cap


def test_status_lines_and_amounts() -> None:
    assert status_lines(Budget(0.5, 5.0), Spend(0.0123, 0.31)) == [
        "LLM spend today $0.0123 of $0.50; this month $0.31 of $5.00 (UTC)"
    ]
    lines = status_lines(Budget(0.5, 0), Spend(0.5, 0.5))
    assert lines[0] == "LLM spend today $0.50 of $0.50; this month $0.50 (no monthly cap) (UTC)"
    assert lines[1].startswith("The day's budget is spent")
    assert [usd(x) for x in (5, 0.001, 12.3456, 0.00001)] == [
        "$5.00",
        "$0.001",
        "$12.3456",
        "$0.00",
    ]


def test_the_estimate_counts_the_channels_editions(make_config: ConfigFactory) -> None:
    config = make_config()
    assert config.path is not None
    channels = '\n[slack]\nchannels = ["C0000000111"]\n[channels."C0000000111"]\n'
    channels += 'topics = 4\nlanguage = "German"\n'
    Path(config.path).write_text(Path(config.path).read_text() + channels)
    app = App(loader.load(config.path, env_file=None))
    alone = app.run_estimate()
    with app.wiring.open_store() as store:
        with_editions = app.run_estimate(store)
    # Five topics and the predictions, then four more analyses in German.
    assert with_editions.cost_usd == pytest.approx(alone.cost_usd * 10 / 6)
