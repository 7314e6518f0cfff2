"""The history's parts on real SQLite files: digests, runs, cache, ledger, claims, errors."""

import os
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from digestbot.core.errors import StorageError
from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Digest,
    DigestMode,
    Prediction,
    SourcePost,
    Topic,
    Trending,
    Usage,
)
from digestbot.storage import schema
from digestbot.storage.claims import owner_id
from digestbot.storage.reader import History
from digestbot.storage.store import open_scratch_copy, open_store

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def digest(day: date, post_ids: list[str], trending: list[str] = ()) -> Digest:
    moment = datetime.combine(day, datetime.min.time(), UTC).replace(hour=5, minute=32)
    topics = tuple(
        Topic(
            post=SourcePost(
                id=pid,
                source="reddit:test",
                title=f"Title {pid}",
                url=f"https://www.reddit.com/{pid}",
                created_utc=moment,
                body="b",
            ),
            title=f"Title {pid}",
            analysis=Analysis(AnalysisStatus.OK, "good things", "bad things"),
        )
        for pid in post_ids
    )
    return Digest(
        day=day,
        generated_at=moment,
        model="m",
        mode=DigestMode.FULL,
        topics=topics,
        trending=tuple(Trending(f"t-{t}", t, "https://x") for t in trending),
        predictions=(Prediction("AGI", "2040", "why"),),
        usage=Usage(calls=3, prompt_tokens=100, completion_tokens=50, cost_usd=0.01),
        notes=("a note",),
        problems=("a problem",),
    )


def count(store, table: str) -> int:
    return store.db.one(f"select count(*) as n from {table}")["n"]


def test_a_new_database_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "h.db"))
    assert store.db.one("pragma journal_mode")["journal_mode"] == "wal"
    tables = {r["name"] for r in store.db.rows("select name from sqlite_master")}
    assert {"runs", "digests", "source_posts", "digest_topics", "analyses", "claims"} <= tables
    store.close()
    again = open_store(str(tmp_path / "h.db"))  # opening again applies nothing twice
    applied = [r["name"] for r in again.db.rows("select name from _sqlite_migrations")]
    assert applied == [name for name, _ in schema.STEPS]
    assert schema.pending(again.db) == []
    again.close()


def test_a_digest_reads_back_as_stored(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "h.db"))
    original = digest(date(2026, 11, 20), ["a", "b"], ["Hot one"])
    store.digests.save(original, run_id=None)
    assert store.digests.load(date(2026, 11, 20)) == original
    assert store.digests.load(date(2026, 11, 21)) is None


def test_saving_a_day_again_replaces_it(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "h.db"))
    store.digests.save(digest(date(2026, 11, 20), ["a", "b"]), None)
    store.digests.save(digest(date(2026, 11, 20), ["c"]), None)
    loaded = store.digests.load(date(2026, 11, 20))
    assert [t.post.id for t in loaded.topics] == ["c"]
    assert count(store, "digests") == 1 and count(store, "digest_topics") == 1


def test_the_cache_keys_on_post_model_and_prompt_version(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "h.db"))
    store.cache.put("p1", "topic", "m", "1-abc", {"benefits": "b"}, Usage(calls=1))
    assert store.cache.get("p1", "m", "1-abc") == {"benefits": "b"}
    assert store.cache.get("p1", "m", "2-def") is None
    assert store.cache.get("p1", "other", "1-abc") is None
    store.cache.put("p1", "topic", "m", "1-abc", {"benefits": "newer"}, Usage(calls=1))
    assert store.cache.get("p1", "m", "1-abc") == {"benefits": "newer"}


def test_runs_record_their_usage(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "h.db"))
    run = store.runs.start("generate", date(2026, 11, 23), "m", owner_id())
    assert store.reports.last_run()["status"] == "running"
    usage = Usage(calls=6, prompt_tokens=10, completion_tokens=5, cost_usd=0.5)
    store.runs.finish(run, "degraded", "a channel failed", usage)
    row = store.reports.last_run()
    assert (row["status"], row["llm_calls"], row["cost_usd"]) == ("degraded", 6, 0.5)


