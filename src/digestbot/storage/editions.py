"""Channel editions of a day's digest, kept whole as JSON beside the day's own digest.

The day's digest (the default edition: the blog post, and every channel without a
profile of its own) lives in its tables, where history and search read it. An edition
of a channel with a profile (its topics, language, focus) is only ever read back whole,
to be delivered again or after an approval: one row a (day, edition), its digest as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

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


def to_json(digest: Digest) -> str:
    return json.dumps(asdict(digest), default=_plain, ensure_ascii=False)


def from_json(text: str) -> Digest:
    data = json.loads(text)
    return Digest(
        day=date.fromisoformat(data["day"]),
        generated_at=datetime.fromisoformat(data["generated_at"]),
        model=data["model"],
        mode=DigestMode(data["mode"]),
        topics=tuple(_topic(t) for t in data["topics"]),
        trending=tuple(Trending(**t) for t in data["trending"]),
        predictions=tuple(Prediction(**p) for p in data["predictions"]),
        usage=Usage(**data["usage"]),
        notes=tuple(data["notes"]),
        problems=tuple(data["problems"]),
        wanted_topics=data["wanted_topics"],
        url=data["url"],
        headline_reason=data["headline_reason"],
    )


def _plain(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not kept in an edition")


def _post(data: dict[str, Any]) -> SourcePost:
    return SourcePost(**{**data, "created_utc": datetime.fromisoformat(data["created_utc"])})


def _topic(data: dict[str, Any]) -> Topic:
    analysis = data["analysis"]
    article, update = data["article"], data["update_of"]
    return Topic(
        post=_post(data["post"]),
        title=data["title"],
        analysis=Analysis(
            **{
                **analysis,
                "status": AnalysisStatus(analysis["status"]),
                "quotes": tuple(analysis["quotes"]),
            }
        ),
        article=Article(**article) if article else None,
        also=tuple(_post(p) for p in data["also"]),
        update_of=Coverage(**{**update, "day": date.fromisoformat(update["day"])})
        if update
        else None,
    )


class Editions:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, day: date, editions: dict[str, Digest]) -> None:
        """The day's editions, by their keys, in place of any it had."""
        with self._db.transaction():
            self._db.execute("delete from editions where day = ?", [day.isoformat()])
            self._db.executemany(
                "insert into editions (day, edition, digest, saved_at) values (?, ?, ?, ?)",
                [(day.isoformat(), key, to_json(d), now_text()) for key, d in editions.items()],
            )

    def load(self, day: date) -> dict[str, Digest]:
        rows = self._db.rows(
            "select edition, digest from editions where day = ? order by edition",
            [day.isoformat()],
        )
        return {row["edition"]: from_json(row["digest"]) for row in rows}
