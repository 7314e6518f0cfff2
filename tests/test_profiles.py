"""Channel profiles: the file's `[channels."<id>"]` overlaid by what admins set in chat
with `/digest settings` (the real slack-bolt app in Socket Mode, the real discord.py
client on the fake gateway), listed by `digestbot channels`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from digestbot.cli.channels import channel_profiles
from digestbot.config.loader import Config, load
from digestbot.core.commands import DigestService, parse_text
from digestbot.core.errors import CommandError
from digestbot.core.models import DigestRequest, Want
from digestbot.storage.store import Store, open_store
from tests.conftest import DISCORD_CHANNELS, SLACK_CHANNELS, ConfigFactory, run_cli, until
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.test_startup import HEAVY, SDKS, modules_loaded_by, tops

FILE_ONLY, CHAT_ONLY = "C0000000333", "C0000000444"
DISCORD_ADMIN, SLACK_ADMIN = "777777777777777777", "UADMIN"
APP_TOKEN = "xapp-slack-token"


def with_editions(config: Config, toml: str) -> Config:
    """The settings file with these `[channels."<id>"]` tables added, loaded again."""
    path = Path(config.path)
    path.write_text(path.read_text() + toml)
    return load(str(path), env_file=None)


@pytest.fixture
def config(make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack) -> Config:
    return with_editions(
        make_config(discord=discord_api, slack=slack_api, selection={"topics": 5}),
        f'[channels."{SLACK_CHANNELS[0]}"]\ntopics = 3\nlanguage = "German"\n'
        f'[channels."{FILE_ONLY}"]\nfocus = "robotics, vision"\ntime = "07:15"\n',
    )


def channels_json(config: Config) -> dict[str, dict[str, Any]]:
    result = run_cli("--config", config.path, "channels", "--json")
    assert result.exit_code == 0, result.output
    return {entry["channel"]: entry for entry in json.loads(result.stdout)}


# -- the merge -------------------------------------------------------------------------------


def test_chat_overlays_the_file_field_by_field_and_clearing_falls_back(config: Config) -> None:
    with open_store(config.settings.storage.database) as store:
        book = channel_profiles(config.settings, store.profiles)
        channel = SLACK_CHANNELS[0]
        plain = book.profile("slack", channel)
        assert (plain.topics, plain.language, plain.time) == (3, "German", "05:30")
        assert plain.origin == {
            "topics": "file", "language": "file", "focus": "default", "threads": "default",
            "time": "default",
        }  # fmt: skip
        changed = book.change(
            "slack",
            channel,
            [("topics", "4"), ("focus", "agents, rl"), ("threads", "on")],
            [],
            "U9",
        )
        assert (changed.topics, changed.language, changed.focus, changed.threads) == (
            4, "German", ["agents", "rl"], True,
        )  # fmt: skip
        assert (changed.origin["topics"], changed.origin["language"]) == ("chat", "file")
        assert changed.updated_by == "U9"
        # Cleared in chat: the file's value again, or the default where the file has none.
        later = book.change("slack", channel, [("time", "06:00")], [], "U8")
        assert (later.time, later.topics, later.updated_by) == ("06:00", 4, "U8")  # by the last
        cleared = book.change(
            "slack", channel, [("focus", "default")], ["topics", "threads", "time"], "U9"
        )
        assert (cleared.topics, cleared.origin["topics"]) == (3, "file")
        assert (cleared.focus, cleared.origin["focus"]) == ([], "default")
        assert (cleared.threads, cleared.origin["threads"]) == (False, "default")
        assert store.profiles.get("slack", channel) is None  # nothing left set in chat


def test_threads_default_to_the_platforms_setting(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGESTBOT_DISCORD__THREADS", "true")
    listed = channels_json(load(config.path, env_file=None))
    assert listed[DISCORD_CHANNELS[0]]["threads"] is True
    assert listed[SLACK_CHANNELS[0]]["threads"] is False
    assert listed[DISCORD_CHANNELS[0]]["from"]["threads"] == "default"


def test_a_bad_value_is_refused_and_nothing_is_stored(config: Config) -> None:
    with open_store(config.settings.storage.database) as store:
        book = channel_profiles(config.settings, store.profiles)
        for changes, said in [
            ([("topics", "30")], "topics: must be at most 25"),
            ([("topics", "four")], "topics must be a number from 1 to 25"),
            ([("topics", "0")], "topics must be a number from 1 to 25"),
            ([("language", "German; ignore all")], "is not a language's name"),
            ([("time", "7am")], "is not a time like 05:30"),
            ([("threads", "maybe")], "threads must be on or off"),
            ([("colour", "red")], "There is no setting 'colour'"),
        ]:
            with pytest.raises(CommandError) as refused:
                book.change("slack", CHAT_ONLY, changes, [], "U9")
            assert said in str(refused.value)
        assert store.profiles.all() == []


def test_slack_words_are_parsed_with_quotes() -> None:
    text = 'settings topics=4 language=German focus="robotics, vision" threads=on time=07:00'
    request = parse_text(text, "U1", True, platform="slack", channel="C0000000111")
    assert request == DigestRequest(
        "U1", True, Want.SETTINGS, platform="slack", channel="C0000000111",
        changes=(
            ("topics", "4"), ("language", "German"), ("focus", "robotics, vision"),
            ("threads", "on"), ("time", "07:00"),
        ),
    )  # fmt: skip
    smart = parse_text("settings focus=“a b, c” clear=time,topics", "U1", True)
    assert (smart.changes, smart.clear) == ((("focus", "a b, c"),), ("time", "topics"))
    assert parse_text("settings", "U1", False).changes == ()


# -- digestbot channels ------------------------------------------------------------------------


def test_channels_lists_the_platforms_the_file_and_chat(config: Config) -> None:
    listed = channels_json(config)  # no database yet: the file's profiles only
    assert not Path(config.settings.storage.database).exists()
    assert set(listed) == {*DISCORD_CHANNELS, *SLACK_CHANNELS, FILE_ONLY}
    with open_store(config.settings.storage.database) as store:
        store.profiles.put("slack", CHAT_ONLY, {"language": "French"}, "U9")
    listed = channels_json(config)
    assert list(listed) == [*DISCORD_CHANNELS, *SLACK_CHANNELS, FILE_ONLY, CHAT_ONLY]
    edition = listed[SLACK_CHANNELS[0]]
    assert {k: edition[k] for k in ("platform", "topics", "language", "focus", "time")} == {
        "platform": "slack", "topics": 3, "language": "German", "focus": [], "time": "05:30",
    }  # fmt: skip
    assert listed[DISCORD_CHANNELS[0]]["platform"] == "discord"
    assert listed[DISCORD_CHANNELS[0]]["topics"] == 5  # [selection] topics
    assert listed[FILE_ONLY]["focus"] == ["robotics", "vision"]
    assert listed[FILE_ONLY]["time"] == "07:15"
    assert listed[CHAT_ONLY]["language"] == "French"
    assert listed[CHAT_ONLY]["from"]["language"] == "chat"
    assert listed[CHAT_ONLY]["updated_by"] == "U9"
    table = run_cli("--config", config.path, "channels")
    assert table.exit_code == 0 and "German +" in table.stdout and "French *" in table.stdout


def test_channels_is_a_quick_command(config: Config, tmp_path: Path) -> None:
    loaded = tops(modules_loaded_by(tmp_path, "--config", config.path, "channels"))
    assert not loaded & SDKS, sorted(loaded & SDKS)
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


# -- /digest settings in chat ----------------------------------------------------------------


@asynccontextmanager
async def service_on(config: Config) -> AsyncIterator[tuple[DigestService, Store]]:
    store = open_store(config.settings.storage.database)

    async def no_digest(day: Any, force: bool) -> Any:
        raise AssertionError("settings make no digest")

    try:
        book = channel_profiles(config.settings, store.profiles)
        yield DigestService(store, no_digest, cooldown=timedelta(0), profiles=book), store
    finally:
        store.close()


@pytest.mark.timeout(60)
async def test_slack_settings_from_an_admin_are_stored_others_are_refused(
    config: Config, slack_api: FakeSlack
) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from digestbot.chat.slack.app import build_app, slack_client

    socket, channel = slack_api.socket, SLACK_CHANNELS[0]
    async with service_on(config) as (service, _):
        client = slack_client("xoxb-slack-token", f"{slack_api.url}/api/")
        handler = AsyncSocketModeHandler(build_app(service, client, {SLACK_ADMIN}), APP_TOKEN)
        await handler.connect_async()
        try:

            async def answer(text: str, user: str) -> dict[str, Any]:
                envelope = await asyncio.to_thread(
                    socket.slash_command, text, user=user, channel=channel
                )
                await until(lambda: slack_api.responses(envelope))
                (reply,) = slack_api.responses(envelope)
                return reply

            refused = await answer("settings topics=2", "U1")
            assert refused["response_type"] == "ephemeral"
            assert "Only admins can change a channel's settings." in refused["text"]
            assert channels_json(config)[channel]["topics"] == 3  # the file's, unchanged
            changed = await answer("settings topics=4", SLACK_ADMIN)
            assert "• topics: 4 (set in chat)" in changed["text"]
            assert "• language: German (settings file)" in changed["text"]
            bad = await answer("settings topics=26", SLACK_ADMIN)
            assert "Not changed: topics: must be at most 25 (got 26)." in bad["text"]
            shown = await answer("settings", "U1")  # anyone may look
            assert "• topics: 4 (set in chat)" in shown["text"]
            assert shown["response_type"] == "ephemeral"
        finally:
            await handler.close_async()
    edition = channels_json(config)[channel]
    assert (edition["platform"], edition["topics"], edition["updated_by"]) == (
        "slack", 4, SLACK_ADMIN,
    )  # fmt: skip
    assert edition["from"]["topics"] == "chat"


@pytest.mark.timeout(60)
async def test_discord_settings_from_an_admin_are_stored_others_are_refused(
    config: Config, discord_api: FakeDiscord
) -> None:
    import discord
    import yarl
    from discord.gateway import DiscordWebSocket

    from digestbot.chat.discord.client import build_bot

    gateway, channel = discord_api.gateway, DISCORD_CHANNELS[1]
    default = DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{discord_api.url}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway.url)
    try:
        async with service_on(config) as (service, _):
            client = build_bot(service, {DISCORD_ADMIN})
            running = asyncio.create_task(client.start("discord-token"))
            await asyncio.wait_for(client.wait_until_ready(), 20)

            async def answer(options: dict[str, Any], user: str) -> dict[str, Any]:
                token = await asyncio.to_thread(
                    gateway.interaction, options, user=user, channel=channel
                )
                await until(lambda: len(discord_api.replies(token)) >= 2)
                callback, reply = discord_api.replies(token)
                assert callback["data"] == {"flags": 64}  # the wait, and so the answer: private
                return reply

            refused = await answer({"settings": True, "topics": 2}, "42")
            assert "Only admins can change" in refused["content"]
            assert channels_json(config)[channel]["topics"] == 5
            changed = await answer(
                {"settings": True, "topics": 4, "language": "German", "threads": True},
                DISCORD_ADMIN,
            )
            assert "topics: 4 (set in chat)" in changed["content"]
            bad = await answer({"time": "25:00"}, DISCORD_ADMIN)
            assert "Not changed" in bad["content"] and "is not a time like 05:30" in bad["content"]
            await answer({"clear": "language"}, DISCORD_ADMIN)
            await client.close()
            await asyncio.wait_for(running, 10)
    finally:
        DiscordWebSocket.DEFAULT_GATEWAY = default
    edition = channels_json(config)[channel]
    assert (edition["platform"], edition["topics"], edition["threads"]) == ("discord", 4, True)
    assert (edition["language"], edition["from"]["language"]) == ("", "default")
    assert edition["updated_by"] == DISCORD_ADMIN


def test_discord_sync_registers_the_settings_options(
    make_config: ConfigFactory, discord_api: FakeDiscord
) -> None:
    config = make_config(discord=discord_api)
    result = run_cli("--config", str(config.path), "discord-sync")
    assert result.exit_code == 0, result.output
    (command,) = discord_api.registered
    options = {o["name"]: o for o in command["options"]}
    assert {"day", "topic", "status", "search", "public", "force"} <= set(options)  # as before
    assert {"settings", "topics", "language", "focus", "threads", "time", "clear"} <= set(options)
    assert (options["topics"]["type"], options["topics"]["min_value"]) == (4, 1)
    assert options["topics"]["max_value"] == 25
