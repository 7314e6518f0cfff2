"""Draft, then publish: with [approval] the day's digest goes to the admin channels as a
draft with Approve and Skip, and to the channels only once an admin approves it.

The real clients against the fakes: `digestbot generate` and `publish` as users run
them, the bot (`BotRunner`, as `digestbot run` runs it) on the fake Discord Gateway and
Slack Socket Mode, presses shaped as the platforms send them (tests/fakes/buttons.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from digestbot.app import runner as runner_module
from digestbot.app.digests import App
from digestbot.app.runner import BotRunner
from digestbot.config import loader
from digestbot.core.errors import ConfigError
from digestbot.storage.store import open_store
from tests.conftest import DISCORD_CHANNELS, SLACK_CHANNELS, ConfigFactory, run_cli, until
from tests.fakes.buttons import discord_press, slack_press
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack

DAY = date(2026, 11, 30)
DISCORD_ADMIN_CHANNEL, SLACK_ADMIN_CHANNEL = "333333333333333333", "C0000000ADM"
DISCORD_ADMIN, DISCORD_OTHER = "444444444444444444", "555555555555555555"
SLACK_ADMIN, SLACK_OTHER = "U0000000ADM", "U0000000OTH"
NOT_ADMIN = "Only the digest's admins can approve or skip it."


class Approval:
    """The settings on both fakes with [approval] on, and what the fakes received."""

    def __init__(self, discord: FakeDiscord, slack: FakeSlack, path: Path) -> None:
        self.discord, self.slack, self.path = discord, slack, path

    def cli(self, *argv: str) -> Any:
        return run_cli("--config", str(self.path), *argv)

    async def run(self, *argv: str) -> Any:
        """The command line from a test's event loop: in a thread, as its own asyncio.run."""
        return await asyncio.to_thread(self.cli, *argv)

    def app(self, clock: Callable[[], datetime]) -> App:
        return App(loader.load(str(self.path), env_file=None), clock=clock)

    def channel_messages(self) -> dict[str, int]:
        """How many messages each digest channel of both platforms holds."""
        return {c: len(self.discord.copies(c)) for c in DISCORD_CHANNELS} | {
            c: len(self.slack.copies(c)) for c in SLACK_CHANNELS
        }

    def drafts(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The one draft in each admin channel: Discord's, Slack's."""
        (discord,) = self.discord.copies(DISCORD_ADMIN_CHANNEL)
        (slack,) = self.slack.copies(SLACK_ADMIN_CHANNEL)
        return discord, slack

    def discord_components(self) -> list[Any]:
        """The components each request that posted or edited the Discord draft sent."""
        seen = self.discord.seen(f"/api/v10/channels/{DISCORD_ADMIN_CHANNEL}/messages")
        return [r.json().get("components") for r in seen if r.method in ("POST", "PATCH")]

    def state(self) -> str:
        """The day's approval as the history has it: pending, approved or skipped."""
        with open_store(str(self.path.parent / "history.db"), read_only=True) as store:
            record = store.approvals.get(DAY)
        return record.state if record else ""

    def drafts_decided(self) -> bool:
        """Both drafts were edited to have no buttons."""
        _, slack = self.drafts()
        buttons = [b for b in slack["blocks"] if b["type"] == "actions"]
        return self.discord_components()[-1] == [] and not buttons

    def blog_posts(self) -> list[Path]:
        return sorted((self.path.parent / "blog").rglob("*.md"))

    # -- the bot --------------------------------------------------------------------------

    @asynccontextmanager
    async def bot(self, clock: Callable[[], datetime]) -> AsyncIterator[BotRunner]:
        """The bot connected to both platforms until the block ends."""
        stop = asyncio.Event()
        runner = BotRunner(self.app(clock))
        task = asyncio.create_task(runner.run(stop))
        try:
            await asyncio.wait_for(runner.ready.wait(), 10)
            await asyncio.to_thread(self.discord.gateway.wait_ready)
            await asyncio.to_thread(self.slack.socket.wait_connected)
            yield runner
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)

    async def press_discord(self, action: str, user: str) -> str:
        """Press a button of the Discord draft; returns the private answer."""
        draft, _ = self.drafts()
        token, data = discord_press(
            draft, f"digestbot:{action}:{DAY}", user=user, channel=DISCORD_ADMIN_CHANNEL
        )
        await asyncio.to_thread(self.discord.gateway.dispatch, "INTERACTION_CREATE", data)
        await until(lambda: len(self.discord.replies(token)) >= 2, 30)
        callback, answer = self.discord.replies(token)[:2]
        assert callback == {"type": 5, "data": {"flags": 64}, "callback": True}  # private
        assert answer["flags"] & 64, answer  # ephemeral: only the one who pressed sees it
        return answer["content"]

    async def press_slack(self, action: str, user: str) -> str:
        """Press a button of the Slack draft; returns the private answer."""
        _, draft = self.drafts()
        envelope = slack_press(
            response_base=self.slack.url, channel=SLACK_ADMIN_CHANNEL, ts=draft["ts"],
            action_id=f"digestbot_{action}", value=str(DAY), user=user,
        )  # fmt: skip
        envelope_id = envelope["envelope_id"]
        await asyncio.to_thread(self.slack.socket.send, envelope)
        await asyncio.to_thread(self.slack.socket.wait_acked, envelope_id)
        await until(lambda: self.slack.responses(envelope_id), 30)
        (answer,) = self.slack.responses(envelope_id)
        assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
        return answer["text"]


