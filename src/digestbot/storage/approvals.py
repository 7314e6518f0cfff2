"""Approval of a day's digest: pending until an admin (or the deadline) decides, and the
drafts posted to the admin channels, so each is posted once and edited with the decision.

A decision is taken once: `decide` changes only a pending approval, atomically, so two
admins pressing at the same moment (or an admin and the deadline) cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass

from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date, datetime

PENDING, APPROVED, SKIPPED = "pending", "approved", "skipped"


@dataclass(frozen=True, slots=True)
class Approval:
    day: str
    state: str  # PENDING, APPROVED or SKIPPED
    drafted_at: str
    decided_by: str = ""  # the admin's id, or "deadline"
    decided_at: str = ""


@dataclass(frozen=True, slots=True)
class Draft:
    platform: str
    channel: str
    message_id: str
    key: str
    state: str  # sending, sent


class Approvals:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, day: date) -> Approval | None:
        row = self._db.one("select * from approvals where day = ?", [day.isoformat()])
        return Approval(**row) if row else None

    def request(self, day: date, now: datetime) -> Approval:
        """The day's approval, made pending now if it has none (a remade digest keeps the
        decision it had)."""
        self._db.execute(
            "insert or ignore into approvals (day, state, drafted_at, decided_by, decided_at) "
            "values (?, ?, ?, '', '')",
            [day.isoformat(), PENDING, now_text(now)],
        )
        found = self.get(day)
        assert found is not None
        return found

    def decide(self, day: date, state: str, by: str, now: datetime) -> bool:
        """Approve or skip a pending approval; False if it was decided already (or none)."""
        changed = self._db.execute(
            "update approvals set state = ?, decided_by = ?, decided_at = ? "
            "where day = ? and state = ?",
            [state, by, now_text(now), day.isoformat(), PENDING],
        )
        return changed.rowcount == 1

    def pending(self) -> list[Approval]:
        rows = self._db.rows("select * from approvals where state = ? order by day", [PENDING])
        return [Approval(**row) for row in rows]

    def draft(self, day: date, platform: str, channel: str) -> Draft | None:
        row = self._db.one(
            "select platform, channel, message_id, key, state from drafts "
            "where day = ? and platform = ? and channel = ?",
            [day.isoformat(), platform, channel],
        )
        return Draft(**row) if row else None

    def drafts(self, day: date) -> list[Draft]:
        rows = self._db.rows(
            "select platform, channel, message_id, key, state from drafts where day = ? "
            "order by platform, channel",
            [day.isoformat()],
        )
        return [Draft(**row) for row in rows]

    def draft_sending(self, day: date, platform: str, channel: str, key: str) -> None:
        """Recorded before the draft is posted, so a crash leaves its key to look for."""
        self._db.execute(
            "insert into drafts (day, platform, channel, message_id, key, state) "
            "values (?, ?, ?, '', ?, 'sending') on conflict (day, platform, channel) "
            "do update set key = excluded.key, state = 'sending'",
            [day.isoformat(), platform, channel, key],
        )

    def draft_sent(self, day: date, platform: str, channel: str, message_id: str) -> None:
        self._db.execute(
            "update drafts set message_id = ?, state = 'sent' "
            "where day = ? and platform = ? and channel = ?",
            [message_id, day.isoformat(), platform, channel],
        )
