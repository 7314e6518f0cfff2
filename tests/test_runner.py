"""The daily schedule and `digestbot run`, with the real scheduler, bolt and aiohttp."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from digestbot.app.digests import App
from digestbot.app.runner import BotRunner
from digestbot.app.schedule import JOB_ID, Schedule, due_today, next_run, start_scheduler
from digestbot.config import loader
from digestbot.storage.store import open_store
from tests.conftest import DISCORD_CHANNELS, SLACK_CHANNELS, ConfigFactory, run_cli
from tests.fakes.discord import FakeDiscord
from tests.fakes.openai import FakeOpenAI
from tests.fakes.reddit import FakeReddit
from tests.fakes.server import Fault
from tests.fakes.slack import FakeSlack

UTC_0530 = Schedule(5, 30, "mon-sun", ZoneInfo("UTC"))


def at(text: str, zone: str = "UTC") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("schedule", "now", "due"),
    [
        (UTC_0530, at("2026-11-23T05:29"), None),  # not yet
        (UTC_0530, at("2026-11-23T05:30"), date(2026, 11, 23)),
        (UTC_0530, at("2026-11-23T23:59"), date(2026, 11, 23)),
        # Saturday, weekdays only: nothing to catch up
        (Schedule(5, 30, "mon-fri", ZoneInfo("UTC")), at("2026-11-21T09:00"), None),
        # Tokyo's 05:30 is 20:30 UTC the day before: the digest is Tokyo's day
        (
            Schedule(5, 30, "mon-sun", ZoneInfo("Asia/Tokyo")),
            at("2026-11-22T21:00"),
            date(2026, 11, 23),
        ),
    ],
)
def test_what_is_due_at_start(schedule: Schedule, now: datetime, due: date | None) -> None:
    assert due_today(schedule, now) == due


def test_the_trigger_keeps_local_time_across_daylight_saving() -> None:
    berlin = Schedule(5, 30, "mon-sun", ZoneInfo("Europe/Berlin"))
    trigger = berlin.trigger()
    before = trigger.get_next_fire_time(None, at("2026-10-23T12:00", "Europe/Berlin"))
    after = trigger.get_next_fire_time(None, at("2026-10-25T12:00", "Europe/Berlin"))
    assert before.astimezone(UTC).hour == 3 and after.astimezone(UTC).hour == 4
    assert before.hour == after.hour == 5


async def test_the_scheduler_runs_the_job_once_per_tick() -> None:
    ran: list[datetime] = []

    async def job() -> None:
        ran.append(datetime.now(UTC))

    scheduler = start_scheduler(UTC_0530, job, misfire_grace_seconds=60)
    try:
        job_entry = scheduler.get_job(JOB_ID)
        assert job_entry.coalesce is True and job_entry.max_instances == 1
        assert next_run(scheduler).hour == 5 and next_run(scheduler).minute == 30
        job_entry.modify(next_run_time=datetime.now(UTC))  # due now
        deadline = time.monotonic() + 5
        while not ran:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert len(ran) == 1 and next_run(scheduler) > datetime.now(UTC)
    finally:
        scheduler.shutdown(wait=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SECRET = "slack-signing-secret"


@pytest.fixture
def bot_config(make_config: ConfigFactory, slack_api: FakeSlack, monkeypatch, tmp_path: Path):
    """A bot with Slack over HTTP, an admin channel, and a schedule whose time has passed."""
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    slack_api.channels.add("C0000000ADM")
    port = free_port()
    config = make_config(
        slack=slack_api,
        schedule={"time": "00:00", "shutdown_grace_seconds": 0.5},
        commands={"cooldown_seconds": 0},
    )
    Path(config.path).write_text(
        Path(config.path)
        .read_text()
        .replace(
            "[slack]",
            f'[slack]\nmode = "http"\nhttp_port = {port}\nadmin_channel = "C0000000ADM"',
        )
    )
    now = datetime.now(UTC)  # one moment for the whole test: no midnight in the middle
    return App(loader.load(config.path, env_file=None), clock=lambda: now), port


def run_finished(folder: Path) -> bool:
    with open_store(str(folder / "history.db")) as store:
        run = store.reports.last_run()
    return bool(run) and run["status"] not in ("running", "failed")


async def run_until(runner_app: App, condition=None, seconds: float = 30) -> None:
    """Run the bot until `condition()` holds; without one, until what it started with
    (the day's catch-up) has finished."""
    stop = asyncio.Event()
    runner = BotRunner(runner_app)
    task = asyncio.create_task(runner.run(stop))
    try:
        await asyncio.wait_for(runner.ready.wait(), 10)
        if condition is None:
            await asyncio.wait_for(runner.settled(), seconds)
            return
        deadline = time.monotonic() + seconds
        while not await condition():
            assert time.monotonic() < deadline, "timed out"
            assert not task.done(), task.exception()
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_the_bot_catches_up_once_answers_slack_and_stops(
    bot_config, slack_api: FakeSlack, llm: FakeOpenAI
) -> None:
    """Started after today's run time: it makes and delivers the day once, then answers."""
    app, port = bot_config
    today = app.clock().date()
    answered: list[int] = []

    async def delivered_and_answered() -> bool:
        if not run_finished(Path(app.settings.storage.database).parent):
            return False  # the day's run has not finished making and delivering
        if not answered:
            body = (
                "command=%2Fdigest&text=status&user_id=U1&team_id=T1&channel_id=C0000000111"
                f"&response_url=http%3A%2F%2F127.0.0.1%3A{slack_api.port}%2Fresponse%2F1"
            )
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
                    timestamp=stamp, body=body
                ),
            }
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
                ) as response,
            ):
                answered.append(response.status)
        return bool(slack_api.commands_responses)

    await run_until(app, delivered_and_answered)
    assert answered == [200]
    assert f"Last run: generate for {today}, ok" in str(slack_api.commands_responses[0])
    assert len(llm.completions) == 6
    counts = [len(slack_api.copies(c)) for c in SLACK_CHANNELS]
    # Started again the same day: the day is done, so nothing is made or posted twice.
    await run_until(app)
    assert len(llm.completions) == 6
    assert [len(slack_api.copies(c)) for c in SLACK_CHANNELS] == counts
    assert slack_api.copies("C0000000ADM") == []  # nothing went wrong, nothing reported


