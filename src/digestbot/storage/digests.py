"""Digests as stored: one per day, with their topics, source posts, trending titles and
predictions, each in order; saving a day again replaces it in one transaction."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

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
from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_POST_COLUMNS = (
    "id, source, title, url, link, body, score, num_comments, flair, created_utc, stored_at"
)


class Digests:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, digest: Digest, run_id: int | None, *, imported: bool = False) -> None:
        """Store a digest, replacing that day's earlier one, in one transaction."""
        day = digest.day.isoformat()
        usage = digest.usage
        with self._db.transaction():
            for table in ("digest_topics", "digest_trending", "predictions"):
                self._db.execute(f"delete from {table} where day = ?", [day])
            self._db.executemany(
                f"insert into source_posts ({_POST_COLUMNS}) values ({', '.join('?' * 11)}) "
                "on conflict (id) do update set "
                + ", ".join(f"{c} = excluded.{c}" for c in _POST_COLUMNS.split(", ")[1:]),
                [_post_row(t.post) for t in digest.topics],
            )
            self._db.execute(
                """insert into digests (day, run_id, generated_at, model, mode, notes, problems,
                       imported, prompt_tokens, completion_tokens, cost_usd, llm_calls, cache_hits)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   on conflict (day) do update set run_id = excluded.run_id,
                       generated_at = excluded.generated_at, model = excluded.model,
                       mode = excluded.mode, notes = excluded.notes,
                       problems = excluded.problems, imported = excluded.imported,
                       prompt_tokens = excluded.prompt_tokens,
                       completion_tokens = excluded.completion_tokens,
                       cost_usd = excluded.cost_usd, llm_calls = excluded.llm_calls,
                       cache_hits = excluded.cache_hits""",
                [
                    day,
                    run_id,
                    _iso(digest.generated_at),
                    digest.model,
                    digest.mode.value,
                    json.dumps(list(digest.notes), ensure_ascii=False),
                    json.dumps(list(digest.problems), ensure_ascii=False),
                    int(imported),
                    usage.prompt_tokens,
                    usage.completion_tokens,
                    usage.cost_usd,
                    usage.calls,
                    usage.cache_hits,
                ],
            )
            self._db.executemany(
                "insert into digest_topics (day, position, post_id, title, status, benefits, "
                "ramifications, error) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (day, i, t.post.id, t.title, t.analysis.status.value, t.analysis.benefits,
                     t.analysis.ramifications, t.analysis.error)
                    for i, t in enumerate(digest.topics)
                ],
            )  # fmt: skip
            self._db.executemany(
                "insert into digest_trending (day, position, post_id, title, url) "
                "values (?, ?, ?, ?, ?)",
                [(day, i, t.post_id, t.title, t.url) for i, t in enumerate(digest.trending)],
            )
            self._db.executemany(
                "insert into predictions (day, position, event, predicted, rationale, model) "
                "values (?, ?, ?, ?, ?, ?)",
                [
                    (day, i, p.event, p.predicted, p.rationale, digest.model)
                    for i, p in enumerate(digest.predictions)
                ],
            )

    def load(self, day: date) -> Digest | None:
        key = [day.isoformat()]
        row = self._db.one("select * from digests where day = ?", key)
        if row is None:
            return None
        topics = self._db.rows(
            "select t.title as topic_title, t.status, t.benefits, t.ramifications, t.error, p.* "
            "from digest_topics t join source_posts p on p.id = t.post_id "
            "where t.day = ? order by t.position",
            key,
        )
        trending = self._db.rows(
            "select post_id, title, url from digest_trending where day = ? order by position", key
        )
        predictions = self._db.rows(
            "select event, predicted, rationale from predictions where day = ? order by position",
            key,
        )
        return Digest(
            day=day,
            generated_at=datetime.fromisoformat(row["generated_at"]),
            model=row["model"],
            mode=DigestMode(row["mode"]),
            topics=tuple(
                Topic(
                    post=_post_from_row(t),
                    title=t["topic_title"],
                    analysis=Analysis(
                        AnalysisStatus(t["status"]), t["benefits"], t["ramifications"], t["error"]
                    ),
                )
                for t in topics
            ),
            trending=tuple(Trending(r["post_id"], r["title"], r["url"]) for r in trending),
            predictions=tuple(
                Prediction(r["event"], r["predicted"], r["rationale"]) for r in predictions
            ),
            usage=Usage(
                calls=row["llm_calls"] or 0,
                cache_hits=row["cache_hits"] or 0,
                prompt_tokens=row["prompt_tokens"] or 0,
                completion_tokens=row["completion_tokens"] or 0,
                cost_usd=row["cost_usd"] or 0.0,
            ),
            notes=tuple(json.loads(row["notes"] or "[]")),
            problems=tuple(json.loads(row["problems"] or "[]")),
        )

    def days(self, since: date | None = None, until: date | None = None) -> list[date]:
        rows = self._db.rows(
            "select day from digests where day >= ? and day <= ? order by day",
            [(since or date.min).isoformat(), (until or date.max).isoformat()],
        )
        return [date.fromisoformat(r["day"]) for r in rows]

    def is_imported(self, day: date) -> bool:
        row = self._db.one("select imported from digests where day = ?", [day.isoformat()])
        return bool(row and row["imported"])

    def covered_post_ids(self, other_than: date) -> set[str]:
        """Ids of posts that were a topic of a digest of any other day."""
        rows = self._db.rows(
            "select post_id from digest_topics where day != ?", [other_than.isoformat()]
        )
        return {row["post_id"] for row in rows}

    def recent_trending_titles(self, day: date, lookback_days: int) -> list[str]:
        since = day - timedelta(days=lookback_days)
        rows = self._db.rows(
            "select title from digest_trending where day >= ? and day < ?",
            [since.isoformat(), day.isoformat()],
        )
        return [row["title"] for row in rows]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _post_row(post: SourcePost) -> tuple[Any, ...]:
    row = asdict(post)
    row["created_utc"] = _iso(post.created_utc)
    row["stored_at"] = now_text()
    return tuple(row[column] for column in _POST_COLUMNS.split(", "))


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