@pytest.fixture
def approval(
    make_config: ConfigFactory,
    discord_api: FakeDiscord,
    slack_api: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Approval]:
    def configure(**settings: Any) -> Approval:
        discord_api.channels.add(DISCORD_ADMIN_CHANNEL)
        slack_api.channels.add(SLACK_ADMIN_CHANNEL)
        monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-slack-token")
        monkeypatch.setenv("DIGESTBOT_DISCORD__ADMIN_CHANNEL", DISCORD_ADMIN_CHANNEL)
        monkeypatch.setenv("DIGESTBOT_SLACK__ADMIN_CHANNEL", SLACK_ADMIN_CHANNEL)
        monkeypatch.setenv("DIGESTBOT_DISCORD__ADMINS", DISCORD_ADMIN)
        monkeypatch.setenv("DIGESTBOT_SLACK__ADMINS", SLACK_ADMIN)
        config = make_config(
            discord=discord_api,
            slack=slack_api,
            schedule={"enabled": False, "shutdown_grace_seconds": 1},
            approval={"enabled": True, **settings},
        )
        path = Path(config.path)
        text = path.read_text().replace(
            "[discord]",
            f'[discord]\ngateway_url = "{discord_api.gateway.url}"',
        )
        text = text.replace(
            "[slack]",
            '[slack]\nmode = "socket"',
        )
        path.write_text(text)
        return Approval(discord_api, slack_api, path)

    return configure


async def generate(setup: Approval) -> str:
    result = await setup.run("generate", "--date", str(DAY))
    assert result.exit_code == 0, result.output
    return result.output


