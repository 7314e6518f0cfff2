"""Admin notices: each problem once, and only once someone was told."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from digestbot.app.wiring import Wiring
from digestbot.core.notify import AdminChannel, Notifier
from digestbot.storage.store import open_store
from tests.conftest import ConfigFactory
from tests.fakes.slack import FakeSlack

DAY = date(2026, 11, 23)
ADMIN = "C0000000ADM"


async def test_a_notice_nobody_received_is_posted_again(
    make_config: ConfigFactory, slack_api: FakeSlack, tmp_path: Path
) -> None:
    wiring = Wiring(make_config(slack=slack_api))
    opener = wiring.slack_opener()
    assert opener is not None
    with open_store(str(tmp_path / "h.db")) as store:
        notifier = Notifier(store.notices, [AdminChannel("slack", opener, ADMIN)])
        # The admin channel does not exist yet: the notice reaches no one.
        assert await notifier.report(DAY, ["the source is down"]) == ["the source is down"]
        assert slack_api.copies(ADMIN) == []
        slack_api.channels.add(ADMIN)
        assert await notifier.report(DAY, ["the source is down"]) == ["the source is down"]
        assert len(slack_api.copies(ADMIN)) == 1
        # Told once: not again, on any later run of the day.
        assert await notifier.report(DAY, ["the source is down"]) == []
        assert len(slack_api.copies(ADMIN)) == 1


async def test_a_bad_day_is_one_notice_within_the_limits(
    make_config: ConfigFactory, slack_api: FakeSlack, tmp_path: Path
) -> None:
    from tests.fakes.discord import FakeDiscord

    with FakeDiscord({"333333333333333333"}) as discord_api:
        wiring = Wiring(make_config(discord=discord_api))
        opener = wiring.discord_opener()
        assert opener is not None
        problems = [f"Discord channel {n}: " + "refused " * 60 for n in range(46)]
        with open_store(str(tmp_path / "h.db")) as store:
            notifier = Notifier(
                store.notices, [AdminChannel("discord", opener, "333333333333333333")]
            )
            assert len(await notifier.report(DAY, problems)) == 46
        (notice,) = discord_api.copies("333333333333333333")
    assert len(notice["content"]) <= 2000
    assert "Discord channel 0:" in notice["content"] and "and 40 more" in notice["content"]
