"""Delivery to Discord and Slack through the real clients, against the local fakes."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from digestbot.app.digests import App
from digestbot.app.wiring import Wiring
from digestbot.chat.discord.render import render_discord
from digestbot.chat.slack.render import render_slack
from digestbot.core.models import Digest
from digestbot.storage.store import open_store
from tests import test_render_limits as limits
from tests.conftest import DISCORD_CHANNELS, EXAMPLE, SLACK_CHANNELS, ConfigFactory, run_cli, until
from tests.fakes.discord import FakeDiscord
from tests.fakes.server import ChannelLimiter, Fault
from tests.fakes.slack import FakeSlack

DAY = date(2026, 11, 20)


async def generate(config) -> App:
    app = App(config)
    await app.generate(replay_file=EXAMPLE, post=False)
    return app


def run_generate(config) -> None:
    result = run_cli("--config", str(config.path), "generate", "--from", str(EXAMPLE), "--no-post")
    assert result.exit_code == 0, result.output


def expected_counts(app: App) -> tuple[int, int]:
    with open_store(str(app.settings.storage.database)) as store:
        digest = store.digests.load(DAY)
    return len(render_discord(digest)), len(render_slack(digest))


async def test_every_channel_gets_the_digest_once(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    app = await generate(make_config(discord=discord_api, slack=slack_api))
    discord_parts, slack_parts = expected_counts(app)
    first = await app.publish(DAY)
    assert [p.problems for p in first] == [(), ()]
    for channel in DISCORD_CHANNELS:
        messages = discord_api.copies(channel)
        assert len(messages) == discord_parts
        assert all(m["allowed_mentions"] == {"parse": []} for m in messages)
        assert len({m["nonce"] for m in messages}) == discord_parts
    for channel in SLACK_CHANNELS:
        messages = slack_api.copies(channel)
        assert len(messages) == slack_parts
        assert all(m["metadata"]["event_type"] == "digestbot_message" for m in messages)
    again = await app.publish(DAY)
    assert "0 messages sent" in again[0].summary and "0 messages sent" in again[1].summary
    assert [len(discord_api.copies(c)) for c in DISCORD_CHANNELS] == [discord_parts] * 2
    assert [len(slack_api.copies(c)) for c in SLACK_CHANNELS] == [slack_parts] * 2


async def test_rate_limits_and_server_errors_are_retried(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    app = await generate(make_config(discord=discord_api, slack=slack_api))
    discord_parts, slack_parts = expected_counts(app)
    discord_api.fail(
        "/api/v10/channels/111111111111111111/messages",
        Fault(
            429,
            b'{"message": "slow down", "retry_after": 0.2, "global": false}',
            {"Content-Type": "application/json", "Retry-After": "0.2", "Via": "1.1 google"},
        ),
        Fault(500, b'{"message": "oops", "code": 0}', {"Content-Type": "application/json"}),
    )
    slack_api.fail(
        "/api/chat.postMessage",
        Fault(
            429,
            b'{"ok": false, "error": "ratelimited"}',
            {"Content-Type": "application/json", "Retry-After": "0"},
        ),
        Fault(503, b"unavailable"),
    )
    results = await app.publish(DAY)
    assert [p.problems for p in results] == [(), ()]
    assert len(discord_api.copies("111111111111111111")) == discord_parts
    assert (
        len(slack_api.copies("C0000000111")) + len(slack_api.copies("C0000000222"))
        == 2 * slack_parts
    )


JSON = {"Content-Type": "application/json"}


async def test_every_5xx_is_retried_on_both_platforms_with_no_copy_twice(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    """discord.py retries only 500/502/504/524 and slack_sdk only 500/503: 503, 502 and
    504 must all be tried again, and a resend (same nonce) must not make a copy."""
    app = await generate(make_config(discord=discord_api, slack=slack_api))
    discord_parts, slack_parts = expected_counts(app)
    discord_api.fail(
        "/api/v10/channels/111111111111111111/messages",
        Fault(503, b'{"message": "unavailable", "code": 0}', JSON),
        Fault(503, b"<html>503 Service Unavailable</html>"),
    )
    slack_api.fail("/api/chat.postMessage", Fault(502, b"bad gateway"), Fault(504, b""))
    results = await app.publish(DAY)
    assert [p.problems for p in results] == [(), ()]
    assert len(discord_api.copies("111111111111111111")) == discord_parts
    assert len(discord_api.copies("222222222222222222")) == discord_parts
    assert [len(slack_api.copies(c)) for c in SLACK_CHANNELS] == [slack_parts] * 2


async def test_a_slack_5xx_that_is_not_json_is_named_by_its_status(
    make_config: ConfigFactory, slack_api: FakeSlack
) -> None:
    """A proxy's HTML page on a 503: slack_sdk keeps the body as text."""
    app = await generate(make_config(slack=slack_api))
    slack_api.fail("/api/chat.postMessage", *[Fault(503, b"<html>down</html>")] * 100)
    (result,) = await app.publish(DAY)
    assert len(result.problems) == 2 and result.retry
    for problem in result.problems:
        assert "HTTP 503" in problem and "unexpected" not in problem
        assert problem.endswith("(to be tried again)")


