"""Jobs that must not run twice at once, across processes: a row per job in `claims`.

INSERT OR IGNORE decides atomically, so two processes can never both win. A claim is
taken over when it is older than its `stale_after`, or when its owner was a process of
this machine that is no longer running.
"""

from __future__ import annotations

import os

from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime, timedelta


def owner_id() -> str:
    """Names this process (and the object asking) as the holder of a claim."""
    import socket
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Claims:
    def __init__(self, db: Database) -> None:
        self._db = db

    def claim(self, key: str, owner: str, stale_after: timedelta, now: datetime) -> bool:
        """Claim a job; False while another live owner holds it."""
        with self._db.transaction():
            self._db.execute(
                "delete from claims where key = ? and claimed_at < ?",
                [key, now_text(now - stale_after)],
            )
            holder = self._db.one("select owner from claims where key = ?", [key])
            if holder and died(holder["owner"]):
                self._db.execute(
                    "delete from claims where key = ? and owner = ?", [key, holder["owner"]]
                )
            self._db.execute(
                "insert or ignore into claims (key, owner, claimed_at) values (?, ?, ?)",
                [key, owner, now_text(now)],
            )
            row = self._db.one("select owner from claims where key = ?", [key])
        return row is not None and row["owner"] == owner

    def release(self, key: str, owner: str) -> None:
        self._db.execute("delete from claims where key = ? and owner = ?", [key, owner])

    def holder(self, key: str) -> str | None:
        row = self._db.one("select owner from claims where key = ?", [key])
        return row["owner"] if row else None


def died(owner: str) -> bool:
    """Whether a claim's owner was a process on this machine that is no longer running."""
    import socket  # here: the read-only commands import this module and rarely call it

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
