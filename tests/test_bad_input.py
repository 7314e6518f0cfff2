"""Every bad input gets one line that names the problem, the right exit code, and never
a traceback: 1 when the command could not do its job, 2 for a wrong command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT, CliResult, run_cli


def assert_clean_error(result: CliResult, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(error_lines) == 1, result.stderr
    for word in words:
        assert word in error_lines[0], error_lines[0]


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A folder holding a history with one headline digest (the shipped example day)."""
    result = run_cli("generate", "--from", EXAMPLE)
    assert result.exit_code == 0, result.output
    return tmp_path


def settings(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


# -- the database ----------------------------------------------------------------


def test_reading_history_in_the_wrong_folder_creates_nothing(tmp_path: Path) -> None:
    for argv in (["history"], ["search", "lora"], ["usage"], ["predictions"],
                 ["export", "--since", "2026-01-01"]):  # fmt: skip
        assert_clean_error(run_cli(*argv), 1, "there is no history at digestbot.db")
    assert list(tmp_path.iterdir()) == []


def test_a_database_that_is_not_sqlite(tmp_path: Path) -> None:
    (tmp_path / "digestbot.db").write_text("my shopping list\n" * 100)
    assert_clean_error(run_cli("history"), 1, "is not a digestbot database")
    assert_clean_error(run_cli("generate", "--from", EXAMPLE), 1, "is not a digestbot database")
    assert (tmp_path / "digestbot.db").read_text().startswith("my shopping list")


def test_a_database_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "digestbot.db").mkdir()
    assert_clean_error(run_cli("history"), 1, "is a folder")
    assert_clean_error(run_cli("generate", "--from", EXAMPLE), 1, "is a folder")


def test_a_database_where_nothing_can_be_written(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("x")
    path = settings(tmp_path, '[storage]\ndatabase = "plain-file/history.db"\n')
    result = run_cli("--config", path, "generate", "--from", EXAMPLE)
    assert_clean_error(result, 1, "cannot create the folder plain-file")


def test_a_database_locked_by_another_writer(history: Path, monkeypatch) -> None:
    from digestbot.storage import base

    monkeypatch.setattr(base, "BUSY_SECONDS", 0.3)
    holder = sqlite3.connect(history / "digestbot.db", isolation_level=None)
    holder.execute("begin exclusive")
    try:
        result = run_cli("generate", "--from", EXAMPLE, "--force")
    finally:
        holder.execute("rollback")
        holder.close()
    assert_clean_error(result, 1, "locked by another program")


# -- the blog folder ---------------------------------------------------------------


def test_a_blog_folder_that_cannot_be_written_fails_the_run_honestly(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("x")
    path = settings(tmp_path, '[storage]\nblog_dir = "plain-file/posts"\n')
    result = run_cli("--config", path, "generate", "--from", EXAMPLE)
    assert result.exit_code == 1 and "cannot write the post" in result.output
    assert "Traceback" not in result.output
    status = run_cli("--config", path, "history", "--json")
    assert json.loads(status.stdout)[0]["day"] == "2026-11-20"  # kept, to publish later
    with sqlite3.connect(tmp_path / "digestbot.db") as conn:
        assert conn.execute("select status from runs").fetchone()[0] == "failed"


# -- replay files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"   \n", "the file is empty"),
        (b"{not json", "it is not JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "it is not a text file"),
        (b"[1, 2, 3]", "it is not a digestbot.collection/1 file"),
        (b'{"format": "digestbot.collection/1", "collected_at": "2026-11-20T05:00:00+00:00",'
         b' "main": []}', 'it has no posts in "main"'),
        (b'{"format": "digestbot.collection/1", "collected_at": "2026-11-20T05:00:00+00:00",'
         b' "main": {"a": 1}}', '"main" and "trending" must be lists'),
        (b'{"format": "digestbot.collection/1", "collected_at": "yesterday", "main": [{}]}',
         "collected_at is not a time"),
        (b'{"format": "digestbot.collection/1", "collected_at": "2026-11-20T05:00:00+00:00",'
         b' "main": [{"id": "a"}]}', "main[0] lacks source, title, url, created_utc"),
        (b'{"format": "digestbot.collection/1", "collected_at": "2026-11-20T05:00:00+00:00",'
         b' "main": [{"id": 7, "source": "s", "title": "t", "url": "u",'
         b' "created_utc": "2026-11-20T05:00:00+00:00"}]}', "main[0].id must be str"),
        (b'{"format": "digestbot.collection/1", "collected_at": "2026-11-20T05:00:00+00:00",'
         b' "main": [{"id": "a", "source": "s", "title": "t", "url": "u", "score": "high",'
         b' "created_utc": "2026-11-20T05:00:00+00:00"}]}', "main[0].score must be int"),
        (b'{"format": "digestbot.collection/1", "collected_at": "2026-11-20T05:00:00",'
         b' "main": [1]}', "collected_at needs a time zone"),
    ],
)  # fmt: skip
def test_a_bad_replay_file(tmp_path: Path, content: bytes, problem: str) -> None:
    replay = tmp_path / "day.json"
    replay.write_bytes(content)
    assert_clean_error(run_cli("generate", "--from", replay), 1, "cannot replay", problem)
    assert not (tmp_path / "digestbot.db").exists()  # the file is read before anything else


def test_a_replay_file_that_is_missing_or_a_folder(tmp_path: Path) -> None:
    assert_clean_error(run_cli("generate", "--from", tmp_path / "none.json"), 2, "does not exist")
    assert_clean_error(run_cli("generate", "--from", tmp_path), 2, "is a folder")


# -- dates and numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0001-01-01", "out of range"),
        ("9999-12-31", "out of range"),
        ("2026-02-30", "not a real day"),
        ("yesterday", "not a date like 2026-11-23"),
        ("2026-1-5", "not a date like 2026-11-23"),
        ("", "not a date like 2026-11-23"),
    ],
)
def test_a_bad_date(history: Path, value: str, problem: str) -> None:
    for argv in (["generate", "--date", value], ["publish", "--date", value],
                 ["export", "--date", value], ["usage", "--since", value]):  # fmt: skip
        assert_clean_error(run_cli(*argv), 2, problem)


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "mixture", "--page", "-1"],
        ["search", "mixture", "--page", "0"],
        ["search", "mixture", "--page", "99999999999999999999999"],
        ["search", "mixture", "--page", "two"],
        ["history", "--limit", "-5"],
        ["history", "--limit", "0"],
        ["history", "--limit", "1e9"],
        ["history", "--limit", "100000000000000000000000000"],
    ],
)
def test_a_bad_number(history: Path, argv: list[str]) -> None:
    assert_clean_error(run_cli(*argv), 2, argv[-2])


