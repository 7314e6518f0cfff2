"""The commands as a user runs them, against the fakes."""

from __future__ import annotations

import json
from pathlib import Path

from digestbot import __version__
from tests.conftest import EXAMPLE, ConfigFactory, run_cli
from tests.fakes.openai import FakeOpenAI
from tests.fakes.reddit import FakeReddit
from tests.fakes.server import Fault

SHIPPED = Path(__import__("digestbot").__file__).parent / "prompts"


def run(config_path: str, *args: str):
    return run_cli("--config", config_path, *args)


def test_config_check_says_what_is_missing_and_what_will_run(
    make_config: ConfigFactory,
) -> None:
    config = make_config(llm_key=False, reddit_credentials=False)
    result = run(config.path, "config", "check")
    assert result.exit_code == 0
    assert "through public RSS (no Reddit credentials)" in result.output
    assert "missing      OPENAI_API_KEY" in result.output
    assert "generate makes a headline digest" in result.output
    assert "schedule     05:30 mon-sun UTC (digestbot run)" in result.output
    assert "chat         none" in result.output


def test_config_check_never_prints_secrets(make_config: ConfigFactory) -> None:
    config = make_config()
    result = run(config.path, "config", "check")
    assert "generate makes a full digest" in result.output
    assert "test-key" not in result.output and "client-secret" not in result.output


