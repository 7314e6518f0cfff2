"""Fixtures: fake Reddit and OpenAI-compatible servers, a Config pointed at them, and the
command line run in-process as a user would run it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from digestbot.app.digests import App
from digestbot.cli import main
from digestbot.config import loader
from digestbot.sources import retry
from tests.fakes.discord import FakeDiscord
from tests.fakes.openai import FakeOpenAI
from tests.fakes.reddit import FakeReddit, reddit_post
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "2026-11-20-collection.json"
DISCORD_CHANNELS = ["111111111111111111", "222222222222222222"]
SLACK_CHANNELS = ["C0000000111", "C0000000222"]

MAIN_TITLES = [
    "[R] Mixture-of-depths for cheaper inference",
    "[D] What is your evaluation setup for agents?",
    "[P] A tiny library for reproducible training runs",
    "[N] A lab opens the weights of its newest model",
    "[R] Tokenizer-free language models at scale",
    "[D] Are small models catching up?",
    "[P] Browser-based notebook for quick experiments",
]
TRENDING_TITLES = [
    "Researchers Release a Dataset of Annotated Chest X-rays",
    "A New Method Halves the Memory of Long-Context Attention",
    "Startup Shows a Robot That Folds Laundry",
    "Open Toolkit for Evaluating Speech Models Reaches 2.0",
    "Study Finds Benchmarks Leak Into Training Data",
    "Survey of Agent Frameworks Compares Twelve Designs",
]


def main_posts(now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or datetime.now(UTC)
    return [
        reddit_post(
            title,
            id=f"m{i}",
            score=1000 - 10 * i,
            created=now - timedelta(hours=i + 1),
            selftext=f"Body of post {i}. " * 5,
        )
        for i, title in enumerate(MAIN_TITLES)
    ]


def trending_posts(now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or datetime.now(UTC)
    return [
        reddit_post(title, id=f"t{i}", created=now - timedelta(hours=i + 1))
        for i, title in enumerate(TRENDING_TITLES)
    ]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see no real credentials or settings, and run in a folder of their own."""
    import os

    for name in list(os.environ):
        if name.startswith(("DIGESTBOT_", "OPENAI_", "REDDIT_", "PRAW_", "DISCORD_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The sources' waits between tries, in seconds, recorded instead of slept."""
    seen: list[float] = []

    async def record(seconds: float) -> None:
        seen.append(seconds)

    monkeypatch.setattr(retry, "sleep", record)
    return seen


@pytest.fixture
def reddit() -> Iterator[FakeReddit]:
    with FakeReddit(
        {"MachineLearning": main_posts(), "machinelearningnews": trending_posts()}
    ) as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def discord_api() -> Iterator[FakeDiscord]:
    import discord

    base = discord.http.Route.BASE  # process-wide: put it back after the test
    with FakeDiscord(set(DISCORD_CHANNELS)) as server:
        yield server
    discord.http.Route.BASE = base


@pytest.fixture
def slack_api() -> Iterator[FakeSlack]:
    with FakeSlack(set(SLACK_CHANNELS)) as server:
        yield server


ConfigFactory = Callable[..., loader.Config]


@pytest.fixture
def make_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reddit: FakeReddit, llm: FakeOpenAI
) -> ConfigFactory:
    """A Config on the fakes: `llm_key`/`reddit_credentials` False leave those secrets out."""

    def make(
        *,
        llm_key: bool = True,
        reddit_credentials: bool = True,
        discord: FakeDiscord | None = None,
        slack: FakeSlack | None = None,
        threads: bool = False,
        **sections: dict[str, Any] | list[dict[str, Any]],
    ) -> loader.Config:
        """A Config on the fakes; pass the chat fakes to deliver to their channels."""
        values: dict[str, Any] = {
            "storage": {
                "database": str(tmp_path / "history.db"),
                "blog_dir": str(tmp_path / "blog"),
            },
            "reddit": {"oauth_url": reddit.url, "reddit_url": reddit.url, "timeout_seconds": 5},
            "llm": {
                "base_url": f"{llm.url}/v1",
                "model": "test-model",
                "max_retries": 2,
                "timeout_seconds": 5,
            },
            # a channel's messages a little apart: the pacing runs, the tests stay quick
            "delivery": {"pace_seconds": 0.05},
        }
        if discord:
            values["discord"] = {
                "channels": DISCORD_CHANNELS,
                "api_base_url": f"{discord.url}/api/v10",
                "threads": threads,
            }
        if slack:
            values["slack"] = {
                "channels": SLACK_CHANNELS,
                "api_base_url": f"{slack.url}/api/",
                "threads": threads,
            }
        for section, settings in sections.items():
            if isinstance(settings, list):  # [[section]] tables, such as [[sources]]
                values[section] = settings
            else:
                values.setdefault(section, {}).update(settings)
        path = tmp_path / "digestbot.toml"
        path.write_text(_toml(values), encoding="utf-8")
        for name, wanted, value in [
            ("OPENAI_API_KEY", llm_key, "test-key"),
            ("REDDIT_CLIENT_ID", reddit_credentials, "client-id"),
            ("REDDIT_CLIENT_SECRET", reddit_credentials, "client-secret"),
            ("DISCORD_TOKEN", discord is not None, "discord-token"),
            ("SLACK_BOT_TOKEN", slack is not None, "xoxb-slack-token"),
        ]:
            if wanted:
                monkeypatch.setenv(name, value)
            else:
                monkeypatch.delenv(name, raising=False)
        return loader.load(str(path), env_file=None)

    return make


@pytest.fixture
def app(make_config: ConfigFactory) -> App:
    return App(make_config())


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*argv: str | Path) -> CliResult:
    """`digestbot ARGV...` in this process, with what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exit:  # argparse: usage errors, --help, --version
            code = exit.code if isinstance(exit.code, int) else 1
    return CliResult(code, out.getvalue(), err.getvalue())


def _toml(values: dict[str, Any]) -> str:
    lines = []
    for section, settings in values.items():
        for table in settings if isinstance(settings, list) else [settings]:
            lines.append(f"[[{section}]]" if isinstance(settings, list) else f"[{section}]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


async def until(condition: Callable[[], object], seconds: float = 30) -> None:
    """Wait for `condition()` to hold, polling; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)
