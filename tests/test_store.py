from datetime import UTC, date, datetime
from pathlib import Path

from bot.models import (
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
from bot.store import Store, migrations


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


def test_a_new_database_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "h.db")
    assert store.db.journal_mode == "wal"
    assert {
        "runs",
        "digests",
        "source_posts",
        "digest_topics",
        "digest_trending",
        "predictions",
        "analyses",
    } <= set(store.db.table_names())
    store.close()
    again = Store(tmp_path / "h.db")  # opening again applies nothing twice
    applied = [m.name for m in migrations.applied(again.db)]
    assert applied == sorted(set(applied)) and applied[0] == "0001_history"
    assert migrations.pending(again.db) == []
    again.close()


def test_a_digest_reads_back_as_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "h.db")
    original = digest(date(2026, 11, 20), ["a", "b"], ["Hot one"])
    store.save_digest(original, run_id=None)
    assert store.load_digest(date(2026, 11, 20)) == original
    assert store.load_digest(date(2026, 11, 21)) is None


def test_saving_a_day_again_replaces_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "h.db")
    store.save_digest(digest(date(2026, 11, 20), ["a", "b"]), None)
    store.save_digest(digest(date(2026, 11, 20), ["c"]), None)
    loaded = store.load_digest(date(2026, 11, 20))
    assert [t.post.id for t in loaded.topics] == ["c"]
    assert store.db["digests"].count == 1


def test_covered_posts_and_recent_trending_titles(tmp_path: Path) -> None:
    store = Store(tmp_path / "h.db")
    store.save_digest(digest(date(2026, 11, 10), ["old"], ["Ten days ago"]), None)
    store.save_digest(digest(date(2026, 11, 18), ["x", "y"], ["Five days ago"]), None)
    store.save_digest(digest(date(2026, 11, 23), ["today"], ["Today"]), None)
    assert store.covered_post_ids(other_than=date(2026, 11, 23)) == {"old", "x", "y"}
    assert store.recent_trending_titles(date(2026, 11, 23), 7) == ["Five days ago"]


def test_the_cache_keys_on_post_model_and_prompt_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "h.db")
    store.cache_answer("p1", "topic", "m", "1-abc", {"benefits": "b"}, Usage(calls=1))
    assert store.cached_answer("p1", "m", "1-abc") == {"benefits": "b"}
    assert store.cached_answer("p1", "m", "2-def") is None
    assert store.cached_answer("p1", "other", "1-abc") is None


def test_runs_record_their_usage(tmp_path: Path) -> None:
    store = Store(tmp_path / "h.db")
    run = store.start_run("generate", date(2026, 11, 23), "m")
    store.finish_run(
        run, "ok", "", Usage(calls=6, prompt_tokens=10, completion_tokens=5, cost_usd=0.5)
    )
    row = store.db["runs"].get(run)
    assert (row["status"], row["llm_calls"], row["cost_usd"]) == ("ok", 6, 0.5)


def test_a_claim_is_held_until_released_or_its_owner_dies(tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys
    from datetime import timedelta

    store, other = Store(tmp_path / "h.db"), Store(tmp_path / "h.db")  # two connections
    half_hour = timedelta(minutes=30)
    me = f"{socket.gethostname()}:{os.getpid()}:a"
    assert store.claim("generate:2026-11-23", me, half_hour)
    assert not other.claim("generate:2026-11-23", "elsewhere:1:b", half_hour)
    store.release("generate:2026-11-23", me)
    assert other.claim("generate:2026-11-23", "elsewhere:1:b", half_hour)
    # A process of this machine that has exited holds nothing.
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert store.claim("deliver:slack:x", f"{socket.gethostname()}:{gone}:c", half_hour)
    assert other.claim("deliver:slack:x", me, half_hour)
