"""The history as the bot uses it: one database, opened for writing, and its parts by
concern behind one facade (digests, runs, the analysis cache, the delivery ledger and
notices, claims, reports, search, what model servers take, votes, approvals)."""

from __future__ import annotations

import os
import sqlite3

from digestbot.storage import schema
from digestbot.storage.approvals import Approvals
from digestbot.storage.articles import Articles
from digestbot.storage.base import Database, no_history, storage_error, uri_path
from digestbot.storage.cache import AnalysisCache
from digestbot.storage.claims import Claims
from digestbot.storage.digests import Digests
from digestbot.storage.endpoints import Endpoints
from digestbot.storage.ledger import Ledger, Notices
from digestbot.storage.profiles import Profiles
from digestbot.storage.reports import Reports
from digestbot.storage.runs import Runs
from digestbot.storage.search import Search
from digestbot.storage.stories import Stories
from digestbot.storage.votes import Votes


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.digests = Digests(db)
        self.runs = Runs(db)
        self.cache = AnalysisCache(db)
        self.ledger = Ledger(db)
        self.notices = Notices(db)
        self.claims = Claims(db)
        self.reports = Reports(db)
        self.search = Search(db)
        self.endpoints = Endpoints(db)
        self.stories = Stories(db)
        self.articles = Articles(db)
        self.profiles = Profiles(db)
        self.votes = Votes(db)
        self.approvals = Approvals(db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: str, *, read_only: bool = False, existing: bool = False) -> Store:
    """The database at `path`, created and brought up to date as needed; or, `read_only`
    or `existing`, the database that is there (StorageError if there is none)."""
    if existing and not os.path.isfile(path):
        raise no_history(path)
    if read_only:
        from digestbot.storage.reader import open_existing

        return Store(open_existing(path))
    db = Database(path)
    try:
        if schema.pending(db):
            schema.migrate(db)
    except BaseException:
        db.close()
        raise
    return Store(db)


def open_scratch_copy(path: str) -> Store:
    """An in-memory copy of the database at `path` (or a new one): a dry run works on it
    exactly as a real run would, and nothing it does reaches the disk."""
    db = Database(":memory:")
    if os.path.isfile(path):
        try:
            source = sqlite3.connect(f"file:{uri_path(path)}?mode=ro", uri=True)
            with source:
                source.backup(db.connection)
            source.close()
        except sqlite3.Error as exc:
            db.close()
            raise storage_error(exc, path) from exc
    if schema.pending(db):
        schema.migrate(db)
    return Store(db)
