"""What earlier digests covered, as story matching reads it: the recent topics with all
their posts' ids and links (each post's outbound link and its own page, as
core.stories.post_telling has them) and their lead text, the recent trending titles with
their pages, and which of today's candidates were a topic's post on another day. Nothing
of the day being made is read, so a day made again does not take its own topics for
earlier coverage."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta

from digestbot.core.stories import LEAD_CHARS, Covered, CoveredTopic, lead
from digestbot.storage.base import Database

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


# The posts of channels' editions of other days, theirs and their stories' (the editions
# are kept whole as JSON): a focused channel is not shown the same post the next day.
_EDITION_POSTS = (
    "select id from (select json_extract(t.value, '$.post.id') as id "
    "from editions e, json_each(e.digest, '$.topics') t where e.day != :day "
    "union select json_extract(a.value, '$.id') from editions e, "
    "json_each(e.digest, '$.topics') t, json_each(t.value, '$.also') a where e.day != :day) "
    "where id in (select value from json_each(:ids))"
)


class Stories:
    def __init__(self, db: Database) -> None:
        self._db = db

    def covered(
        self, day: date, lookback_days: int, trending_days: int, candidate_ids: Iterable[str]
    ) -> Covered:
        """The topics of the `lookback_days` before `day` (or of the `trending_days`, when
        longer), the trending titles of the `trending_days` before it, and which of
        `candidate_ids` were a topic's post (or one of its story's) on any other day."""
        since = day - timedelta(days=max(lookback_days, trending_days))
        return Covered(
            day=day,
            topics=self._topics(since, day),
            trending=self._trending(day - timedelta(days=trending_days), day),
            post_ids=self._covered_ids(list(candidate_ids), day),
        )

    def _topics(self, since: date, day: date) -> tuple[CoveredTopic, ...]:
        rows = self._db.rows(
            "select t.day, t.title, t.post_id, t.also, t.first_covered, t.first_title, p.link, "
            "p.url, substr(p.body, 1, :chars) as body, substr(a.text, 1, :chars) as article "
            "from digest_topics t left join source_posts p on p.id = t.post_id "
            "left join articles a on a.url = p.link and p.link != '' "
            "where t.day >= :since and t.day < :day order by t.day, t.position",
            {"chars": 2 * LEAD_CHARS, "since": since.isoformat(), "day": day.isoformat()},
        )
        also = [json.loads(row["also"] or "[]") for row in rows]
        links = self._links([i for ids in also for i in ids])
        return tuple(_covered_topic(row, ids, links) for row, ids in zip(rows, also, strict=True))

    def _links(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """Each post's outbound link and own page, by id."""
        if not ids:
            return {}
        rows = self._db.rows(
            "select id, link, url from source_posts where id in (select value from json_each(?))",
            [json.dumps(ids)],
        )
        return {row["id"]: (row["link"], row["url"]) for row in rows}

    def _trending(self, since: date, day: date) -> tuple[CoveredTopic, ...]:
        rows = self._db.rows(
            "select day, post_id, title, url from digest_trending where day >= ? and day < ? "
            "order by day, position",
            [since.isoformat(), day.isoformat()],
        )
        return tuple(
            CoveredTopic(
                date.fromisoformat(r["day"]),
                r["title"],
                post_ids=(r["post_id"],),
                links=(r["url"],) if r["url"] else (),
            )
            for r in rows
        )

    def _covered_ids(self, ids: list[str], day: date) -> frozenset[str]:
        # Only a post stored before can have been covered: most candidates are new, and
        # are ruled out by the primary key before the topics' lists of posts are read.
        known = self._db.rows(
            "select id from source_posts where id in (select value from json_each(?))",
            [json.dumps(ids)],
        )
        if not known:
            return frozenset()
        wanted = "(select value from json_each(:ids))"
        rows = self._db.rows(
            f"select post_id as id from digest_topics where day != :day and post_id in {wanted} "
            "union select j.value from digest_topics t, json_each(t.also) j "
            f"where t.also != '' and t.day != :day and j.value in {wanted} "
            f"union {_EDITION_POSTS}",
            {"ids": json.dumps([row["id"] for row in known]), "day": day.isoformat()},
        )
        return frozenset(row["id"] for row in rows)


def _covered_topic(
    row: dict[str, Any], also: list[str], links: dict[str, tuple[str, str]]
) -> CoveredTopic:
    first = row["first_covered"]
    others = [link for i in also for link in links.get(i, ())]
    return CoveredTopic(
        day=date.fromisoformat(row["day"]),
        title=row["title"],
        post_ids=(row["post_id"], *also),
        links=tuple(link for link in (row["link"], row["url"], *others) if link),
        lead=lead(row["body"] or row["article"] or ""),
        first_day=date.fromisoformat(first) if first else None,
        first_title=row["first_title"] if first else "",
    )