def test_the_ledger_counts_attempts_and_keeps_the_thread(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "h.db"))
    day = date(2026, 11, 23)
    store.digests.save(digest(day, ["a"]), None)
    ledger = store.ledger
    ledger.mark_sending(day, "slack", "C1", 0, "k", "f1")
    ledger.mark_failed(day, "slack", "C1", 0, "busy", permanent=False)
    ledger.mark_sending(day, "slack", "C1", 0, "k", "f1")
    ledger.mark_sent(day, "slack", "C1", 0, "1.0", "f1")
    ledger.set_thread(day, "slack", "C1", 0, "1.0")
    row = ledger.get(day, "slack", "C1", 0)
    assert (row["state"], row["attempts"], row["message_id"], row["error"]) == (
        "sent",
        2,
        "1.0",
        "",
    )
    assert row["thread_id"] == "1.0" and ledger.get(day, "slack", "C1", 1) is None


def test_a_notice_is_first_only_once(tmp_path: Path) -> None:
    notices = open_store(str(tmp_path / "h.db")).notices
    assert not notices.reported("k")
    notices.record("k", "disk full")
    notices.record("k", "disk full")
    assert notices.reported("k") and not notices.reported("other")


# -- claims ---------------------------------------------------------------------


def test_a_claim_is_held_until_released(tmp_path: Path) -> None:
    store, other = open_store(str(tmp_path / "h.db")), open_store(str(tmp_path / "h.db"))
    me = f"{socket.gethostname()}:{os.getpid()}:a"
    assert store.claims.claim("generate:2026-11-23", me, HALF_HOUR, NOON)
    assert store.claims.claim("generate:2026-11-23", me, HALF_HOUR, NOON)  # ours already
    assert not other.claims.claim("generate:2026-11-23", "elsewhere:1:b", HALF_HOUR, NOON)
    assert other.claims.claim("generate:2026-11-24", "elsewhere:1:b", HALF_HOUR, NOON)
    store.claims.release("generate:2026-11-23", "someone-else")  # not theirs to release
    assert not other.claims.claim("generate:2026-11-23", "elsewhere:1:b", HALF_HOUR, NOON)
    store.claims.release("generate:2026-11-23", me)
    assert other.claims.claim("generate:2026-11-23", "elsewhere:1:b", HALF_HOUR, NOON)


def test_a_stale_claim_is_taken_over_and_a_fresh_one_is_not(tmp_path: Path) -> None:
    claims = open_store(str(tmp_path / "h.db")).claims
    assert claims.claim("deliver:slack:x", "elsewhere:1:a", HALF_HOUR, NOON)
    just_fresh = NOON + HALF_HOUR
    assert not claims.claim("deliver:slack:x", "elsewhere:2:b", HALF_HOUR, just_fresh)
    stale = NOON + HALF_HOUR + timedelta(seconds=1)
    assert claims.claim("deliver:slack:x", "elsewhere:2:b", HALF_HOUR, stale)
    assert claims.holder("deliver:slack:x") == "elsewhere:2:b"


def test_a_claim_of_a_process_that_died_is_taken_over(tmp_path: Path) -> None:
    claims = open_store(str(tmp_path / "h.db")).claims
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    alive = f"{socket.gethostname()}:{os.getpid()}:a"
    assert claims.claim("k", f"{socket.gethostname()}:{gone}:c", HALF_HOUR, NOON)
    assert claims.claim("k", alive, HALF_HOUR, NOON)
    assert not claims.claim("k", f"{socket.gethostname()}:{gone}:d", HALF_HOUR, NOON)


# -- opening: the bad days ---------------------------------------------------------


