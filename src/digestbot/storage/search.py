"""Full-text search over every digest's topics and trending titles (SQLite FTS5).

The words of a query are quoted one by one, so no FTS syntax of a user's reaches SQLite
(`C++`, an unbalanced quote, `NEAR(`, `*`, `-` are all just text); each word is a prefix
("lora" finds "LoRA" and "LoRAs"). A title match weighs ten times one in an analysis.
"""

from __future__ import annotations

import re

from digestbot.storage.base import Database

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_HITS = """
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


def search_words(query: str) -> list[str]:
    """The words a query searches for; punctuation alone searches for nothing."""
    return re.findall(r"\w+", query)


class Search:
    def __init__(self, db: Database) -> None:
        self._db = db

    def search(self, query: str, limit: int, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """How many topics and trending titles match every word, and one page of them
        (day, title, url, kind), best first."""
        words = search_words(query)
        if not words:
            return 0, []
        match = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
        args = {"match": match, "limit": limit, "offset": offset}
        total = self._db.one(f"select count(*) as n from ({_HITS})", args)
        rows = self._db.rows(
            f"select day, title, url, kind from ({_HITS}) order by rank, day desc "
            "limit :limit offset :offset",
            args,
        )
        return (total["n"] if total else 0), rows
