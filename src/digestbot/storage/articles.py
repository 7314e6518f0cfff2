"""The pages link posts point to, as read: the article reader's cache.

Kept by the post's link, with where the page was read after redirects. The reader
decides what is worth keeping (a page read, a failure that would only happen again);
a digest's topics join their article from here when history is loaded.
"""

from __future__ import annotations

from digestbot.core.models import Article
from digestbot.storage.base import Database, now_text


class Articles:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, url: str) -> Article | None:
        row = self._db.one("select url, title, text, error from articles where url = ?", [url])
        if row is None:
            return None
        return Article(row["url"], row["text"] or "", row["title"] or "", row["error"] or "")

    def put(self, url: str, article: Article, final_url: str) -> None:
        self._db.execute(
            """insert into articles (url, final_url, title, text, error, fetched_at)
               values (?, ?, ?, ?, ?, ?)
               on conflict (url) do update set
                   final_url = excluded.final_url, title = excluded.title,
                   text = excluded.text, error = excluded.error,
                   fetched_at = excluded.fetched_at""",
            [url, final_url, article.title, article.text, article.error, now_text()],
        )