def test_reading_never_creates_a_database(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="there is no history at"):
        History(str(tmp_path / "none.db"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("opener", [History, open_store])
def test_a_file_that_is_not_sqlite_is_named(tmp_path: Path, opener) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 20)
    with pytest.raises(StorageError, match="is not a digestbot database"):
        opener(str(path))
    assert path.read_text().startswith("these are my notes")


def test_a_sqlite_database_of_another_program_is_not_read_as_history(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table things (x)")
    with pytest.raises(StorageError, match="not a digestbot database"):
        History(str(path))


@pytest.mark.parametrize("opener", [History, open_store])
def test_a_folder_is_not_a_database(tmp_path: Path, opener) -> None:
    with pytest.raises(StorageError, match="is a folder"):
        opener(str(tmp_path))


def test_a_database_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="cannot create the folder"):
        open_store(str(tmp_path / "file" / "h.db"))


def test_a_database_locked_by_another_writer_is_reported(tmp_path: Path, monkeypatch) -> None:
    from digestbot.storage import base

    monkeypatch.setattr(base, "BUSY_SECONDS", 0.2)
    path = tmp_path / "h.db"
    open_store(str(path)).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("begin exclusive")
    try:
        store = open_store(str(path))
        with pytest.raises(StorageError, match="locked by another program"):
            store.runs.start("generate", date(2026, 11, 23), "m", owner_id())
    finally:
        holder.execute("rollback")
        holder.close()


def test_an_older_database_is_brought_up_to_date_when_read(tmp_path: Path) -> None:
    from sqlite_utils import Database as Tables
    from sqlite_utils.migrations import Migrations

    path = tmp_path / "old.db"
    old = Migrations(schema.MIGRATION_SET)
    for name, step in schema.STEPS[:3]:
        old(name=name)(step)
    with sqlite3.connect(path) as conn:
        old.apply(Tables(conn))
    with History(str(path)) as history:
        assert history.reports.history(5) == []
        assert schema.pending(history.db) == []


def test_a_scratch_copy_changes_nothing_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with open_store(str(path)) as store:
        store.digests.save(digest(date(2026, 11, 20), ["a"]), None)
    before = path.read_bytes()
    with open_scratch_copy(str(path)) as copy:
        assert copy.digests.load(date(2026, 11, 20)) is not None
        copy.digests.save(digest(date(2026, 11, 21), ["b"]), None)
    assert path.read_bytes() == before
    with open_scratch_copy(str(tmp_path / "none.db")) as empty:
        assert empty.digests.load(date(2026, 11, 20)) is None
    assert not (tmp_path / "none.db").exists()


async def test_waiting_for_a_claim_gives_up_after_its_bound(tmp_path: Path) -> None:
    from digestbot.core.claims import hold
    from digestbot.core.errors import ClaimTimeout

    claims = open_store(str(tmp_path / "h.db")).claims
    assert claims.claim("generate:2026-11-23", "elsewhere:1:a", HALF_HOUR, NOON)
    with pytest.raises(ClaimTimeout, match="another digestbot has been busy with generate"):
        await hold(
            claims, "generate:2026-11-23", "here:2:b",
            stale_after=HALF_HOUR, clock=lambda: NOON, max_wait=0.2, poll_seconds=0.05,
        )  # fmt: skip
    later = NOON + HALF_HOUR + timedelta(seconds=1)  # the holder's claim went stale
    waited = await hold(
        claims, "generate:2026-11-23", "here:2:b",
        stale_after=HALF_HOUR, clock=lambda: later, max_wait=0.2, poll_seconds=0.05,
    )  # fmt: skip
    assert waited is False and claims.holder("generate:2026-11-23") == "here:2:b"


# -- runs -------------------------------------------------------------------------


def test_a_run_whose_process_died_is_interrupted_then_completed(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    host = socket.gethostname()
    store = open_store(str(tmp_path / "h.db"))
    day = date(2026, 11, 23)
    killed = store.runs.start("generate", day, "m", owner=f"{host}:{gone}:abcd")
    alive = store.runs.start("generate", day, "m", owner=f"{host}:{os.getpid()}:abcd")
    elsewhere = store.runs.start("generate", day, "m", owner=f"other-host:{gone}:abcd")
    done = store.runs.start("generate", day, "m", owner=f"{host}:{gone}:abcd")
    store.runs.finish(done, "ok", "", Usage())

    assert store.runs.mark_interrupted() == 1
    status = {r["id"]: r["status"] for r in store.db.rows("select id, status from runs")}
    assert status == {killed: "interrupted", alive: "running", elsewhere: "running", done: "ok"}
    assert store.runs.mark_interrupted() == 0  # once

    assert store.runs.complete_interrupted(day, "ok", "") == 1
    row = store.db.one("select status, message from runs where id = ?", [killed])
    assert row["status"] == "ok" and row["message"].startswith("interrupted, then completed")


def test_history_tells_a_run_whose_process_died_from_one_still_going(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    path = str(tmp_path / "h.db")
    day = date(2026, 11, 23)
    with open_store(path) as store:
        store.digests.save(digest(day, ["a"]), None)
        store.runs.start("generate", day, "m", owner=f"{socket.gethostname()}:{gone}:ab")
    with History(path) as history:  # read-only: it tells, it does not write
        assert history.reports.history(5)[0]["status"] == "interrupted"
        assert history.reports.last_run()["status"] == "interrupted"
    with open_store(path) as store:
        store.runs.start("generate", day, "m", owner=f"{socket.gethostname()}:{os.getpid()}:ab")
    with History(path) as history:
        assert history.reports.history(5)[0]["status"] == "running"
