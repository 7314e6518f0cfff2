"""Digests as stored: one per day, with their topics, source posts, trending titles and
predictions, each in order; saving a day again replaces it in one transaction."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime

from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Article,
    Coverage,
    Digest,
    DigestMode,
    Prediction,
    SourcePost,
    Topic,
    Trending,
    Usage,
)
from digestbot.storage.base import Database, now_text
from digestbot.storage.editions import Editions

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
                # The editions' posts too: votes and feedback name them by their ids.
                [_post_row(post) for post in _every_post(digest)],
            )
            Editions(self._db).save(digest.day, dict(digest.editions))
            self._db.execute(
                """insert into digests (day, run_id, generated_at, model, mode, notes, problems,
                       imported, prompt_tokens, completion_tokens, cost_usd, llm_calls, cache_hits,
                       wanted_topics, headline_reason)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   on conflict (day) do update set run_id = excluded.run_id,
                       generated_at = excluded.generated_at, model = excluded.model,
                       mode = excluded.mode, notes = excluded.notes,
                       problems = excluded.problems, imported = excluded.imported,
                       prompt_tokens = excluded.prompt_tokens,
                       completion_tokens = excluded.completion_tokens,
                       cost_usd = excluded.cost_usd, llm_calls = excluded.llm_calls,
                       cache_hits = excluded.cache_hits,
                       wanted_topics = excluded.wanted_topics,
                       headline_reason = excluded.headline_reason""",
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
                    digest.wanted_topics,
                    digest.headline_reason,
                ],
            )
            self._db.executemany(
                "insert into digest_topics (day, position, post_id, title, status, benefits, "
                "ramifications, error, quotes, verified, also, first_covered, first_title) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(day, i, t.post.id, t.title, *_columns(t)) for i, t in enumerate(digest.topics)],
            )
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
            "select t.title as topic_title, t.status, t.benefits, t.ramifications, t.error, "
            "t.quotes, t.verified, t.also, t.first_covered, t.first_title, a.url as article_url, "
            "a.text as article_text, a.title as article_title, a.error as article_error, p.* "
            "from digest_topics t join source_posts p on p.id = t.post_id "
            "left join articles a on a.url = p.link and p.link != '' "
            "where t.day = ? order by t.position",
            key,
        )
        also_ids = [i for t in topics for i in json.loads(t["also"] or "[]")]
        also = {r["id"]: _post_from_row(r) for r in self._posts(also_ids)}
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
            topics=tuple(_topic_from_row(t, also) for t in topics),
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
            wanted_topics=row["wanted_topics"] or 0,
            headline_reason=row["headline_reason"] or "",
            editions=tuple(Editions(self._db).load(day).items()),
        )

    def _posts(self, ids: list[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        return self._db.rows(f"select * from source_posts where id in ({marks})", ids)

    def days(self, since: date | None = None, until: date | None = None) -> list[date]:
        rows = self._db.rows(
            "select day from digests where day >= ? and day <= ? order by day",
            [(since or date.min).isoformat(), (until or date.max).isoformat()],
        )
        return [date.fromisoformat(r["day"]) for r in rows]

    def is_imported(self, day: date) -> bool:
        row = self._db.one("select imported from digests where day = ?", [day.isoformat()])
        return bool(row and row["imported"])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _post_row(post: SourcePost) -> tuple[Any, ...]:
    row = asdict(post)
    row["created_utc"] = _iso(post.created_utc)
    row["stored_at"] = now_text()
    return tuple(row[column] for column in _POST_COLUMNS.split(", "))


def _columns(topic: Topic) -> tuple[Any, ...]:
    a = topic.analysis
    return (
        a.status.value,
        a.benefits,
        a.ramifications,
        a.error,
        json.dumps(list(a.quotes), ensure_ascii=False) if a.quotes else "",
        None if a.verified is None else int(a.verified),
        json.dumps([p.id for p in topic.also]) if topic.also else "",
        topic.update_of.day.isoformat() if topic.update_of else "",
        topic.update_of.title if topic.update_of else "",
    )


def _topic_from_row(row: dict[str, Any], also: dict[str, SourcePost]) -> Topic:
    analysis = Analysis(
        AnalysisStatus(row["status"]),
        row["benefits"],
        row["ramifications"],
        row["error"],
        quotes=tuple(json.loads(row["quotes"] or "[]")),
        verified=None if row["verified"] is None else bool(row["verified"]),
    )
    article = None
    if row["article_url"]:
        article = Article(
            row["article_url"], row["article_text"], row["article_title"], row["article_error"]
        )
    update_of = None
    if row["first_covered"]:
        update_of = Coverage(date.fromisoformat(row["first_covered"]), row["first_title"])
    return Topic(
        post=_post_from_row(row),
        title=row["topic_title"],
        analysis=analysis,
        article=article,
        also=tuple(also[i] for i in json.loads(row["also"] or "[]") if i in also),
        update_of=update_of,
    )


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


def _every_post(digest: Digest) -> list[SourcePost]:
    """The posts of the digest's topics and of its editions' topics, each once."""
    digests = [digest, *(edition for _, edition in digest.editions)]
    posts = {post.id: post for d in digests for t in d.topics for post in t.posts}
    return list(posts.values())
