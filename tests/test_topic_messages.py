"""A message per topic: delivered in the thread when threads are on, each recorded in the
ledger with the topic it shows, and found again from the message a reaction names."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from digestbot.app.wiring import Wiring
from digestbot.core.models import Prediction, Trending
from digestbot.storage.store import open_store
from tests import test_render_limits as limits
from tests.conftest import DISCORD_CHANNELS, SLACK_CHANNELS, ConfigFactory
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack

DAY = date(2026, 11, 20)
IDS = [f"p{i}" for i in range(1, 6)]
FIVE = limits.digest(
    [limits.topic(i, f"topic {i}") for i in range(1, 6)],
    [Trending("t", "trending title", "")],
    [Prediction("an event", "2030", "why")],
)


def shown_topic(text: str) -> str:
    """The post id of the topic a title such as "2. topic 5" shows ("p5"), else ""."""
    found = re.match(r"\*?\d+\. topic (\d+)", text)
    return f"p{found[1]}" if found else ""


def discord_topic(message: dict) -> str:
    return next((t for e in message["embeds"] if (t := shown_topic(e["title"]))), "")


def slack_topic(message: dict) -> str:
    return shown_topic(message["blocks"][0].get("text", {}).get("text", ""))


@pytest.mark.parametrize("threads", [False, True], ids=["channel", "thread"])
async def test_each_topic_is_a_message_recorded_with_its_topic(
    make_config: ConfigFactory,
    discord_api: FakeDiscord,
    slack_api: FakeSlack,
    threads: bool,
) -> None:
    wiring = Wiring(make_config(discord=discord_api, slack=slack_api, threads=threads))
    with wiring.open_store() as store:
        store.digests.save(FIVE, None)
        for publisher in wiring.chat_publishers(store):
            assert (await publisher.publish(FIVE)).complete
        ledger = store.ledger
        for channel in DISCORD_CHANNELS:
            (headline, *rest) = discord_api.copies(channel)
            if threads:  # the headline alone in the channel, the rest in its thread
                assert not rest and headline["id"] in discord_api.threads
                rest = discord_api.copies(headline["id"])
            assert [discord_topic(m) for m in [headline, *rest]] == ["", *IDS, ""]
            where = headline["id"] if threads else channel  # a thread's reactions name it
            for message in rest[:5]:
                found = ledger.topic_of("discord", where, message["id"])
                assert found == (DAY, discord_topic(message))
                # Discord's message ids are unique: the id alone finds it.
                assert ledger.topic_of("discord", "0", message["id"]) == found
            for message in (headline, rest[-1]):  # the headline and the lists show none
                assert ledger.topic_of("discord", where, message["id"]) is None
        for channel in SLACK_CHANNELS:
            messages = slack_api.copies(channel)
            assert [slack_topic(m) for m in messages] == ["", *IDS, ""]
            expected_thread = messages[0]["ts"] if threads else None
            assert all(m["thread_ts"] == expected_thread for m in messages[1:])
            other = next(c for c in SLACK_CHANNELS if c != channel)
            for message in messages[1:6]:
                found = ledger.topic_of("slack", channel, message["ts"])
                assert found == (DAY, slack_topic(message))
                # a ts is unique only within its channel
                assert ledger.topic_of("slack", other, message["ts"]) is None
            assert ledger.topic_of("slack", channel, messages[0]["ts"]) is None
        rows = [r for r in ledger.for_day(DAY) if r["platform"] == "slack"]
        assert [r["topic"] for r in rows if r["channel"] == SLACK_CHANNELS[0]] == ["", *IDS, ""]
        # Exactly once: a second publish posts nothing and edits nothing.
        again = [await p.publish(FIVE) for p in wiring.chat_publishers(store)]
    assert all("0 messages sent" in p.summary and "updated" not in p.summary for p in again)
    assert len(slack_api.copies(SLACK_CHANNELS[0])) == 7


async def test_a_remade_digest_records_the_topic_each_edited_message_now_shows(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    """Made again with its topics in another order (and one fewer): each message, edited
    in place, is traced to the topic it now shows; the leftover is deleted and forgotten."""
    order = [5, 3, 1, 2]
    remade = replace(FIVE, topics=tuple(FIVE.topics[i - 1] for i in order))
    wiring = Wiring(make_config(discord=discord_api, slack=slack_api))
    with wiring.open_store() as store:
        store.digests.save(FIVE, None)
        publishers = wiring.chat_publishers(store)
        for publisher in publishers:
            await publisher.publish(FIVE)
        first = {m["id"] for m in discord_api.copies(DISCORD_CHANNELS[0])}
        store.digests.save(remade, None)
        for publisher in publishers:
            assert (await publisher.publish(remade)).complete
        discord = discord_api.copies(DISCORD_CHANNELS[0])
        assert {m["id"] for m in discord} < first  # edited in place, the leftover deleted
        slack = slack_api.copies(SLACK_CHANNELS[0])
        expected = [f"p{i}" for i in order]
        assert [store.ledger.topic_of("discord", "", m["id"]) for m in discord[1:5]] == [
            (DAY, i) for i in expected
        ]
        assert [store.ledger.topic_of("slack", SLACK_CHANNELS[0], m["ts"]) for m in slack[1:5]] == [
            (DAY, i) for i in expected
        ]
        assert [discord_topic(m) for m in discord] == ["", *expected, ""]


def test_the_ledger_traces_a_message_to_its_topic(tmp_path) -> None:
    with open_store(str(tmp_path / "history.db")) as store:
        store.digests.save(FIVE, None)
        ledger = store.ledger
        ledger.mark_sending(DAY, "discord", "111", 1, "k1", "f1", "p1")
        assert ledger.topic_of("discord", "111", "") is None  # not posted yet
        ledger.mark_sent(DAY, "discord", "111", 1, "9001", "f1", "p1")
        ledger.mark_sent(DAY, "discord", "111", 0, "9000", "f0")  # the headline
        ledger.mark_sent(DAY, "slack", "C1", 1, "1.5", "f1", "p2")
        assert ledger.topic_of("discord", "9000", "9001") == (DAY, "p1")  # in its thread
        assert ledger.topic_of("discord", "111", "9000") is None
        assert ledger.topic_of("discord", "111", "1.5") is None  # another platform's
        assert ledger.topic_of("slack", "C1", "1.5") == (DAY, "p2")
        assert ledger.topic_of("slack", "C2", "1.5") is None
        assert ledger.get(DAY, "discord", "111", 1)["topic"] == "p1"
        ledger.mark_sending(DAY, "discord", "111", 1, "k2", "f2", "p3")  # posted again, remade
        assert ledger.get(DAY, "discord", "111", 1)["topic"] == "p3"
