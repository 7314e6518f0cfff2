"""The run log: every generate and scheduled run, its status and what it cost."""

from __future__ import annotations

from digestbot.storage.base import Database, now_text
from digestbot.storage.claims import died

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date, datetime

    from digestbot.core.models import Usage

INTERRUPTED = "the process stopped before the run finished (killed, crashed or shut down)"


class Runs:
    def __init__(self, db: Database) -> None:
        self._db = db

    def start(
        self, command: str, day: date, model: str, owner: str, now: datetime | None = None
    ) -> int:
        """A run begun `now` (the caller's clock; else the time now): budgets count by it."""
        started = now_text(now)
        cursor = self._db.execute(
            "insert into runs (command, day, started_at, status, model, owner) "
            "values (?, ?, ?, 'running', ?, ?)",
            [command, day.isoformat(), started, model, owner],
        )
        return int(cursor.lastrowid or 0)

    def finish(self, run_id: int, status: str, message: str, usage: Usage) -> None:
        """Record how a run ended: ok, degraded (published, with problems), failed, or
        interrupted (stopped half way; the next run completes it)."""
        self._db.execute(
            """update runs set finished_at = ?, status = ?, message = ?, llm_calls = ?,
                   cache_hits = ?, prompt_tokens = ?, completion_tokens = ?, cost_usd = ?
               where id = ?""",
            [
                now_text(),
                status,
                message,
                usage.calls,
                usage.cache_hits,
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.cost_usd,
                run_id,
            ],
        )

    def mark_interrupted(self) -> int:
        """Runs still `running` whose process is gone (kill -9, a crash, a power cut) are
        interrupted, not running forever; returns how many there were."""
        rows = self._db.rows("select id, owner from runs where status = 'running'")
        dead = [row["id"] for row in rows if not row["owner"] or died(row["owner"])]
        self._db.executemany(
            "update runs set status = 'interrupted', finished_at = ?, message = ? where id = ?",
            [[now_text(), INTERRUPTED, run_id] for run_id in dead],
        )
        return len(dead)

    def complete_interrupted(self, day: date, status: str, message: str) -> int:
        """A later run finished what interrupted runs of `day` had begun: say so on them."""
        text = "interrupted, then completed by a later run" + (f": {message}" if message else "")
        cursor = self._db.execute(
            "update runs set status = ?, message = ?, finished_at = ? "
            "where day = ? and status = 'interrupted'",
            [status, text, now_text(), day.isoformat()],
        )
        return cursor.rowcount
