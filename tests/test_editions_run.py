"""Two channels with profiles of their own each get their edition from one day's work:
their topic counts, their focus first, their language; each topic analysed once per
language, however many channels show it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from digestbot.app.digests import App
from digestbot.config import loader
from tests.conftest import DISCORD_CHANNELS, EXAMPLE, SLACK_CHANNELS, ConfigFactory, run_cli
from tests.fakes.discord import FakeDiscord
from tests.fakes.openai import FakeOpenAI
from tests.fakes.slack import FakeSlack

SHORT, GERMAN = DISCORD_CHANNELS[0], SLACK_CHANNELS[0]
PROFILES = f"""
[channels."{SHORT}"]
topics = 3

[channels."{GERMAN}"]
topics = 2
language = "German"
focus = "watermark"
"""


def configured(make_config: ConfigFactory, **platforms: object) -> loader.Config:
    config = make_config(**platforms)
    assert config.path is not None
    with open(config.path, "a", encoding="utf-8") as settings:
        settings.write(PROFILES)
    return loader.load(config.path, env_file=None)


def numbered(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^\d+\. ", line)]


def system_messages(llm: FakeOpenAI) -> list[str]:
    return [r.json()["messages"][0]["content"] for r in llm.seen("/v1/chat")]


def test_each_channel_gets_its_edition_and_each_language_is_asked_once_a_topic(
    make_config: ConfigFactory, llm: FakeOpenAI, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    config = configured(make_config, discord=discord_api, slack=slack_api)

    result = run_cli("--config", str(config.path), "generate", "--from", str(EXAMPLE))

    assert result.exit_code == 0, result.output
    # Five English topics (the default edition; the 3-topic edition is among them), two in
    # German, and the predictions: eight calls, not one per channel.
    asked = system_messages(llm)
    assert len(asked) == 8
    assert sum("in German" in message for message in asked) == 2
    headline = {
        channel: numbered(discord_api.copies(channel)[0]["content"]) for channel in DISCORD_CHANNELS
    }
    assert len(headline[SHORT]) == 3 and len(headline[DISCORD_CHANNELS[1]]) == 5
    assert headline[SHORT] == headline[DISCORD_CHANNELS[1]][:3]
    german_headline = numbered(slack_api.copies(GERMAN)[0]["blocks"][1]["text"]["text"])
    assert len(german_headline) == 2 and "Watermarks" in german_headline[0]  # focus first
    assert len(slack_api.copies(GERMAN)) < len(slack_api.copies(SLACK_CHANNELS[1]))
    # The blog post is the default edition.
    (post,) = Path(config.settings.storage.blog_dir).glob("*.md")
    assert post.read_text(encoding="utf-8").count("\n## ") >= 2
    # A re-run delivers nothing twice: the editions were kept with the digest.
    again = run_cli("--config", str(config.path), "generate", "--from", str(EXAMPLE))
    assert again.exit_code == 0 and len(system_messages(llm)) == 8
    assert "0 messages sent" in again.output


def test_channels_lists_each_channels_edition(
    make_config: ConfigFactory, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    config = configured(make_config, discord=discord_api, slack=slack_api)
    result = run_cli("--config", str(config.path), "channels", "--json")
    assert result.exit_code == 0, result.output
    listed = {entry["channel"]: entry for entry in json.loads(result.stdout)}
    assert set(listed) == {*DISCORD_CHANNELS, *SLACK_CHANNELS}
    assert listed[SHORT]["topics"] == 3 and listed[GERMAN]["language"] == "German"
    assert listed[GERMAN]["focus"] == ["watermark"] and listed[SLACK_CHANNELS[1]]["topics"] == 5


async def test_digest_asked_in_a_channel_answers_with_its_edition(
    make_config: ConfigFactory, llm: FakeOpenAI, discord_api: FakeDiscord, slack_api: FakeSlack
) -> None:
    from datetime import date, timedelta

    from digestbot.core.commands import DigestService

    config = configured(make_config, discord=discord_api, slack=slack_api)
    app = App(config)
    await app.generate(replay_file=EXAMPLE, post=False)
    with app.wiring.open_store() as store:
        service = DigestService(store, app.digest_for, cooldown=timedelta(0))
        day = "2026-11-20"
        asked = await service.handle_text(day, "U1", False, platform="slack", channel=GERMAN)
        other = await service.handle_text(day, "U1", False, platform="slack", channel="C0000000999")
    assert asked.digest is not None and other.digest is not None
    assert asked.digest.day == date(2026, 11, 20)
    assert asked.digest.topics[0].title.startswith("Watermarks")
    assert len(asked.digest.topics) == 2 and len(other.digest.topics) == 5


def focused_on_saturation(make_config: ConfigFactory) -> App:
    """Headline editions for both Slack channels, one of them of a single topic about
    "saturation" (the example day's lowest ranked post)."""
    config = make_config(llm_key=False)
    assert config.path is not None
    profile = f"\n[slack]\nchannels = {json.dumps(SLACK_CHANNELS)}\n"
    profile += f'\n[channels."{GERMAN}"]\ntopics = 1\nfocus = "saturation"\n'
    Path(config.path).write_text(Path(config.path).read_text() + profile)
    return App(loader.load(config.path, env_file=None))


async def test_an_editions_own_topic_is_not_shown_again_the_next_day(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    app = focused_on_saturation(make_config)
    first = await app.generate(replay_file=EXAMPLE, post=False)
    (own,) = first.digest.edition_for("slack", GERMAN).topics
    assert "saturation" in own.title and own not in first.digest.topics  # the edition's alone
    document = json.loads(EXAMPLE.read_text())
    document["collected_at"] = "2026-11-21T05:00:00+00:00"
    fresh = {**document["main"][0], "id": "n1", "title": "[R] Compilers for sparse kernels"}
    document["main"].append({**fresh, "created_utc": "2026-11-21T03:00:00+00:00"})
    next_day = tmp_path / "next.json"
    next_day.write_text(json.dumps(document))
    second = await app.generate(replay_file=next_day, post=False)
    shown = second.digest.edition_for("slack", GERMAN).topics
    assert own.post.id not in {t.post.id for t in shown}


def test_a_profile_of_a_channel_the_digest_does_not_go_to_costs_nothing(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    config = make_config()
    assert config.path is not None
    profile = f"\n[slack]\nchannels = {json.dumps(SLACK_CHANNELS[1:])}\n"
    profile += f'\n[channels."{GERMAN}"]\ntopics = 2\nlanguage = "German"\ntime = "03:00"\n'
    Path(config.path).write_text(Path(config.path).read_text() + profile)
    result = run_cli("--config", str(config.path), "generate", "--from", str(EXAMPLE), "--no-post")
    assert result.exit_code == 0, result.output
    assert not any("in German" in message for message in system_messages(llm))
    app = App(loader.load(config.path, env_file=None))
    with app.wiring.open_store() as store:
        assert app.wiring.delivery_times(store) == ["05:30"]


async def test_no_trending_title_repeats_a_topic_of_an_edition(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    app = focused_on_saturation(make_config)
    document = json.loads(EXAMPLE.read_text())
    retold = {**document["trending"][0], "id": "t-retold"}
    document["trending"].insert(
        0, {**retold, "title": "Is the benchmark saturation story overstated?"}
    )
    day = tmp_path / "day.json"
    day.write_text(json.dumps(document))
    digest = (await app.generate(replay_file=day, post=False)).digest
    assert "saturation" in digest.edition_for("slack", GERMAN).topics[0].title
    assert "t-retold" not in {t.post_id for t in digest.trending}