def assert_pending_drafts(setup: Approval) -> None:
    discord, slack = setup.drafts()
    assert "Draft" in discord["content"] and "Approve" not in discord["content"]
    assert "Draft" in slack["blocks"][0]["text"]["text"]
    (actions,) = [b for b in slack["blocks"] if b["type"] == "actions"]
    assert [(e["type"], e["text"]["text"], e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("button", "Approve", "digestbot_approve", str(DAY)),
        ("button", "Skip", "digestbot_skip", str(DAY)),
    ]  # fmt: skip
    (row,) = setup.discord_components()[0]
    assert row["type"] == 1
    assert [(b["type"], b["label"], b["custom_id"]) for b in row["components"]] == [
        (2, "Approve", f"digestbot:approve:{DAY}"),
        (2, "Skip", f"digestbot:skip:{DAY}"),
    ]


def assert_decided_drafts(setup: Approval, words: str, discord_by: str, slack_by: str) -> None:
    """Both drafts say who decided and have no buttons left."""
    discord, slack = setup.drafts()
    assert f"{words} by {discord_by}" in discord["content"], discord["content"]
    assert setup.discord_components()[-1] == []  # the buttons removed
    assert f"{words} by {slack_by}" in slack["blocks"][0]["text"]["text"]
    assert slack["text"].startswith(f"{words} by {slack_by}")  # the notification's words
    assert not [b for b in slack["blocks"] if b["type"] == "actions"]


# -- the flow ------------------------------------------------------------------------------


@pytest.mark.timeout(120)
async def test_an_admin_approves_and_only_then_the_channels_get_the_digest(
    approval: Callable[..., Approval],
) -> None:
    setup = approval()
    output = await generate(setup)
    assert "the digest awaits approval in 2 admin channels" in output
    nothing = dict.fromkeys([*DISCORD_CHANNELS, *SLACK_CHANNELS], 0)
    assert setup.channel_messages() == nothing and setup.blog_posts() == []
    assert_pending_drafts(setup)
    await generate(setup)  # again: the drafts are there already
    assert setup.channel_messages() == nothing and len(setup.drafts()) == 2
    held = await setup.run("publish", "--date", str(DAY))
    assert held.exit_code == 1 and held.stdout == ""
    assert held.stderr.strip() == (
        f"digestbot: error: the digest of {DAY} awaits approval: an admin presses Approve "
        "or Skip on its draft in the admin channel"
    )
    now = datetime.now(UTC)
    async with setup.bot(lambda: now):
        # Anyone else is told so, privately, on either platform, and nothing changes.
        assert await setup.press_discord("approve", DISCORD_OTHER) == NOT_ADMIN
        assert await setup.press_slack("approve", SLACK_OTHER) == NOT_ADMIN
        assert setup.channel_messages() == nothing
        assert_pending_drafts(setup)
        # An admin's Approve publishes everywhere, and both drafts say who approved.
        answer = await setup.press_slack("approve", SLACK_ADMIN)
        assert answer.startswith("Approved: ") and "discord: 2/2 channels" in answer
        published = setup.channel_messages()
        assert all(published.values()), published
        assert len(setup.blog_posts()) == 1
        assert_decided_drafts(setup, "Approved", f"Slack user {SLACK_ADMIN}", f"<@{SLACK_ADMIN}>")
        # A second press, by any admin, is told it is decided already.
        again = await setup.press_discord("skip", DISCORD_ADMIN)
        assert again.startswith(f"Already decided: Approved by Slack user {SLACK_ADMIN}")
        assert setup.channel_messages() == published
    with open_store(str(setup.path.parent / "history.db")) as store:
        sent = store.db.rows("select state from deliveries")
    assert sum(published.values()) == len(sent) and {r["state"] for r in sent} == {"sent"}
    # publish afterwards works as ever, and posts nothing twice.
    result = await setup.run("publish", "--date", str(DAY))
    assert result.exit_code == 0, result.output
    assert setup.channel_messages() == published


@pytest.mark.timeout(120)
async def test_skip_publishes_nowhere(approval: Callable[..., Approval]) -> None:
    setup = approval()
    await generate(setup)
    now = datetime.now(UTC)
    async with setup.bot(lambda: now):
        answer = await setup.press_discord("skip", DISCORD_ADMIN)
        assert answer == f"Skipped: the digest of {DAY} goes to no channel."
        assert_decided_drafts(
            setup, "Skipped", f"<@{DISCORD_ADMIN}>", f"Discord user {DISCORD_ADMIN}"
        )
    assert set(setup.channel_messages().values()) == {0} and setup.blog_posts() == []
    held = await setup.run("publish", "--date", str(DAY))
    assert held.exit_code == 1
    assert (
        f"the digest of {DAY} was skipped (Skipped by Discord user {DISCORD_ADMIN}" in held.stderr
    )
    await generate(setup)  # a run again for the day publishes nothing either
    assert set(setup.channel_messages().values()) == {0} and len(setup.drafts()) == 2


@pytest.mark.timeout(120)
async def test_two_admins_pressing_at_once_make_one_decision(
    approval: Callable[..., Approval],
) -> None:
    setup = approval()
    await generate(setup)
    now = datetime.now(UTC)
    async with setup.bot(lambda: now):
        answers = await asyncio.gather(
            setup.press_discord("approve", DISCORD_ADMIN),
            setup.press_slack("skip", SLACK_ADMIN),
        )
        decided = [a for a in answers if not a.startswith("Already decided")]
        assert len(decided) == 1, answers
        published = setup.channel_messages()
        if decided[0].startswith("Approved"):
            assert answers[1].startswith("Already decided: Approved by Discord user")
            assert all(published.values()), published
        else:
            assert answers[0].startswith("Already decided: Skipped by Slack user")
            assert set(published.values()) == {0}
    assert setup.discord_components().count([]) == 1  # the drafts edited once


# -- the deadline ------------------------------------------------------------------------------


@pytest.mark.timeout(120)
async def test_a_draft_undecided_past_the_deadline_is_published_by_the_running_bot(
    approval: Callable[..., Approval], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock is the app's: it moves past the deadline while the bot runs, and the
    watcher (looking every 0.05 s here, as it does every minute) publishes the day."""
    monkeypatch.setattr(runner_module, "DEADLINE_CHECK_SECONDS", 0.05)
    setup = approval(deadline=1, on_deadline="publish")
    drafted = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
    now = [drafted]
    await setup.app(lambda: now[0]).generate(DAY)
    assert set(setup.channel_messages().values()) == {0}
    now[0] = drafted + timedelta(seconds=50)
    async with setup.bot(lambda: now[0]) as bot:
        # The watcher looked at start (the bot has connected since): not yet.
        assert setup.state() == "pending" and set(setup.channel_messages().values()) == {0}
        now[0] = drafted + timedelta(seconds=61)
        await until(lambda: all(setup.channel_messages().values()), 30)
        await until(setup.drafts_decided, 10)
        assert_decided_drafts(setup, "Approved", "the deadline", "the deadline")
        assert await setup.press_discord("skip", DISCORD_ADMIN) == (
            "Already decided: Approved by the deadline at 2026-11-30 05:31 UTC."
        )
        assert bot.ready.is_set()


@pytest.mark.timeout(120)
async def test_the_watcher_wakes_at_the_deadline_itself(
    approval: Callable[..., Approval],
) -> None:
    """A clock that runs, half a second short of the deadline at start: the watcher
    sleeps until the deadline (not its minute between looks) and publishes then."""
    setup = approval(deadline=1, on_deadline="publish")
    drafted = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
    await setup.app(lambda: drafted).generate(DAY)
    started = time.monotonic()
    start = drafted + timedelta(seconds=59.5)
    async with setup.bot(lambda: start + timedelta(seconds=time.monotonic() - started)):
        await until(lambda: all(setup.channel_messages().values()), 20)
        await until(setup.drafts_decided, 10)


@pytest.mark.timeout(120)
async def test_a_draft_already_past_its_deadline_at_start_is_skipped_at_once(
    approval: Callable[..., Approval],
) -> None:
    setup = approval(deadline=1, on_deadline="skip")
    drafted = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
    await setup.app(lambda: drafted).generate(DAY)
    async with setup.bot(lambda: drafted + timedelta(minutes=5)):
        await until(setup.drafts_decided, 30)
        assert_decided_drafts(setup, "Skipped", "the deadline", "the deadline")
    assert set(setup.channel_messages().values()) == {0} and setup.blog_posts() == []


# -- the settings ------------------------------------------------------------------------------


def test_approval_without_an_admin_channel_is_a_settings_error(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="approval: enabled, but there is no admin channel"):
        make_config(approval={"enabled": True, "deadline": 1})
    result = run_cli("--config", str(tmp_path / "digestbot.toml"), "config", "check")
    assert result.exit_code == 1 and "no admin channel" in result.output


def test_config_check_states_the_approval(approval: Callable[..., Approval]) -> None:
    setup = approval(deadline=30, on_deadline="skip")
    result = setup.cli("config", "check")
    assert "approval     drafts to the admins first; skip after 30 min undecided" in result.stdout


# -- the drafts' limits --------------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "approved"])
def test_the_largest_digest_s_draft_is_one_message_within_each_platform_s_limits(
    state: str,
) -> None:
    from digestbot.chat.discord.approval import render_draft as discord_draft
    from digestbot.chat.slack.approval import render_draft as slack_draft
    from digestbot.chat.slack.render import SIZE_BUDGET
    from digestbot.core.approval import Decision
    from digestbot.core.models import Analysis, Prediction, SourcePost, Topic, Trending
    from tests.limits import check_discord, check_slack, slack_size
    from tests.test_render_limits import MOMENT, OK, digest

    hostile = "**[x](https://e.example)** <@1> @everyone `#` > _~|" * 40
    topics = [
        Topic(
            SourcePost(f"p{i}", "r", hostile, "https://e.example/" + "a" * 600, MOMENT, hostile),
            title=f"T{i:02d} {hostile}",
            analysis=Analysis(OK, hostile * 5, hostile * 5),
        )
        for i in range(1, 26)
    ]
    trending = [Trending(f"t{i}", hostile, "https://e.example/" + "b" * 490) for i in range(50)]
    predictions = [Prediction(hostile, hostile, hostile * 3) for _ in range(60)]
    big = digest(topics, trending, predictions)
    decision = Decision(state, "slack:U0000000ADM", "2026-11-30T05:42:00+00:00")
    discord, slack = discord_draft(big, decision), slack_draft(big, decision)
    check_discord([discord])
    actions = [b for b in slack.blocks if b["type"] == "actions"]
    check_slack([replace(slack, blocks=tuple(b for b in slack.blocks if b not in actions))])
    assert len(slack.blocks) <= 50 and slack_size(slack) <= SIZE_BUDGET
    assert "@everyone" not in discord.content  # made inert, as in every message
    assert discord.content.endswith("the channels get all of it)")
    assert bool(discord.components) == (state == "pending")
    assert actions == ([slack.blocks[-1]] if state == "pending" else [])  # the buttons last
