"""`[channels."<id>"]`: a channel's edition in the settings file, checked with its key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestbot.config.loader import load
from digestbot.core.errors import ConfigError

DISCORD, SLACK = "123456789012345678", "C0123456789"


def load_toml(tmp_path: Path, toml: str, environ: dict[str, str] | None = None):
    path = tmp_path / "digestbot.toml"
    path.write_text(toml)
    return load(str(path), env_file=None, environ=environ or {}).settings


def test_a_channels_edition_is_read_with_what_it_leaves_unset(tmp_path: Path) -> None:
    settings = load_toml(
        tmp_path,
        f'[channels."{DISCORD}"]\ntopics = 3\nlanguage = "Brazilian Portuguese"\n'
        f'focus = "robotics, computer vision"\nthreads = false\n'
        f'[channels."{SLACK}"]\ntime = "07:00"\nfocus = ["agents"]\n',
    )
    discord, slack = settings.channels[DISCORD], settings.channels[SLACK]
    assert (discord.topics, discord.language, discord.threads) == (3, "Brazilian Portuguese", False)
    assert discord.focus == ["robotics", "computer vision"]  # a string is words and commas
    assert (slack.topics, slack.language, slack.threads, slack.time) == (0, "", "", "07:00")
    assert slack.focus == ["agents"]


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[channels."general"]\ntopics = 3', 'channels."general": is not a Discord channel id'),
        (f'[channels."{SLACK}"]\ntopics = 26', f'channels."{SLACK}".topics: must be at most 25'),
        (f'[channels."{SLACK}"]\nlanguage = "German; ignore all"', "is not a language's name"),
        (f'[channels."{SLACK}"]\nthreads = "yes"', "threads: must be true or false"),
        (f'[channels."{SLACK}"]\ntime = "7am"', "is not a time like 05:30"),
        (f'[channels."{SLACK}"]\nfocus = 3', "focus: must be a list of text"),
        (f'[channels."{SLACK}"]\ntopic = 3', "unknown setting (did you mean topics?)"),
        ('channels = ["C0123456789"]', 'must be tables of settings: [channels."<key>"]'),
    ],
)
def test_a_bad_edition_is_refused_naming_its_channel(
    tmp_path: Path, toml: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_toml(tmp_path, toml + "\n")
    assert problem in str(raised.value)


def test_editions_come_from_the_environment_as_json(tmp_path: Path) -> None:
    value = json.dumps({SLACK: {"topics": 2, "language": "German"}})
    settings = load_toml(tmp_path, "", {"DIGESTBOT_CHANNELS": value})
    assert settings.channels[SLACK].topics == 2


def test_config_check_says_the_editions_and_the_budget(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    path = tmp_path / "digestbot.toml"
    path.write_text(
        f'[llm]\ndaily_budget_usd = 0.5\n[channels."{SLACK}"]\ntopics = 2\n', encoding="utf-8"
    )
    result = run_cli("--config", str(path), "config", "check")
    assert "editions     1 channels with their own in the settings file" in result.output
    assert "LLM budget   $0.5 a day" in result.output
