"""The history opened only to read it: `history`, `search`, `usage` and `predictions`
never create a database, and never pay for the models or sqlite-utils."""

from __future__ import annotations

from digestbot.core.errors import StorageError
from digestbot.storage import schema
from digestbot.storage.base import Database
from digestbot.storage.reports import Reports
from digestbot.storage.search import Search


def open_existing(path: str) -> Database:
    """The database at `path`, read-only; StorageError if there is none, or not ours."""
    db = Database(path, read_only=True)
    missing = schema.pending(db)
    if missing and len(missing) == len(schema.STEPS):
        db.close()
        raise StorageError(
            f"{path} is not a digestbot database (it has no digestbot history): "
            "set storage.database to your database"
        )
    if missing:  # made by an older version: bring it up to date, then read
        db.close()
        writable = Database(path)
        try:
            schema.migrate(writable)
        finally:
            writable.close()
        db = Database(path, read_only=True)
    return db


class History:
    def __init__(self, path: str) -> None:
        db = open_existing(path)
        self.db = db
        self.reports = Reports(db)
        self.search = Search(db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