async def test_a_failed_run_is_reported_to_the_admin_channel_once(
    bot_config, slack_api: FakeSlack, reddit: FakeReddit
) -> None:
    app, _ = bot_config
    reddit.fail("/r/MachineLearning", *[Fault(403, b'{"message": "Forbidden"}')] * 4)
    await run_until(app, lambda: asyncio.sleep(0, result=bool(slack_api.copies("C0000000ADM"))))
    notice = slack_api.copies("C0000000ADM")[0]
    assert "no digest was made: r/MachineLearning is private" in notice["text"]
    await run_until(app)
    assert len(slack_api.copies("C0000000ADM")) == 1  # the same problem is not reported again


async def test_a_stop_mid_run_leaves_the_rest_for_the_next_start(
    bot_config, slack_api: FakeSlack, llm: FakeOpenAI, tmp_path: Path
) -> None:
    app, _ = bot_config
    llm.latency = 5  # the run is still analysing when the stop comes
    await run_until(app, lambda: asyncio.sleep(0, result=bool(llm.in_flight)))
    with open_store(str(tmp_path / "history.db")) as store:
        assert store.db.one("select count(*) as n from digests")["n"] == 0
        assert (
            store.db.one("select status from runs where id = 1")["status"] == "interrupted"
        )  # cancelled, and recorded
    llm.latency = 0

    def completed() -> bool:  # the second start's run, not the first's interrupted one
        with open_store(str(tmp_path / "history.db")) as store:
            return bool(store.db.one("select 1 from runs where id > 1 and status = 'ok'"))

    await run_until(app, lambda: asyncio.sleep(0, result=completed()))
    with open_store(str(tmp_path / "history.db")) as store:
        assert store.db.one("select count(*) as n from digests")["n"] == 1
        rows = store.ledger.for_day(app.clock().date())
    copies = {c: len(slack_api.copies(c)) for c in SLACK_CHANNELS}
    assert set(copies.values()) == {len(rows) // len(SLACK_CHANNELS)}  # each once, complete


def test_discord_sync_registers_the_command(
    make_config: ConfigFactory, discord_api: FakeDiscord
) -> None:
    config = make_config(discord=discord_api)
    result = run_cli("--config", str(config.path), "discord-sync")
    assert result.exit_code == 0, result.output
    assert "registered   /digest" in result.output
    assert not Path(config.settings.storage.database).exists()  # registering stores nothing
    (command,) = discord_api.registered
    assert command["name"] == "digest"
    assert {o["name"] for o in command["options"]} == {
        "day",
        "topic",
        "status",
        "predictions",
        "public",
        "force",
        "search",
        "page",
        "newest",
        "settings",
        "topics",
        "language",
        "focus",
        "threads",
        "time",
        "clear",
    }


def test_sigterm_stops_the_bot_cleanly(
    make_config: ConfigFactory, slack_api: FakeSlack, monkeypatch, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys

    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    port = free_port()
    config = make_config(slack=slack_api, schedule={"enabled": False})
    Path(config.path).write_text(
        Path(config.path)
        .read_text()
        .replace("[slack]", f'[slack]\nmode = "http"\nhttp_port = {port}')
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from digestbot.cli import main; main()",
            "--config",
            str(config.path),
            "run",
        ],
        cwd=tmp_path,
        env=os.environ.copy(),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while True:  # wait until the Slack endpoint listens
        assert time.monotonic() < deadline and process.poll() is None
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert "stopping" in stderr and "Traceback" not in stderr


async def test_a_day_whose_collection_failed_is_tried_again_within_the_day(
    make_config: ConfigFactory, slack_api: FakeSlack, reddit: FakeReddit, tmp_path: Path
) -> None:
    """Reddit refuses at the scheduled time and comes back: the day is made that day,
    not at the next restart, and the admins hear of the failure once."""
    slack_api.channels.add("C0000000ADM")
    config = make_config(
        slack=slack_api,
        schedule={"time": "00:00", "retry_seconds": 1, "misfire_grace_seconds": 3600},
    )
    Path(config.path).write_text(
        Path(config.path).read_text().replace("[slack]", '[slack]\nadmin_channel = "C0000000ADM"')
    )
    now = datetime.now(UTC)
    app = App(loader.load(config.path, env_file=None), clock=lambda: now)
    reddit.fail("/r/MachineLearning", Fault(403, b'{"message": "Forbidden"}'))  # one refusal

    async def digest_made() -> bool:
        with open_store(str(tmp_path / "history.db")) as store:
            return store.digests.load(app.clock().date()) is not None

    await run_until(app, digest_made)
    (notice,) = slack_api.copies("C0000000ADM")
    assert "no digest was made" in notice["text"] and "tried again every 1 s" in notice["text"]
    assert all(slack_api.copies(c) for c in SLACK_CHANNELS)  # delivered, the same day


async def test_the_bot_logs_in_to_discord_once_and_delivers_on_that_session(
    make_config: ConfigFactory, discord_api: FakeDiscord, tmp_path: Path
) -> None:
    app = discord_bot(make_config, discord_api)
    await run_until(app, lambda: asyncio.sleep(0, result=run_finished(tmp_path)))
    assert all(discord_api.copies(c) for c in DISCORD_CHANNELS)
    assert len(discord_api.seen("/api/v10/users/@me")) == 1  # one login, shared


def discord_bot(make_config: ConfigFactory, discord_api: FakeDiscord, **sections) -> App:
    """A bot on Discord only, the fake Gateway included, whose day is due now."""
    config = make_config(discord=discord_api, schedule={"time": "00:00", **sections})
    Path(config.path).write_text(
        Path(config.path)
        .read_text()
        .replace("[discord]", f'[discord]\ngateway_url = "{discord_api.gateway.url}"')
    )
    now = datetime.now(UTC)
    return App(loader.load(config.path, env_file=None), clock=lambda: now)


async def test_a_gateway_that_refuses_while_the_day_goes_out_holds_back_no_channel(
    make_config: ConfigFactory, discord_api: FakeDiscord, llm: FakeOpenAI, tmp_path: Path
) -> None:
    """Each refused connection closes its client: the deliveries must not be lent one."""
    discord_api.gateway.refuse(50)
    llm.latency = 1.5  # the day goes out after the first refusals
    app = discord_bot(make_config, discord_api)
    await run_until(app, lambda: asyncio.sleep(0, result=run_finished(tmp_path)))
    assert all(discord_api.copies(c) for c in DISCORD_CHANNELS)
    with open_store(str(tmp_path / "history.db")) as store:
        assert store.reports.last_run()["status"] == "ok"


async def test_a_channel_that_failed_for_a_while_is_served_again_within_the_day(
    make_config: ConfigFactory, discord_api: FakeDiscord, tmp_path: Path
) -> None:
    slow = DISCORD_CHANNELS[0]
    discord_api.fail(f"/api/v10/channels/{slow}/messages", *[Fault(503, b"")] * 4)
    app = discord_bot(make_config, discord_api, retry_seconds=1)

    async def served() -> bool:
        whole = len(discord_api.copies(DISCORD_CHANNELS[1]))
        return whole > 0 and len(discord_api.copies(slow)) == whole

    await run_until(app, served)
    assert len(discord_api.seen(f"/api/v10/channels/{slow}/messages")) > 4  # tried again
