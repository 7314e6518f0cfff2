"""Reactions are votes: 👍 and 👎 (configurable) on a topic's message, from Discord's
Gateway and Slack's Socket Mode (the real clients against the fakes), kept per topic and
channel, gone with the reaction; `digestbot feedback` counts them; the weights they give
the ranking."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from digestbot.config.settings import FeedbackSettings
from digestbot.core import feedback
from digestbot.core.feedback import Reaction, TopicVotes, VoteCounter
from digestbot.core.models import Analysis, AnalysisStatus, Digest, DigestMode, SourcePost, Topic
from digestbot.storage.store import Store, open_store
from tests.conftest import DISCORD_CHANNELS, SLACK_CHANNELS, run_cli, until
from tests.fakes.discord import BOT_USER, FakeDiscord
from tests.fakes.reactions import SLACK_BOT_USER, discord_reaction, slack_reaction
from tests.fakes.slack import FakeSlack
from tests.test_startup import HEAVY, SDKS, modules_loaded_by, tops

DAY, EARLIER = date(2026, 11, 23), date(2026, 11, 22)
DISCORD, SLACK = DISCORD_CHANNELS[0], SLACK_CHANNELS[0]
THREAD = "444444444444444444"  # a thread in the Discord channel: reactions there name it
TITLES = {
    "p1": "[R] Agents that plan with diffusion",
    "p2": "A faster tokenizer for code",
    "p0": "Robots learn to fold laundry",
}
SOURCES = {"p1": "reddit:MachineLearning", "p2": "Hacker News", "p0": "Hacker News"}
# The messages delivered: (day, platform, channel, part, message id, topic shown).
MESSAGES = [
    (DAY, "discord", DISCORD, 0, "500000000000000000", ""),  # the headline
    (DAY, "discord", DISCORD, 1, "500000000000000001", "p1"),
    (DAY, "discord", DISCORD, 2, "500000000000000002", "p2"),
    (DAY, "slack", SLACK, 0, "1764400000.000100", ""),
    (DAY, "slack", SLACK, 1, "1764400000.000200", "p1"),
    (DAY, "slack", SLACK, 2, "1764400000.000300", "p2"),
    (EARLIER, "discord", DISCORD, 1, "400000000000000001", "p0"),
]
HEADLINE, TOPIC_1, TOPIC_2 = (m[4] for m in MESSAGES[:3])
SLACK_HEADLINE, SLACK_TOPIC_1, SLACK_TOPIC_2 = (m[4] for m in MESSAGES[3:6])


def make_digest(day: date, post_ids: list[str]) -> Digest:
    moment = datetime.combine(day, datetime.min.time(), UTC).replace(hour=5)
    topics = tuple(
        Topic(
            post=SourcePost(
                id=pid,
                source=SOURCES[pid],
                title=TITLES[pid],
                url=f"https://discussion.example/{pid}",
                created_utc=moment,
            ),
            title=TITLES[pid],
            analysis=Analysis(AnalysisStatus.OK, "good", "bad"),
        )
        for pid in post_ids
    )
    return Digest(day, moment, "m", DigestMode.FULL, topics, (), ())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """The default database of the test's folder with two days' digests delivered, one
    message per topic, each recorded by the ledger with the topic it shows."""
    with open_store(str(tmp_path / "digestbot.db")) as store:
        store.digests.save(make_digest(EARLIER, ["p0"]), None)
        store.digests.save(make_digest(DAY, ["p1", "p2"]), None)
        for day, platform, channel, part, message_id, topic in MESSAGES:
            store.ledger.mark_sending(day, platform, channel, part, f"key-{part}", "f", topic)
            store.ledger.mark_sent(day, platform, channel, part, message_id, "f", topic)
        yield store


def counter(store: Store) -> VoteCounter:
    settings = FeedbackSettings()
    return VoteCounter(store.votes, settings.up, settings.down)


def votes(store: Store) -> list[tuple[str, str, str, str, int, str]]:
    return [
        tuple(r.values())
        for r in store.db.rows(
            "select platform, channel, message_id, user, value, post_id from votes "
            "order by platform, message_id, user"
        )
    ]


def topic(topics: list[TopicVotes], post_id: str) -> TopicVotes:
    (found,) = [t for t in topics if t.post_id == post_id]
    return found


# -- Discord: the real client on the fake Gateway ---------------------------------------------


@pytest.mark.timeout(60)
async def test_discord_reactions_on_topic_messages_are_votes(
    discord_api: FakeDiscord, store: Store
) -> None:
    import discord
    import yarl
    from discord.gateway import DiscordWebSocket

    from digestbot.chat.discord.reactions import INTENTS, attach_reactions

    gateway = discord_api.gateway
    default = DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{discord_api.url}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway.url)
    seen: list[tuple[Reaction, bool]] = []
    count = counter(store)

    async def sink(reaction: Reaction) -> None:
        seen.append((reaction, await count(reaction)))

    client = discord.Client(intents=INTENTS)
    attach_reactions(client, sink)
    task = asyncio.create_task(client.start("discord-token"))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 20)
        (identify,) = gateway.identifies
        reactions_intent, guilds_intent = 1 << 10, 1 << 0  # GUILD_MESSAGE_REACTIONS, GUILDS
        assert identify["intents"] == reactions_intent | guilds_intent  # none privileged

        async def react(expected: int, **event: str | bool) -> None:
            await asyncio.to_thread(gateway.dispatch, *discord_reaction(**event))
            await until(lambda: len(seen) >= expected, 10)

        await react(1, added=True, user="42", channel=DISCORD, message=TOPIC_1)
        await react(2, added=True, user="43", channel=DISCORD, message=TOPIC_1, emoji="👎🏽")
        # In the topic's thread, the event names the thread: the message alone decides.
        await react(3, added=True, user="43", channel=THREAD, message=TOPIC_2)
        await react(4, added=True, user="42", channel=DISCORD, message=HEADLINE)  # no topic
        await react(5, added=True, user="42", channel=DISCORD, message=TOPIC_2, emoji="🎉")
        # The bot's own reaction never reaches the votes; the next one shows it was read.
        await asyncio.to_thread(
            gateway.dispatch,
            *discord_reaction(added=True, user=BOT_USER["id"], channel=DISCORD, message=TOPIC_2),
        )
        await react(6, added=True, user="44", channel=DISCORD, message=TOPIC_2)
        assert [kept for _, kept in seen] == [True, True, True, False, False, True]
        assert BOT_USER["id"] not in {r.user for r, _ in seen}
        assert votes(store) == [
            ("discord", DISCORD, TOPIC_1, "42", 1, "p1"),
            ("discord", DISCORD, TOPIC_1, "43", -1, "p1"),
            ("discord", DISCORD, TOPIC_2, "43", 1, "p2"),
            ("discord", DISCORD, TOPIC_2, "44", 1, "p2"),
        ]
        # Removed, the vote is gone: an added and removed reaction counts zero.
        await react(7, added=False, user="42", channel=DISCORD, message=TOPIC_1)
        await react(8, added=False, user="43", channel=THREAD, message=TOPIC_2)
        assert votes(store) == [
            ("discord", DISCORD, TOPIC_1, "43", -1, "p1"),
            ("discord", DISCORD, TOPIC_2, "44", 1, "p2"),
        ]
        p1 = topic(store.votes.topics(), "p1")
        assert (p1.up, p1.down, p1.channels) == (0, 1, (("discord", DISCORD, 0, 1),))
    finally:
        await client.close()
        await asyncio.wait_for(task, 10)
        DiscordWebSocket.DEFAULT_GATEWAY = default


def test_the_discord_bot_never_counts_its_own_reaction() -> None:
    import discord

    from digestbot.chat.discord.reactions import reaction_of

    _, data = discord_reaction(added=True, user=BOT_USER["id"], channel=DISCORD, message="1")
    payload = discord.RawReactionActionEvent(
        data, discord.PartialEmoji.from_dict(data["emoji"]), "REACTION_ADD"
    )
    assert reaction_of(payload, int(BOT_USER["id"])) is None
    assert reaction_of(payload, 999) == Reaction(
        "discord", DISCORD, "1", BOT_USER["id"], "👍", True
    )


# -- Slack: a real Bolt app in Socket Mode on the fake --------------------------------------


@pytest.mark.timeout(60)
async def test_slack_reactions_on_topic_messages_are_votes(
    slack_api: FakeSlack, store: Store
) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from digestbot.chat.slack.reactions import attach_reactions

    socket = slack_api.socket
    seen: list[tuple[Reaction, bool]] = []
    count = counter(store)

    async def sink(reaction: Reaction) -> None:
        seen.append((reaction, await count(reaction)))

    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-slack-token", base_url=f"{slack_api.url}/api/")
    )
    attach_reactions(app, sink)
    handler = AsyncSocketModeHandler(app, "xapp-slack-token")
    await handler.connect_async()
    try:

        async def react(expected: int, **event: str | bool) -> None:
            envelope = slack_reaction(**event)
            await asyncio.to_thread(socket.send, envelope)
            await asyncio.to_thread(socket.wait_acked, envelope["envelope_id"])
            await until(lambda: len(seen) >= expected, 10)

        await react(1, added=True, user="U1", channel=SLACK, ts=SLACK_TOPIC_1)
        await react(2, added=True, user="U2", channel=SLACK, ts=SLACK_TOPIC_1,
                    reaction="+1::skin-tone-3")  # fmt: skip
        await react(3, added=True, user="U2", channel=SLACK, ts=SLACK_TOPIC_2,
                    reaction="thumbsdown")  # fmt: skip
        await react(4, added=True, user="U1", channel=SLACK, ts=SLACK_HEADLINE)  # no topic
        # The same ts in another channel is another message.
        await react(5, added=True, user="U1", channel=SLACK_CHANNELS[1], ts=SLACK_TOPIC_2)
        # Not counted: the bot's own, and a reaction to a file; then one that is.
        for ignored in (
            slack_reaction(added=True, user=SLACK_BOT_USER, channel=SLACK, ts=SLACK_TOPIC_2),
            slack_reaction(added=True, user="U1", channel=SLACK, ts="", item_type="file"),
        ):
            await asyncio.to_thread(socket.send, ignored)
            await asyncio.to_thread(socket.wait_acked, ignored["envelope_id"])
        await react(6, added=True, user="U3", channel=SLACK, ts=SLACK_TOPIC_2, reaction="-1")
        assert [kept for _, kept in seen] == [True, True, True, False, False, True]
        assert votes(store) == [
            ("slack", SLACK, SLACK_TOPIC_1, "U1", 1, "p1"),
            ("slack", SLACK, SLACK_TOPIC_1, "U2", 1, "p1"),
            ("slack", SLACK, SLACK_TOPIC_2, "U2", -1, "p2"),
            ("slack", SLACK, SLACK_TOPIC_2, "U3", -1, "p2"),
        ]
        # Removing a reaction (its skin tone included) removes the vote.
        await react(7, added=False, user="U2", channel=SLACK, ts=SLACK_TOPIC_1,
                    reaction="+1::skin-tone-3")  # fmt: skip
        await react(8, added=False, user="U3", channel=SLACK, ts=SLACK_TOPIC_2, reaction="-1")
        assert votes(store) == [
            ("slack", SLACK, SLACK_TOPIC_1, "U1", 1, "p1"),
            ("slack", SLACK, SLACK_TOPIC_2, "U2", -1, "p2"),
        ]
        assert socket.unknown_messages == []
    finally:
        await handler.close_async()


def test_the_slack_bot_never_counts_its_own_reaction() -> None:
    from digestbot.chat.slack.reactions import reaction_of

    event = slack_reaction(added=True, user=SLACK_BOT_USER, channel=SLACK, ts="1.2")
    assert reaction_of(event["payload"]["event"], SLACK_BOT_USER) is None
    assert reaction_of(event["payload"]["event"], "UOTHER") == Reaction(
        "slack", SLACK, "1.2", SLACK_BOT_USER, "+1", True
    )


# -- digestbot feedback ------------------------------------------------------------------------


async def vote(store: Store, platform: str, channel: str, message: str, user: str, emoji: str):
    assert await counter(store)(Reaction(platform, channel, message, user, emoji, True))


async def test_feedback_lists_each_topic_with_its_votes_across_channels(store: Store) -> None:
    await vote(store, "discord", DISCORD, TOPIC_1, "42", "👍")
    await vote(store, "discord", DISCORD, TOPIC_1, "43", "👍")
    await vote(store, "slack", SLACK, SLACK_TOPIC_1, "U1", "+1")
    await vote(store, "slack", SLACK, SLACK_TOPIC_2, "U1", "-1")
    await vote(store, "discord", DISCORD, "400000000000000001", "42", "👎")
    result = run_cli("feedback", "--json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert [(e["day"], e["title"], e["up"], e["down"]) for e in entries] == [
        ("2026-11-23", TITLES["p1"], 3, 0),
        ("2026-11-23", TITLES["p2"], 0, 1),
        ("2026-11-22", TITLES["p0"], 0, 1),
    ]
    first = entries[0]
    assert first["link"] == "https://discussion.example/p1"
    assert first["source"] == "r/MachineLearning"
    assert first["channels"] == [
        {"platform": "discord", "channel": DISCORD, "up": 2, "down": 0},
        {"platform": "slack", "channel": SLACK, "up": 1, "down": 0},
    ]
    since = json.loads(run_cli("feedback", "--json", "--since", "2026-11-23").stdout)
    assert [e["post_id"] for e in since] == ["p1", "p2"]
    by_source = json.loads(run_cli("feedback", "--json", "--by", "source").stdout)
    assert [(s["source"], s["net"]) for s in by_source] == [
        ("r/MachineLearning", 3),
        ("Hacker News", -2),
    ]
    people = run_cli("feedback")
    assert people.exit_code == 0
    assert "sources      liked: r/MachineLearning +3; less: Hacker News -2\n" in people.stdout
    assert "subjects     liked: agents +3, diffusion +3, plan +3; less: " in people.stdout


async def test_a_topic_whose_votes_were_all_removed_is_listed_with_none(store: Store) -> None:
    count = counter(store)
    await count(Reaction("slack", SLACK, SLACK_TOPIC_1, "U1", "thumbsup", True))
    await count(Reaction("slack", SLACK, SLACK_TOPIC_1, "U1", "thumbsup", False))
    entries = json.loads(run_cli("feedback", "--json").stdout)
    assert [(e["post_id"], e["up"], e["down"]) for e in entries] == [
        ("p1", 0, 0),
        ("p2", 0, 0),
        ("p0", 0, 0),
    ]


def test_feedback_imports_nothing_heavy(tmp_path: Path, store: Store) -> None:
    for argv in (["feedback"], ["feedback", "--json", "--by", "subject"]):
        loaded = tops(modules_loaded_by(tmp_path, *argv))
        assert not loaded & SDKS, sorted(loaded & SDKS)
        assert not loaded & HEAVY, sorted(loaded & HEAVY)


# -- what votes are, and what they teach the ranking -----------------------------------------


@pytest.mark.parametrize(
    ("emoji", "value"),
    [("👍", 1), ("👍🏿", 1), ("+1", 1), ("+1::skin-tone-2", 1), ("thumbsup", 1),
     ("👎", -1), ("-1::skin-tone-6", -1), ("thumbsdown", -1), ("🎉", 0), ("tada", 0)],
)  # fmt: skip
def test_an_emoji_is_a_vote_whatever_its_skin_tone(emoji: str, value: int) -> None:
    settings = FeedbackSettings()
    assert feedback.vote_value(emoji, settings.up, settings.down) == value


def votes_on(title: str, source: str, up: int, down: int) -> TopicVotes:
    return TopicVotes("2026-11-23", title, title, "", source, up, down)


def test_learned_weights_favour_liked_sources_and_subjects_within_bounds() -> None:
    topics = [
        votes_on("Agents that plan", "r/MachineLearning", 4, 0),
        votes_on("An agent for code review", "Hacker News", 2, 1),
        votes_on("Crypto token launch", "Hacker News", 0, 5),
        votes_on("Quiet topic", "arXiv cs.LG", 0, 0),
    ]
    learned = feedback.learned_weights(topics)
    assert learned.source_factor("r/MachineLearning") > 1 > learned.source_factor("Hacker News")
    assert learned.source_factor("arXiv cs.LG") == 1  # no votes: no opinion
    assert learned.subject_factor("Agentic agents plan") > 1  # "agent" liked in two forms
    assert learned.subject_factor("Token prices") < 1
    assert learned.subject_factor("Nothing known") == 1
    crowd = [votes_on("Agents", "r/MachineLearning", 1000, 0)] * 3
    flood = feedback.learned_weights(crowd)
    assert flood.factor("r/MachineLearning", "Agents") == feedback.HIGHEST
    hated = feedback.learned_weights([votes_on("Crypto", "X", 0, 1000)])
    assert hated.factor("X", "Crypto") == feedback.LOWEST


def test_subjects_name_a_word_by_the_form_the_titles_used_most() -> None:
    topics = [
        votes_on("Agents everywhere", "a", 1, 0),
        votes_on("More agents", "a", 1, 0),
        votes_on("An agent", "a", 0, 1),
    ]
    liked = {x.name: x for x in feedback.by_subject(topics)}
    assert liked["agents"] == ("agents", 3, 2, 1)
    assert "agent" not in liked and "an" not in liked
