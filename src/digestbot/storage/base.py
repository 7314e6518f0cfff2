"""The database handle every storage part talks through, and the one border where
SQLite's errors become StorageError, each in words that say what to do.

The connection runs in autocommit mode; writes that belong together go through
`transaction()` (BEGIN IMMEDIATE, so two writers queue instead of deadlocking).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager

from digestbot.core.errors import StorageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime
    from typing import Any

    Row = dict[str, Any]

BUSY_SECONDS = 5.0  # our own writes take milliseconds; a lock held longer is someone else's


class Database:
    """One SQLite connection with its path, used from one thread."""

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._conn = _connect(path, read_only)

    def rows(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        with self.errors():
            cursor = self._conn.execute(sql, args)
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        found = self.rows(sql, args)
        return found[0] if found else None

    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        with self.errors():
            return self._conn.execute(sql, args)

    def executemany(self, sql: str, args: Sequence[Sequence[Any] | dict[str, Any]]) -> None:
        with self.errors():
            self._conn.executemany(sql, args)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together, or not at all."""
        if self._conn.in_transaction:
            yield  # already inside one: it commits with the outer one
            return
        with self.errors():
            self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.rollback()
            raise
        with self.errors():
            self._conn.commit()

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for what works on the whole database: migrations, backups."""
        return self._conn

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from exc


def _connect(path: str, read_only: bool) -> sqlite3.Connection:
    if path != ":memory:":
        if os.path.isdir(path):
            raise StorageError(
                f"{path} is a folder, not a database: set storage.database to a file"
            )
        if read_only and not os.path.exists(path):
            raise no_history(path)
        folder = os.path.dirname(path) or "."
        if not read_only and not os.path.isdir(folder):
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the folder {folder} for the database: {exc.strerror}"
                ) from None
    target = f"file:{uri_path(path)}?mode=ro" if read_only else path
    try:
        conn = sqlite3.connect(
            target,
            timeout=BUSY_SECONDS,
            isolation_level=None,
            uri=read_only,
            check_same_thread=True,
        )
        conn.execute("PRAGMA foreign_keys=ON")
        if not read_only and path != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
            # In WAL mode, NORMAL syncs at checkpoints, not at every commit: a commit
            # survives a killed process (what the ledger guards against) and costs tens
            # of microseconds instead of milliseconds on the event loop. A power cut may
            # lose the last commits: at worst a message is looked up or resent (nonce).
            conn.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc
    return conn


def no_history(path: str) -> StorageError:
    return StorageError(
        f"there is no history at {path}: run `digestbot generate` first, or point "
        "storage.database (or --config) at your database"
    )


def uri_path(path: str) -> str:
    """A path as SQLite's URI syntax reads it: "%", "?" and "#" would mean something else."""
    absolute = os.path.abspath(path)
    return absolute.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def storage_error(error: sqlite3.Error, path: str) -> StorageError:
    """SQLite's error as a sentence that names the file and what to do."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StorageError(
            f"the database {path} is locked by another program (waited {BUSY_SECONDS:g} s); "
            "try again when it is done"
        )
    if "not a database" in text or "encrypted" in text or "malformed" in text:
        return StorageError(
            f"{path} is not a digestbot database (not SQLite, or damaged): "
            "set storage.database to another file"
        )
    if "readonly" in text or "read-only" in text:
        return StorageError(f"the database {path} cannot be written: check its permissions")
    if "unable to open" in text:
        return StorageError(
            f"cannot open the database {path}: check that its folder exists and is writable"
        )
    if "disk is full" in text or "disk i/o" in text:
        return StorageError(f"the database {path} cannot be written: {error}")
    if "no such table" in text or "no such column" in text:
        return StorageError(
            f"{path} is not a digestbot database, or one from a newer version ({error})"
        )
    return StorageError(f"database error in {path}: {error}")


def now_text(moment: datetime | None = None) -> str:
    """`moment` (else the time now) as stored: UTC, ISO 8601, to the second."""
    from datetime import UTC, datetime

    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
