"""Start-up stays cheap: a command imports only what it uses (issue 8's budget is 3x the
CPU time of `python -c pass`; `python benchmarks/startup.py` measures it). These tests
check what is imported, never how long it takes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, run_cli

SDKS = {
    "praw", "prawcore", "openai", "discord", "slack_bolt", "slack_sdk", "feedparser",
    "aiohttp", "httpx", "httpx2", "apscheduler", "matplotlib", "pydantic", "sqlite_utils",
}  # fmt: skip
# Costly standard modules that the quick commands have no use for.
HEAVY = {"asyncio", "logging", "dataclasses", "inspect", "importlib.resources", "email"}
QUICK = [["--help"], ["history"], ["search", "mixture"], ["usage"], ["config", "check"]]

PROBE = """
import contextlib, io, json, sys
from digestbot.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""


def modules_loaded_by(folder: Path, *argv: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules} | modules


def test_importing_the_cli_loads_no_sdk(tmp_path: Path) -> None:
    loaded = tops(modules_loaded_by(tmp_path))  # no arguments: a usage error
    assert not loaded & SDKS
    assert not loaded & HEAVY


@pytest.mark.parametrize("argv", QUICK, ids=" ".join)
def test_a_quick_command_loads_no_sdk_and_nothing_heavy(tmp_path: Path, argv: list[str]) -> None:
    assert run_cli("generate", "--from", EXAMPLE).exit_code == 0  # a history to read
    loaded = tops(modules_loaded_by(tmp_path, *argv))
    assert not loaded & SDKS, sorted(loaded & SDKS)
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_a_headline_digest_from_a_replay_loads_no_network_sdk(tmp_path: Path) -> None:
    loaded = tops(modules_loaded_by(tmp_path, "generate", "--from", str(EXAMPLE)))
    assert not loaded & {"praw", "openai", "discord", "slack_sdk", "slack_bolt", "matplotlib"}
