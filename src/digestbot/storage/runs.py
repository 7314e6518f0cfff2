"""The run log: every generate and scheduled run, its status and what it cost."""

from __future__ import annotations

from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date

    from digestbot.core.models import Usage


class Runs:
    def __init__(self, db: Database) -> None:
        self._db = db

    def start(self, command: str, day: date, model: str) -> int:
        cursor = self._db.execute(
            "insert into runs (command, day, started_at, status, model) "
            "values (?, ?, ?, 'running', ?)",
            [command, day.isoformat(), now_text(), model],
        )
        return int(cursor.lastrowid or 0)

    def finish(self, run_id: int, status: str, message: str, usage: Usage) -> None:
        """Record how a run ended: ok, degraded (published, with problems) or failed."""
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
