"""The bot's history in SQLite: runs, digests, source posts, the analysis cache.

One connection, used from the event loop's thread (the queries here take well
under a millisecond); WAL mode so a reader never blocks the writer.
The schema changes only through the numbered migrations below.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.models import (
    Analysis,
    AnalysisStatus,
    Digest,
    DigestMode,
    Prediction,
    SearchHit,
    SourcePost,
    Topic,
    Trending,
    Usage,
)

migrations = Migrations("digestbot")


@migrations(name="0001_history")
def _history(db: Database) -> None:
    db["runs"].create(
        {
            "id": int,
            "command": str,
            "day": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running, ok, degraded, failed
            "message": str,
            "model": str,
            "llm_calls": int,
            "cache_hits": int,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cost_usd": float,
        },
        pk="id",
    )
    db["source_posts"].create(
        {
            "id": str,
            "source": str,
            "title": str,
            "url": str,
            "link": str,
            "body": str,
            "score": int,
            "num_comments": int,
            "flair": str,
            "created_utc": str,
            "stored_at": str,
        },
        pk="id",
    )
    db["digests"].create(
        {
            "day": str,
            "run_id": int,
            "generated_at": str,
            "model": str,
            "mode": str,
            "notes": str,  # JSON list
            "imported": int,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cost_usd": float,
            "llm_calls": int,
            "cache_hits": int,
        },
        pk="day",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["digest_topics"].create(
        {
            "day": str,
            "position": int,
            "post_id": str,
            "title": str,
            "status": str,
            "benefits": str,
            "ramifications": str,
            "error": str,
        },
        pk=("day", "position"),
        foreign_keys=[("day", "digests", "day"), ("post_id", "source_posts", "id")],
    )
    db["digest_topics"].create_index(["post_id"])
    db["digest_trending"].create(
        {"day": str, "position": int, "post_id": str, "title": str, "url": str},
        pk=("day", "position"),
        foreign_keys=[("day", "digests", "day")],
    )
    db["predictions"].create(
        {
            "day": str,  # the day the prediction was made
            "position": int,
            "event": str,
            "predicted": str,
            "rationale": str,
            "model": str,
        },
        pk=("day", "position"),
        foreign_keys=[("day", "digests", "day")],
    )
    db["analyses"].create(
        {
            "subject": str,  # a post id, or "predictions:<day>:<events>"
            "model": str,
            "prompt_version": str,
            "kind": str,
            "answer": str,  # JSON
            "prompt_tokens": int,
            "completion_tokens": int,
            "cost_usd": float,
            "created_at": str,
        },
        pk=("subject", "model", "prompt_version"),
    )


@migrations(name="0002_deliveries")
def _deliveries(db: Database) -> None:
    db["deliveries"].create(
        {
            "day": str,
            "platform": str,  # discord, slack
            "channel": str,
            "part": int,  # the message's place in the digest's rendering
            "state": str,  # sending, sent, failed
            "key": str,  # the idempotency key (Discord's nonce; Slack's message metadata)
            "message_id": str,
            "thread_id": str,  # where the following parts go, when details are threaded
            "attempts": int,
            "error": str,
            "permanent": int,  # the failure will not go away by retrying
            "sending_at": str,
            "updated_at": str,
        },
        pk=("day", "platform", "channel", "part"),
        foreign_keys=[("day", "digests", "day")],
    )


@migrations(name="0003_claims")
def _claims(db: Database) -> None:
    # Who is doing a job that must not run twice at once, e.g. "generate:2026-11-23".
    db["claims"].create({"key": str, "owner": str, "claimed_at": str}, pk="key")


@migrations(name="0004_digest_problems")
def _digest_problems(db: Database) -> None:
    db["digests"].add_column("problems", str)  # JSON list, like notes


@migrations(name="0005_notices")
def _notices(db: Database) -> None:
    # Problems already reported to admins, so each is reported once.
    db["notices"].create({"key": str, "text": str, "first_seen": str}, pk="key")


@migrations(name="0006_search")
def _search(db: Database) -> None:
    # Full-text indexes kept in step by triggers; porter stemming: "models" finds "model".
    db["digest_topics"].enable_fts(
        ["title", "benefits", "ramifications"], create_triggers=True, tokenize="porter"
    )
    db["digest_trending"].enable_fts(["title"], create_triggers=True, tokenize="porter")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class Store:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Used only from the event loop's thread; sqlite3 refuses any other thread.
        conn = sqlite3.connect(str(path), timeout=30)
        self.db = Database(conn)
        if str(path) != ":memory:":
            self.db.enable_wal()
        self.db.execute("PRAGMA foreign_keys=ON")
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs ---------------------------------------------------------------

    def start_run(self, command: str, day: date, model: str) -> int:
        table = self.db["runs"]
        table.insert(
            {
                "command": command,
                "day": day.isoformat(),
                "started_at": _now(),
                "status": "running",
                "model": model,
            }
        )
        return int(table.last_pk)

    def finish_run(self, run_id: int, status: str, message: str, usage: Usage) -> None:
        self.db["runs"].update(
            run_id,
            {
                "finished_at": _now(),
                "status": status,
                "message": message,
                "llm_calls": usage.calls,
                "cache_hits": usage.cache_hits,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cost_usd": usage.cost_usd,
            },
        )

    # -- the analysis cache -------------------------------------------------

    def cached_answer(self, subject: str, model: str, prompt_version: str) -> dict | None:
        rows = self.db.query(
            "select answer from analyses where subject = ? and model = ? and prompt_version = ?",
            [subject, model, prompt_version],
        )
        row = next(rows, None)
        return json.loads(row["answer"]) if row else None

    def cache_answer(
        self, subject: str, kind: str, model: str, prompt_version: str, answer: dict, usage: Usage
    ) -> None:
        self.db["analyses"].upsert(
            {
                "subject": subject,
                "model": model,
                "prompt_version": prompt_version,
                "kind": kind,
                "answer": json.dumps(answer, ensure_ascii=False),
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cost_usd": usage.cost_usd,
                "created_at": _now(),
            },
            pk=("subject", "model", "prompt_version"),
        )

    # -- what selection needs to know ----------------------------------------

    def covered_post_ids(self, other_than: date) -> set[str]:
        """Ids of posts that were a topic of a digest of any other day."""
        rows = self.db.query(
            "select post_id from digest_topics where day != ?", [other_than.isoformat()]
        )
        return {row["post_id"] for row in rows}

    def recent_trending_titles(self, day: date, lookback_days: int) -> list[str]:
        since = day - timedelta(days=lookback_days)
        rows = self.db.query(
            "select title from digest_trending where day >= ? and day < ?",
            [since.isoformat(), day.isoformat()],
        )
        return [row["title"] for row in rows]

    # -- digests ------------------------------------------------------------

    def is_imported(self, day: date) -> bool:
        return self.db["digests"].count_where("day = ? and imported = 1", [day.isoformat()]) > 0

    def save_digest(self, digest: Digest, run_id: int | None, *, imported: bool = False) -> None:
        """Store a digest, replacing that day's earlier one, in one transaction."""
        day = digest.day.isoformat()
        with self.db.atomic():
            for table in ("digest_topics", "digest_trending", "predictions"):
                self.db.execute(f"delete from {table} where day = ?", [day])
            self.db["source_posts"].upsert_all(
                (_post_row(t.post) for t in digest.topics), pk="id", alter=False
            )
            usage = digest.usage
            self.db["digests"].upsert(
                {
                    "day": day,
                    "run_id": run_id,
                    "generated_at": _iso(digest.generated_at),
                    "model": digest.model,
                    "mode": digest.mode.value,
                    "notes": json.dumps(list(digest.notes), ensure_ascii=False),
                    "problems": json.dumps(list(digest.problems), ensure_ascii=False),
                    "imported": int(imported),
                    "prompt_tokens": usage.prompt_tokens,
                    "completion_tokens": usage.completion_tokens,
                    "cost_usd": usage.cost_usd,
                    "llm_calls": usage.calls,
                    "cache_hits": usage.cache_hits,
                },
                pk="day",
            )
            self.db["digest_topics"].insert_all(
                {
                    "day": day,
                    "position": i,
                    "post_id": t.post.id,
                    "title": t.title,
                    "status": t.analysis.status.value,
                    "benefits": t.analysis.benefits,
                    "ramifications": t.analysis.ramifications,
                    "error": t.analysis.error,
                }
                for i, t in enumerate(digest.topics)
            )
            self.db["digest_trending"].insert_all(
                {"day": day, "position": i, "post_id": t.post_id, "title": t.title, "url": t.url}
                for i, t in enumerate(digest.trending)
            )
            self.db["predictions"].insert_all(
                {"day": day, "position": i, "model": digest.model, **asdict(p)}
                for i, p in enumerate(digest.predictions)
            )

    def load_digest(self, day: date) -> Digest | None:
        key = day.isoformat()
        row = next(self.db["digests"].rows_where("day = ?", [key]), None)
        if row is None:
            return None
        topics = tuple(
            Topic(
                post=_post_from_row(self.db["source_posts"].get(t["post_id"])),
                title=t["title"],
                analysis=Analysis(
                    AnalysisStatus(t["status"]), t["benefits"], t["ramifications"], t["error"]
                ),
            )
            for t in self.db["digest_topics"].rows_where("day = ?", [key], order_by="position")
        )
        trending = tuple(
            Trending(r["post_id"], r["title"], r["url"])
            for r in self.db["digest_trending"].rows_where("day = ?", [key], order_by="position")
        )
        predictions = tuple(
            Prediction(r["event"], r["predicted"], r["rationale"])
            for r in self.db["predictions"].rows_where("day = ?", [key], order_by="position")
        )
        return Digest(
            day=day,
            generated_at=datetime.fromisoformat(row["generated_at"]),
            model=row["model"],
            mode=DigestMode(row["mode"]),
            topics=topics,
            trending=trending,
            predictions=predictions,
            usage=Usage(
                calls=row["llm_calls"] or 0,
                cache_hits=row["cache_hits"] or 0,
                prompt_tokens=row["prompt_tokens"] or 0,
                completion_tokens=row["completion_tokens"] or 0,
                cost_usd=row["cost_usd"] or 0.0,
            ),
            notes=tuple(json.loads(row["notes"] or "[]")),
            problems=tuple(json.loads(row.get("problems") or "[]")),
        )

    def digest_days(self, since: date | None = None, until: date | None = None) -> list[date]:
        where, args = [], []
        if since:
            where.append("day >= ?")
            args.append(since.isoformat())
        if until:
            where.append("day <= ?")
            args.append(until.isoformat())
        rows = self.db["digests"].rows_where(
            " and ".join(where) or None, args, order_by="day", select="day"
        )
        return [date.fromisoformat(r["day"]) for r in rows]

    # -- jobs that must not run twice at once, across processes --------------

    def claim(self, key: str, owner: str, stale_after: timedelta) -> bool:
        """Claim a job; False while another live owner holds it.

        INSERT OR IGNORE decides atomically, so two processes can never both win; a claim
        older than `stale_after` belongs to a run that died and is taken over.
        """
        stale = (datetime.now(UTC) - stale_after).isoformat(timespec="seconds")
        self.db.execute("delete from claims where key = ? and claimed_at < ?", [key, stale])
        holder = next(self.db.query("select owner from claims where key = ?", [key]), None)
        if holder and _died(holder["owner"]):
            self.db.execute(
                "delete from claims where key = ? and owner = ?", [key, holder["owner"]]
            )
        self.db.execute(
            "insert or ignore into claims (key, owner, claimed_at) values (?, ?, ?)",
            [key, owner, _now()],
        )
        row = next(self.db.query("select owner from claims where key = ?", [key]))
        return row["owner"] == owner

    def release(self, key: str, owner: str) -> None:
        self.db.execute("delete from claims where key = ? and owner = ?", [key, owner])

    def first_notice(self, key: str, text: str) -> bool:
        """Record a problem as reported; False if it already was."""
        before = self.db.conn.total_changes
        self.db.execute(
            "insert or ignore into notices (key, text, first_seen) values (?, ?, ?)",
            [key, text, _now()],
        )
        return self.db.conn.total_changes > before

    # -- search -----------------------------------------------------------------

    def search(self, query: str, limit: int, offset: int = 0) -> tuple[int, list[SearchHit]]:
        """Topics and trending titles matching every word of `query`, best first.

        The words are quoted one by one, so no FTS syntax of a user's reaches SQLite;
        each is a prefix ("lora" finds "LoRA" and "LoRAs"). A title match weighs ten
        times a match in the analysis.
        """
        words = re.findall(r"\w+", query)
        if not words:
            return 0, []
        match = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        hits = """
            select t.day, t.title, coalesce(p.url, '') as url, 'topic' as kind,
                   bm25(digest_topics_fts, 10.0, 1.0, 1.0) as rank
            from digest_topics_fts f
            join digest_topics t on t.rowid = f.rowid
            left join source_posts p on p.id = t.post_id
            where digest_topics_fts match :match
            union all
            select r.day, r.title, r.url, 'trending' as kind, bm25(digest_trending_fts) as rank
            from digest_trending_fts f
            join digest_trending r on r.rowid = f.rowid
            where digest_trending_fts match :match
        """
        args = {"match": match, "limit": limit, "offset": offset}
        total = next(self.db.query(f"select count(*) as n from ({hits})", args))["n"]
        rows = self.db.query(
            f"select * from ({hits}) order by rank, day desc limit :limit offset :offset", args
        )
        return total, [
            SearchHit(date.fromisoformat(r["day"]), r["title"], r["url"], r["kind"]) for r in rows
        ]

    # -- what /digest status reports -----------------------------------------

    def last_run(self) -> dict[str, Any] | None:
        return next(self.db.query("select * from runs order by id desc limit 1"), None)

    def predictions_made(self, since: date | None) -> list[tuple[date, str, str]]:
        """Every stored prediction as (day made, event, predicted date), oldest first."""
        rows = self.db.query(
            "select day, event, predicted from predictions where day >= ? order by day",
            [(since or date.min).isoformat()],
        )
        return [(date.fromisoformat(r["day"]), r["event"], r["predicted"]) for r in rows]

    def usage_report(self, by: str, since: date | None) -> list[dict[str, Any]]:
        """LLM use per day or month: runs, calls, cache hits, tokens, cost; newest first."""
        width = {"day": 10, "month": 7}[by]
        return list(
            self.db.query(
                f"""select substr(started_at, 1, {width}) as period, count(*) as runs,
                           coalesce(sum(llm_calls), 0) as calls,
                           coalesce(sum(cache_hits), 0) as cache_hits,
                           coalesce(sum(prompt_tokens), 0) as prompt_tokens,
                           coalesce(sum(completion_tokens), 0) as completion_tokens,
                           coalesce(sum(cost_usd), 0) as cost_usd
                    from runs where started_at >= ?
                    group by period order by period desc""",
                [(since or date.min).isoformat()],
            )
        )

    def month_usage(self, month: date) -> dict[str, Any]:
        start = month.replace(day=1).isoformat()
        return next(
            self.db.query(
                """select count(*) as runs, coalesce(sum(llm_calls), 0) as calls,
                          coalesce(sum(prompt_tokens + completion_tokens), 0) as tokens,
                          coalesce(sum(cost_usd), 0) as cost_usd
                   from runs where started_at >= ?""",
                [start],
            )
        )

    def recent_failures(self, since: datetime) -> list[str]:
        """Failed runs and undelivered channels since `since`, newest first, in words."""
        runs = self.db.query(
            "select day, message from runs where status = 'failed' and started_at >= ? "
            "order by id desc limit 5",
            [since.isoformat(timespec="seconds")],
        )
        deliveries = self.db.query(
            "select day, platform, channel, error from deliveries where state = 'failed' "
            "and updated_at >= ? order by updated_at desc limit 5",
            [since.isoformat(timespec="seconds")],
        )
        return [f"run for {r['day']}: {r['message']}" for r in runs] + [
            f"{d['platform']} channel {d['channel']} ({d['day']}): {d['error']}" for d in deliveries
        ]

    # -- the delivery ledger ------------------------------------------------

    def delivery(self, day: date, platform: str, channel: str, part: int) -> dict | None:
        rows = self.db["deliveries"].rows_where(
            "day = ? and platform = ? and channel = ? and part = ?",
            [day.isoformat(), platform, channel, part],
        )
        return next(rows, None)

    def _ledger(self, day: date, platform: str, channel: str, part: int, **values: Any) -> None:
        key = {"day": day.isoformat(), "platform": platform, "channel": channel, "part": part}
        self.db["deliveries"].upsert(
            {**key, **values, "updated_at": _now()}, pk=("day", "platform", "channel", "part")
        )

    def mark_sending(self, day: date, platform: str, channel: str, part: int, key: str) -> None:
        """Recorded before the request goes out, so a crash leaves a trace to resume from."""
        previous = self.delivery(day, platform, channel, part)
        attempts = (previous["attempts"] or 0) + 1 if previous else 1
        self._ledger(
            day,
            platform,
            channel,
            part,
            state="sending",
            key=key,
            attempts=attempts,
            error="",
            permanent=0,
            sending_at=_now(),
        )

    def mark_sent(self, day: date, platform: str, channel: str, part: int, message_id: str) -> None:
        self._ledger(day, platform, channel, part, state="sent", message_id=message_id)

    def set_thread(self, day: date, platform: str, channel: str, part: int, thread: str) -> None:
        self._ledger(day, platform, channel, part, thread_id=thread)

    def mark_failed(
        self, day: date, platform: str, channel: str, part: int, error: str, permanent: bool
    ) -> None:
        self._ledger(
            day, platform, channel, part, state="failed", error=error, permanent=int(permanent)
        )

    def deliveries(self, day: date) -> list[dict[str, Any]]:
        return list(
            self.db["deliveries"].rows_where(
                "day = ?", [day.isoformat()], order_by="platform, channel, part"
            )
        )

    def history(self, limit: int) -> Iterator[dict[str, Any]]:
        """The newest digests first, with their topic count and usage."""
        return self.db.query(
            """
            select d.day, d.mode, d.model, d.generated_at, d.llm_calls, d.cache_hits,
                   d.prompt_tokens + d.completion_tokens as tokens, d.cost_usd, d.imported,
                   (select count(*) from digest_topics t where t.day = d.day) as topics,
                   (select count(*) from digest_topics t
                     where t.day = d.day and t.status = 'failed') as failed
            from digests d order by d.day desc limit ?
            """,
            [limit],
        )


def _post_row(post: SourcePost) -> dict[str, Any]:
    row = asdict(post)
    row["created_utc"] = _iso(post.created_utc)
    for flag in ("stickied", "nsfw", "removed"):
        del row[flag]  # selection facts of the moment, not history
    row["stored_at"] = _now()
    return row


def _post_from_row(row: dict[str, Any]) -> SourcePost:
    return SourcePost(
        id=row["id"],
        source=row["source"],
        title=row["title"],
        url=row["url"],
        link=row["link"],
        body=row["body"],
        score=row["score"],
        num_comments=row["num_comments"],
        flair=row["flair"],
        created_utc=datetime.fromisoformat(row["created_utc"]),
    )


def _died(owner: str) -> bool:
    """Whether a claim's owner was a process on this machine that is no longer running."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


def owner_id() -> str:
    """Names this process (and object) as the holder of a claim."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def wait_for_claim(
    store: Store, key: str, owner: str, stale_after: timedelta, poll_seconds: float = 1.0
) -> bool:
    """Claim `key`, waiting while another owner holds it. True if we had to wait."""
    waited = False
    while not store.claim(key, owner, stale_after):
        waited = True
        await asyncio.sleep(poll_seconds)
    return waited