def test_a_broken_prompt_fails_the_check(make_config: ConfigFactory, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    for name in ("topic_analysis", "predictions"):
        (prompts / f"{name}.toml").write_text(
            (SHIPPED / f"{name}.toml").read_text().replace("$title", "$titel")
        )
    config = make_config()
    path = Path(config.path)
    path.write_text(f'prompts_dir = "{prompts}"\n' + path.read_text())
    result = run(config.path, "config", "check")
    assert result.exit_code == 1 and "titel" in result.output


def test_invalid_settings_are_explained(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[llm]\nconcurrency = 0\nmodle = "x"\n[selection]\ntrending_min = 9\n')
    result = run_cli("--config", path, "config", "check")
    assert result.exit_code == 1
    assert "llm.concurrency" in result.output and "llm.modle" in result.output
    assert "trending_min is larger than trending_max" in result.output


def test_generate_from_the_shipped_example_offline(make_config: ConfigFactory) -> None:
    config = make_config()
    result = run(config.path, "generate", "--from", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    post = Path(config.settings.storage.blog_dir) / "2026-11-20-ai-auto-summary.md"
    text = post.read_text(encoding="utf-8")
    assert "1. **Sparse mixture-of-experts routing that learns when to skip layers**" in text
    assert "Simple Questions Thread" not in text  # stickied
    assert "LLM calls" in result.output and str(post) in result.output


def test_collect_then_replay(make_config: ConfigFactory, llm: FakeOpenAI, tmp_path: Path) -> None:
    config = make_config()
    saved = tmp_path / "day.json"
    result = run(config.path, "collect", "--save", str(saved))
    assert result.exit_code == 0 and "7 main and 6 trending posts" in result.output
    assert len(json.loads(saved.read_text())["main"]) == 7
    dry = run(config.path, "generate", "--from", str(saved), "--dry-run")
    assert dry.exit_code == 0
    assert "1. **Mixture-of-depths for cheaper inference**" in dry.output
    assert not Path(config.settings.storage.blog_dir).exists()


def test_a_source_outage_exits_non_zero_with_a_clear_message(
    make_config: ConfigFactory, reddit: FakeReddit
) -> None:
    reddit.fail("/r/MachineLearning", Fault(403, b'{"message": "Forbidden"}'))
    result = run(make_config().path, "generate")
    assert result.exit_code == 1
    assert "no digest: r/MachineLearning is private or banned (403)" in result.output


def test_a_bad_replay_file_exits_non_zero(make_config: ConfigFactory, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    result = run(make_config().path, "generate", "--from", str(bad))
    assert result.exit_code == 1 and "not a digestbot.collection/1 file" in result.output


def test_generate_twice_keeps_the_day_then_force_replaces_it(
    make_config: ConfigFactory, llm: FakeOpenAI
) -> None:
    config = make_config()
    assert run(config.path, "generate").exit_code == 0
    again = run(config.path, "generate")
    assert "already exists" in again.output and "--force" in again.output
    forced = run(config.path, "generate", "--force")
    assert "0 (6 answers from cache)" in forced.output


def test_history_and_export(make_config: ConfigFactory, tmp_path: Path) -> None:
    config = make_config()
    run(config.path, "generate", "--from", str(EXAMPLE))
    listed = run(config.path, "history")
    assert "2026-11-20" in listed.output and "full" in listed.output
    out = tmp_path / "rebuilt"
    exported = run(config.path, "export", "--date", "2026-11-20", "--out", str(out))
    assert exported.exit_code == 0
    original = Path(config.settings.storage.blog_dir) / "2026-11-20-ai-auto-summary.md"
    rebuilt = out / "2026-11-20-ai-auto-summary.md"
    assert rebuilt.read_bytes() == original.read_bytes()
    since = run(config.path, "export", "--since", "2026-11-01", "--out", str(out))
    assert since.exit_code == 0 and str(rebuilt) in since.output
    empty = run(config.path, "export", "--since", "2027-01-01", "--out", str(out))
    assert empty.exit_code == 1


def test_usage_report(make_config: ConfigFactory, llm: FakeOpenAI) -> None:
    config = make_config()
    run(config.path, "generate", "--from", str(EXAMPLE))
    run(config.path, "generate", "--from", str(EXAMPLE), "--force")
    monthly = run(config.path, "usage")
    assert monthly.exit_code == 0
    row = next(line for line in monthly.output.splitlines() if line.strip()[:2] == "20")
    assert row.split()[1:4] == ["2", "6", "6"]  # 2 runs, 6 calls, 6 answers from the cache
    daily = run(config.path, "usage", "--by", "day")
    assert len(daily.output.splitlines()[1].split()[0]) == 10  # a YYYY-MM-DD row


# -- exit codes, and the run's record, tell the truth ----------------------------------


def run_status(config) -> str:
    import sqlite3

    with sqlite3.connect(config.settings.storage.database) as conn:
        return conn.execute("select status from runs order by id desc").fetchone()[0]


def test_a_complete_digest_exits_0_and_is_recorded_ok(make_config: ConfigFactory) -> None:
    config = make_config()
    result = run(config.path, "generate", "--from", str(EXAMPLE))
    assert result.exit_code == 0 and run_status(config) == "ok"


def test_every_analysis_failing_is_degraded_not_ok(make_config: ConfigFactory) -> None:
    config = make_config(llm={"base_url": "http://127.0.0.1:9/v1", "max_retries": 0})
    result = run(config.path, "generate", "--from", str(EXAMPLE))
    assert result.exit_code == 3, result.output
    assert run_status(config) == "degraded"
    assert "5 of 5 topics could not be analysed" in result.stderr


def test_a_channel_that_fails_makes_the_run_degraded(
    make_config: ConfigFactory, discord_api, slack_api
) -> None:
    from tests.conftest import DISCORD_CHANNELS

    discord_api.forbidden.add(DISCORD_CHANNELS[0])
    config = make_config(discord=discord_api, slack=slack_api)
    result = run(config.path, "generate", "--from", str(EXAMPLE))
    assert result.exit_code == 3, result.output
    assert run_status(config) == "degraded"
    assert "the bot lacks access" in result.stderr


def test_a_digest_published_nowhere_exits_1(make_config: ConfigFactory, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    config = make_config(storage={"blog_dir": str(tmp_path / "file" / "posts")})
    result = run(config.path, "generate", "--from", str(EXAMPLE))
    assert result.exit_code == 1 and run_status(config) == "failed"
    # Fixed, the next run publishes the stored digest without making it again.
    Path(tmp_path / "file").unlink()
    again = run(config.path, "generate", "--from", str(EXAMPLE))
    assert again.exit_code == 0 and "already exists" in again.stderr


# -- output for pipes and people ----------------------------------------------------------


def test_dry_run_prints_the_post_raw_and_creates_nothing(tmp_path: Path) -> None:
    import os

    result = run_cli("generate", "--from", EXAMPLE, "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("---\ntitle: ")
    long_line = next(line for line in result.stdout.splitlines() if line.startswith("cover:"))
    assert long_line == "cover:"
    image = next(line for line in result.stdout.splitlines() if "image:" in line)
    assert len(image) > 80 and image.endswith('.png"')  # never wrapped
    assert os.listdir(tmp_path) == []  # no database, no post


def test_dry_run_leaves_an_existing_history_as_it_was(tmp_path: Path) -> None:
    assert run_cli("generate", "--from", EXAMPLE).exit_code == 0
    before = (tmp_path / "digestbot.db").read_bytes()
    result = run_cli("generate", "--from", EXAMPLE, "--dry-run", "--force")
    assert result.exit_code == 0 and result.stdout.startswith("---\n")
    assert (tmp_path / "digestbot.db").read_bytes() == before


def test_json_for_scripts(make_config: ConfigFactory) -> None:
    import json

    config = make_config()
    assert run(config.path, "generate", "--from", str(EXAMPLE)).exit_code == 0
    history = json.loads(run(config.path, "history", "--json").stdout)
    assert history[0]["day"] == "2026-11-20" and history[0]["topics"] == 5
    found = json.loads(run(config.path, "search", "mixture", "--json").stdout)
    assert found["total"] >= 1 and found["hits"][0]["url"].startswith("https://")
    usage = json.loads(run(config.path, "usage", "--json").stdout)
    assert usage[0]["calls"] == 6
    predictions = json.loads(run(config.path, "predictions", "--json").stdout)
    assert {p["event"] for p in predictions} == {
        "Artificial general intelligence",
        "Technological singularity",
    }


def test_tables_keep_links_whole(make_config: ConfigFactory) -> None:
    config = make_config()
    run(config.path, "generate", "--from", str(EXAMPLE))
    result = run(config.path, "search", "mixture")
    line = next(line for line in result.stdout.splitlines() if "https://" in line)
    assert line.split()[-1].startswith("https://www.reddit.com/r/") and line.endswith("/")


def test_help_version_and_python_dash_m() -> None:
    import subprocess
    import sys

    for flag in ("-h", "--help"):
        result = run_cli(flag)
        assert result.exit_code == 0 and "generate" in result.stdout
    assert run_cli("search", "-h").exit_code == 0
    assert run_cli("--version").stdout == f"digestbot {__version__}\n"
    module = subprocess.run(
        [sys.executable, "-m", "digestbot", "--version"], capture_output=True, text=True
    )
    assert module.returncode == 0 and module.stdout.strip() == f"digestbot {__version__}"


def test_options_work_before_and_after_the_command(make_config: ConfigFactory) -> None:
    config = make_config()
    before = run_cli("--config", config.path, "config", "check")
    after = run_cli("config", "check", "--config", config.path)
    assert before.exit_code == after.exit_code == 0
    assert before.stdout == after.stdout and "test-model" in after.stdout