def test_the_largest_page_and_limit_are_answered(history: Path) -> None:
    past_the_end = run_cli("search", "mixture", "--page", "10000")
    assert_clean_error(past_the_end, 1, "page 10000 of 1: no more results")
    assert past_the_end.stdout.startswith('"mixture": last covered on 2026-11-20')
    assert run_cli("history", "--limit", "100000").exit_code == 0


# -- search syntax -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["C++", '"unbalanced', "NEAR(", "a AND", "OR", "mixture*", "col:umn", "x -y"]
)
def test_search_syntax_is_only_text(history: Path, query: str) -> None:
    result = run_cli("search", query)
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert "no matches in any digest" in first or "last covered on" in first


def test_a_leading_dash_is_an_option_unless_after_a_double_dash(history: Path) -> None:
    assert_clean_error(run_cli("search", "-mixture"), 2, "required: WORD")
    assert run_cli("search", "--", "-mixture").exit_code == 0


@pytest.mark.parametrize("query", ["*", "-", '"', "()", "++"])
def test_a_search_without_a_word_is_a_usage_error(history: Path, query: str) -> None:
    assert_clean_error(run_cli("search", query), 2, "nothing to search for")


# -- import and export -------------------------------------------------------------


def test_importing_binary_files_and_broken_posts_is_reported_per_file(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "photo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe" * 50)
    (posts / "broken.md").write_text("---\ntitle: x\nno closing line\n")
    (posts / "no-date.md").write_text("---\ntitle: x\n---\n## Possible consequences\n")
    result = run_cli("import", posts)
    assert result.exit_code == 1 and "Traceback" not in result.output
    for name in ("photo.md", "broken.md", "no-date.md"):
        assert f"{name}: line" in result.stderr
    assert "imported     0 of 3 posts" in result.stdout


def test_importing_an_empty_folder_or_a_missing_path(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert_clean_error(run_cli("import", tmp_path / "empty"), 1, "no .md posts in")
    assert_clean_error(run_cli("import", tmp_path / "missing"), 2, "does not exist")


def test_exporting_to_a_file(history: Path) -> None:
    (history / "a-file").write_text("x")
    result = run_cli("export", "--date", "2026-11-20", "--out", history / "a-file")
    assert_clean_error(result, 2, "is a file, not a folder")
    assert_clean_error(run_cli("export", "--since", "2030-01-01"), 1, "no digest in history")
    assert_clean_error(run_cli("export"), 2, "one of the arguments --date --since is required")


def test_writing_into_a_missing_folder(history: Path) -> None:
    missing = history / "missing" / "file"
    assert_clean_error(run_cli("collect", "--save", missing), 2, "does not exist")
    assert_clean_error(run_cli("predictions", "--chart", missing), 2, "does not exist")
    assert_clean_error(run_cli("collect", "--save", history), 2, "is a folder")


# -- settings ----------------------------------------------------------------------


def test_bad_settings_stop_every_command_with_one_line(tmp_path: Path) -> None:
    path = settings(tmp_path, '[schedule]\ndays = "funday"\n[llm]\nconcurrency = -1\n')
    for argv in (["config", "check"], ["history"], ["generate"], ["run"], ["publish"]):
        assert_clean_error(run_cli("--config", path, *argv), 1, "schedule.days", "llm.concurrency")


def test_a_settings_file_that_does_not_exist(tmp_path: Path) -> None:
    result = run_cli("--config", tmp_path / "nope.toml", "history")
    assert_clean_error(result, 1, "does not exist")


def test_a_copied_env_example_works_as_it_is(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    assert run_cli("config", "check").exit_code == 0
    result = run_cli("generate", "--from", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "headlines" in result.stderr


def test_an_unknown_command_or_option(tmp_path: Path) -> None:
    assert_clean_error(run_cli("histroy"), 2, "invalid choice")
    assert_clean_error(run_cli("history", "--limt", "3"), 2, "unrecognized arguments")
    assert_clean_error(run_cli(), 2, "required")


def test_verbose_shows_the_traceback_too(tmp_path: Path) -> None:
    result = run_cli("-v", "history")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "there is no history at" in result.stderr
