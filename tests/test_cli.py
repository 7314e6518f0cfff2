"""The commands as a user runs them, against the fakes."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert "public RSS feeds" in result.output
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
