"""`digestbot run` with the team's side of issue 13: reactions to a topic's own message,
on Discord and Slack, are votes that `digestbot feedback` counts; removing one takes
the vote back; the bot connects with the reactions intent."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DISCORD_CHANNELS, SLACK_CHANNELS, run_cli
from tests.fakes.reactions import discord_reaction, slack_reaction
from tests.test_live import Live, live  # noqa: F401  (the fixture)

GUILD_MESSAGE_REACTIONS = 1 << 10


def feedback(setup: Live) -> list[dict]:
    result = run_cli("--config", str(setup.config), "feedback", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def votes(setup: Live) -> dict[str, tuple[int, int]]:
    return {entry["title"]: (entry["up"], entry["down"]) for entry in feedback(setup)}


@pytest.mark.timeout(120)
def test_reactions_to_topic_messages_are_counted_and_taken_back(live: Live) -> None:  # noqa: F811
    live.configure()
    bot = live.start()
    gateway = live.discord.gateway
    bot.until(lambda: gateway.connected, 30, "READY on the Discord gateway")
    bot.until(lambda: live.slack.socket.live is not None, 30, "Slack Socket Mode")
    bot.until(live.day_is_delivered, 60, "the day's digest in every channel")
    (identify,) = gateway.identifies
    assert identify["intents"] & GUILD_MESSAGE_REACTIONS
    discord_topic = live.discord.copies(DISCORD_CHANNELS[0])[1]  # after the headline
    slack_topic = live.slack.copies(SLACK_CHANNELS[0])[1]
    title = discord_topic["embeds"][0]["title"].split(". ", 1)[1]

    gateway.dispatch(
        *discord_reaction(
            added=True, user="444444444444444444", channel=DISCORD_CHANNELS[0],
            message=discord_topic["id"],
        )
    )  # fmt: skip
    live.slack.socket.send(
        slack_reaction(added=True, user="U0000000444", channel=SLACK_CHANNELS[0],
                       ts=slack_topic["ts"])
    )  # fmt: skip
    live.slack.socket.send(
        slack_reaction(added=True, user="U0000000555", channel=SLACK_CHANNELS[0],
                       ts=slack_topic["ts"], reaction="-1")
    )  # fmt: skip
    bot.until(lambda: votes(live).get(title) == (2, 1), 30, "three votes counted")
    # The headline is no topic: a reaction there is no vote.
    headline = live.discord.copies(DISCORD_CHANNELS[1])[0]
    gateway.dispatch(
        *discord_reaction(
            added=True, user="444444444444444444", channel=DISCORD_CHANNELS[1],
            message=headline["id"],
        )
    )  # fmt: skip
    gateway.dispatch(
        *discord_reaction(
            added=False, user="444444444444444444", channel=DISCORD_CHANNELS[0],
            message=discord_topic["id"],
        )
    )  # fmt: skip
    bot.until(lambda: votes(live).get(title) == (1, 1), 30, "the removed vote taken back")
    assert sum(up + down for up, down in votes(live).values()) == 2
    bot.terminate()