async def test_a_permanent_refusal_is_not_retried_and_the_others_are_served(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    app = await generate(make_config(discord=discord_api, slack=slack_api))
    discord_parts, _ = expected_counts(app)
    path = "/api/v10/channels/111111111111111111/messages"
    discord_api.fail(path, Fault(400, b'{"message": "Invalid Form Body", "code": 50035}', JSON))
    results = await app.publish(DAY)
    assert len(discord_api.seen(path)) == 1  # asked once: a 400 will not change
    assert results[0].problems and "400" in results[0].problems[0]
    assert "skipped" in results[0].problems[0]
    assert len(discord_api.copies("222222222222222222")) == discord_parts


async def test_an_unexpected_failure_in_one_channel_stays_there_under_its_own_name(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack, tmp_path: Path
) -> None:
    """A body that is not JSON makes the client raise what no handler expects."""
    app = await generate(make_config(discord=discord_api, slack=slack_api))
    discord_parts, slack_parts = expected_counts(app)
    discord_api.fail(
        "/api/v10/channels/111111111111111111/messages", Fault(200, b"{not json", JSON)
    )
    results = await app.publish(DAY)
    assert len(results[0].problems) == 1
    assert "Discord".lower() in results[0].problems[0].lower()
    assert "111111111111111111: unexpected JSONDecodeError" in results[0].problems[0]
    assert len(discord_api.copies("222222222222222222")) == discord_parts
    assert [len(slack_api.copies(c)) for c in SLACK_CHANNELS] == [slack_parts] * 2
    with open_store(str(tmp_path / "history.db")) as store:
        rows = store.ledger.for_day(DAY)
    healthy = [r for r in rows if r["channel"] != "111111111111111111"]
    assert {r["state"] for r in healthy} == {"sent"}
    broken = [r for r in rows if r["channel"] == "111111111111111111"]
    assert [r["state"] for r in broken] == ["failed"]
    await app.publish(DAY)  # the next run completes it
    assert len(discord_api.copies("111111111111111111")) == discord_parts


async def test_a_channels_messages_keep_the_pace_and_channels_do_not_wait_on_each_other(
    make_config: ConfigFactory, discord_api: FakeDiscord
) -> None:
    app = await generate(make_config(discord=discord_api, delivery={"pace_seconds": 0.5}))
    parts, _ = expected_counts(app)
    assert parts >= 2
    discord_api.limiter = ChannelLimiter(limit=1, window=0.3)  # 429 when closer than that
    slow, fast = DISCORD_CHANNELS
    discord_api.fail(f"/api/v10/channels/{slow}/messages", Fault(503, b"", delay=1.0))
    results = await app.publish(DAY)
    assert results[0].problems == ()
    assert discord_api.limiter.rejected == 0  # every channel kept its pace
    posts = [r.path for r in discord_api.seen("/api/v10/channels/") if r.method == "POST"]
    # The slow channel's first post fails after a second; the fast one goes on meanwhile.
    fast_second = [i for i, p in enumerate(posts) if fast in p][1]
    assert fast_second < [i for i, p in enumerate(posts) if slow in p][1]  # not held back
    assert len(discord_api.copies(slow)) == len(discord_api.copies(fast)) == parts


def test_a_channel_that_fails_for_good_does_not_hold_back_the_others(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack, tmp_path: Path
) -> None:
    discord_api.forbidden.add("111111111111111111")
    slack_api.channels.discard("C0000000222")
    config = make_config(discord=discord_api, slack=slack_api)
    run_generate(config)
    discord_parts, slack_parts = expected_counts(App(config))
    result = run_cli("--config", str(config.path), "publish", "--date", str(DAY))
    assert result.exit_code == 3  # published, but not everywhere
    assert "Discord channel 111111111111111111: the bot lacks access (403" in result.output
    assert (
        "Slack channel C0000000222: unknown channel; check slack.channels (channel_not_found)"
        in (result.output)
    )
    assert len(discord_api.copies("222222222222222222")) == discord_parts
    assert len(slack_api.copies("C0000000111")) == slack_parts
    with open_store(str(tmp_path / "history.db")) as store:
        failed = [r for r in store.ledger.for_day(DAY) if r["state"] == "failed"]
    assert {(r["platform"], r["channel"], r["permanent"]) for r in failed} == {
        ("discord", "111111111111111111", 1),
        ("slack", "C0000000222", 1),
    }
    # Fixed: the next publish delivers exactly what those channels miss.
    discord_api.forbidden.clear()
    slack_api.channels.add("C0000000222")
    again = run_cli("--config", str(config.path), "publish", "--date", str(DAY))
    assert again.exit_code == 0, again.output
    assert len(discord_api.copies("111111111111111111")) == discord_parts
    assert len(slack_api.copies("C0000000222")) == slack_parts


async def test_details_can_go_in_a_thread(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    config = make_config(discord=discord_api, slack=slack_api, threads=True)
    app = await generate(config)
    await app.publish(DAY)
    headline = discord_api.copies("111111111111111111")
    assert len(headline) == 1 and headline[0]["id"] in discord_api.threads
    assert discord_api.copies(headline[0]["id"])  # the details, in the thread
    slack = slack_api.copies("C0000000111")
    assert slack[0]["thread_ts"] is None
    assert all(m["thread_ts"] == slack[0]["ts"] for m in slack[1:]) and len(slack) > 1


def in_channel(api: FakeDiscord | FakeSlack, channel: str, *, threads: bool) -> list[dict]:
    """What a channel shows, its thread included, in posting order."""
    messages = api.copies(channel)
    if threads and isinstance(api, FakeDiscord) and messages:
        messages += api.copies(messages[0]["id"])
    return messages


def shown(message: dict) -> object:
    """What a reader sees of a posted message, as a renderer's message says it."""
    if "embeds" in message:
        return (message["content"] or None, [e.get("title") for e in message["embeds"]])
    return message["text"]


def rendered(message: object) -> object:
    if hasattr(message, "embeds"):
        return (message.content or None, [e.get("title") for e in message.embeds])
    return message.text


SMALL = limits.digest([limits.topic(1, "one topic")])
LARGE = limits.digest(
    [limits.topic(i, f"topic {i}", b=limits.words(1500), r=limits.words(1500)) for i in range(25)]
)


@pytest.mark.parametrize("threads", [False, True], ids=["channel", "thread"])
@pytest.mark.parametrize(
    ("before", "after"), [(SMALL, LARGE), (LARGE, SMALL)], ids=["grows", "shrinks"]
)
async def test_a_digest_made_again_replaces_what_the_channels_show(
    make_config: ConfigFactory,
    discord_api: FakeDiscord,
    slack_api: FakeSlack,
    tmp_path: Path,
    threads: bool,
    before: Digest,
    after: Digest,
) -> None:
    """A digest made again (--force) after delivery: the channels end up showing exactly
    the new digest, once, whether it has more messages than the old one or fewer."""
    wiring = Wiring(make_config(discord=discord_api, slack=slack_api, threads=threads))
    with wiring.open_store() as store:
        publishers = wiring.chat_publishers(store)
        store.digests.save(before, None)
        for publisher in publishers:
            assert (await publisher.publish(before)).complete
        store.digests.save(after, None)  # made again
        remade = [await publisher.publish(after) for publisher in publishers]
        assert all(p.complete and "updated" in p.summary for p in remade), remade
        for api, render, channels in (
            (discord_api, render_discord, DISCORD_CHANNELS),
            (slack_api, render_slack, SLACK_CHANNELS),
        ):
            old, new = render(before), render(after)
            assert len(old) != len(new)  # some parts edited, and some posted or deleted
            for channel in channels:
                assert [shown(m) for m in in_channel(api, channel, threads=threads)] == [
                    rendered(m) for m in new
                ]
        again = [await publisher.publish(after) for publisher in publishers]
    assert all("0 messages sent" in p.summary and "updated" not in p.summary for p in again)


async def test_a_message_someone_deleted_is_posted_again_when_the_digest_is_remade(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    remade = limits.digest([limits.topic(1, "one topic, made again")])
    wiring = Wiring(make_config(discord=discord_api, slack=slack_api))
    with wiring.open_store() as store:
        publishers = wiring.chat_publishers(store)
        store.digests.save(SMALL, None)
        for publisher in publishers:
            await publisher.publish(SMALL)
        for api, channel in ((discord_api, DISCORD_CHANNELS[0]), (slack_api, SLACK_CHANNELS[0])):
            api.messages[channel].pop(0)  # an admin deleted the headline
        store.digests.save(remade, None)
        results = [await publisher.publish(remade) for publisher in publishers]
    assert all(r.complete for r in results)
    for api, render, channel in (
        (discord_api, render_discord, DISCORD_CHANNELS[0]),
        (slack_api, render_slack, SLACK_CHANNELS[0]),
    ):
        expected = sorted(map(str, (rendered(m) for m in render(remade))))
        assert sorted(map(str, (shown(m) for m in api.copies(channel)))) == expected


def test_a_crash_between_posting_and_recording_leaves_one_copy(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack, tmp_path: Path
) -> None:
    """Kill -9 a publish with a channel's message posted but not yet recorded; the rerun
    finishes, and every channel holds exactly one copy."""
    config = make_config(discord=discord_api, slack=slack_api, delivery={"concurrency": 1})
    run_generate(config)
    discord_parts, slack_parts = expected_counts(App(config))
    assert discord_parts >= 2 and slack_parts >= 2
    # Messages go out in waves (each channel's first, then each one's second): hold the
    # second channel's second message, after everything else of the first two waves.
    discord_api.hold(index=len(DISCORD_CHANNELS) + 1, seconds=60)
    slack_api.hold(index=len(SLACK_CHANNELS) + 1, seconds=60)
    command = [
        sys.executable,
        "-c",
        "from digestbot.cli import main; main()",
        "--config",
        str(config.path),
        "publish",
        "--date",
        str(DAY),
    ]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (
        len(discord_api.copies("222222222222222222")) == 2
        and len(slack_api.copies("C0000000222")) == 2
    ):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    with open_store(str(tmp_path / "history.db")) as store:
        rows = store.ledger.for_day(DAY)
    assert {(r["platform"], r["channel"]) for r in rows if r["state"] == "sending"} == {
        ("discord", "222222222222222222"),
        ("slack", "C0000000222"),
    }
    discord_api.hold(index=-1, seconds=0)
    slack_api.hold(index=-1, seconds=0)
    result = run_cli("--config", str(config.path), "publish", "--date", str(DAY))
    assert result.exit_code == 0, result.output
    for channel in DISCORD_CHANNELS:
        assert len(discord_api.copies(channel)) == discord_parts, channel
    for channel in SLACK_CHANNELS:
        assert len(slack_api.copies(channel)) == slack_parts, channel
    with open_store(str(tmp_path / "history.db")) as store:  # each part's topic recorded,
        digest, rows = store.digests.load(DAY), store.ledger.for_day(DAY)  # found or resent
    topics = {"discord": render_discord(digest), "slack": render_slack(digest)}
    assert [r["topic"] for r in rows] == [topics[r["platform"]][r["part"]].topic for r in rows]
    assert any(r["topic"] for r in rows)


async def test_a_second_delivery_waits_for_the_first(
    make_config: ConfigFactory, slack_api: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """While one run delivers a digest, another run of the same digest waits for it (and
    says so), then finds everything sent: each message is posted once."""
    config = make_config(slack=slack_api)
    await generate(config)
    _, slack_parts = expected_counts(App(config))
    slack_api.hold(index=0, seconds=30)  # the first run stops at its first message
    first, second = App(config), App(config)
    running = asyncio.create_task(first.publish(DAY))
    await until(lambda: len(slack_api.copies(SLACK_CHANNELS[0])) == 1)
    caplog.set_level(logging.INFO, logger="digestbot")
    waiting = asyncio.create_task(second.publish(DAY))
    await until(lambda: "waiting for another digestbot" in caplog.text)
    assert sum(len(slack_api.copies(c)) for c in SLACK_CHANNELS) <= len(SLACK_CHANNELS)
    slack_api.hold(index=-1, seconds=0)
    results = await asyncio.gather(running, waiting)
    assert all(r.complete for published in results for r in published)
    for channel in SLACK_CHANNELS:
        assert len(slack_api.copies(channel)) == slack_parts, channel


def test_two_publishes_at_once_post_each_message_once(
    make_config: ConfigFactory, slack_api: FakeSlack, tmp_path: Path
) -> None:
    """Two processes deliver the same digest at the same moment: each message once."""
    config = make_config(slack=slack_api)
    run_generate(config)
    _, slack_parts = expected_counts(App(config))
    slack_api.delay = 0.2  # every answer takes a while: the two runs overlap
    command = [sys.executable, "-m", "digestbot", "--config", str(config.path), "publish",
               "--date", str(DAY)]  # fmt: skip
    processes = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    for channel in SLACK_CHANNELS:
        assert len(slack_api.copies(channel)) == slack_parts, channel


def test_publishing_without_a_history_creates_none(
    make_config: ConfigFactory, slack_api: FakeSlack, tmp_path: Path
) -> None:
    config = make_config(slack=slack_api)
    result = run_cli("--config", str(config.path), "publish", "--date", str(DAY))
    assert result.exit_code == 1 and "there is no history at" in result.stderr
    assert not Path(config.settings.storage.database).exists()


def test_a_publish_that_reaches_no_channel_exits_1(
    make_config: ConfigFactory, slack_api: FakeSlack
) -> None:
    config = make_config(slack=slack_api)
    run_generate(config)
    slack_api.channels.clear()  # every channel is unknown now
    result = run_cli("--config", str(config.path), "publish", "--date", str(DAY))
    assert result.exit_code == 1, result.output
    assert "slack: 0/2 channels" in result.stdout and "channel_not_found" in result.stderr
