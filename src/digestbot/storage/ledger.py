"""The delivery ledger: every (digest, platform, channel, message part) with its state,
and the notices already posted to admins.

A message is `sending` before its request goes out and `sent` with its id after, so a
re-run, a restart or a crash posts only what is missing.
"""

from __future__ import annotations

from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date
    from typing import Any

_KEY = "day = ? and platform = ? and channel = ? and part = ?"


class Ledger:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, day: date, platform: str, channel: str, part: int) -> dict[str, Any] | None:
        return self._db.one(
            f"select * from deliveries where {_KEY}", [day.isoformat(), platform, channel, part]
        )

    def for_day(self, day: date) -> list[dict[str, Any]]:
        return self._db.rows(
            "select * from deliveries where day = ? order by platform, channel, part",
            [day.isoformat()],
        )

    def mark_sending(self, day: date, platform: str, channel: str, part: int, key: str) -> None:
        """Recorded before the request goes out, so a crash leaves a trace to resume from."""
        now = now_text()
        self._db.execute(
            """insert into deliveries (day, platform, channel, part, state, key, attempts,
                   error, permanent, sending_at, updated_at)
               values (?, ?, ?, ?, 'sending', ?, 1, '', 0, ?, ?)
               on conflict (day, platform, channel, part) do update set
                   state = 'sending', key = excluded.key, attempts = attempts + 1,
                   error = '', permanent = 0, sending_at = excluded.sending_at,
                   updated_at = excluded.updated_at""",
            [day.isoformat(), platform, channel, part, key, now, now],
        )

    def mark_sent(self, day: date, platform: str, channel: str, part: int, message_id: str) -> None:
        self._update(day, platform, channel, part, state="sent", message_id=message_id)

    def set_thread(self, day: date, platform: str, channel: str, part: int, thread: str) -> None:
        self._update(day, platform, channel, part, thread_id=thread)

    def mark_failed(
        self, day: date, platform: str, channel: str, part: int, error: str, permanent: bool
    ) -> None:
        self._update(
            day, platform, channel, part, state="failed", error=error, permanent=int(permanent)
        )

    def _update(self, day: date, platform: str, channel: str, part: int, **values: Any) -> None:
        """Set columns of a row, creating the row if the message had none yet."""
        columns = ["day", "platform", "channel", "part", *values, "updated_at"]
        args = [day.isoformat(), platform, channel, part, *values.values(), now_text()]
        updates = ", ".join(f"{c} = excluded.{c}" for c in [*values, "updated_at"])
        self._db.execute(
            f"insert into deliveries ({', '.join(columns)}) "
            f"values ({', '.join('?' * len(columns))}) "
            f"on conflict (day, platform, channel, part) do update set {updates}",
            args,
        )


class Notices:
    """Problems already reported to admins, so that each is reported once."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def first(self, key: str, text: str) -> bool:
        """Record a problem as reported; False if it already was."""
        cursor = self._db.execute(
            "insert or ignore into notices (key, text, first_seen) values (?, ?, ?)",
            [key, text, now_text()],
        )
        return cursor.rowcount == 1
