"""What each model server turned out to take: its structured-output step, its concurrency."""

from __future__ import annotations

from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Endpoints:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, endpoint: str, model: str) -> dict[str, Any] | None:
        return self._db.one(
            "select * from endpoints where endpoint = ? and model = ?", [endpoint, model]
        )

    def remember(self, endpoint: str, model: str, **values: Any) -> None:
        """Set `structured_output` and/or `concurrency` for the endpoint and model."""
        row = {"structured_output": "", "concurrency": 0, **(self.get(endpoint, model) or {})}
        row |= values
        self._db.execute(
            """insert into endpoints (endpoint, model, structured_output, concurrency, updated_at)
               values (?, ?, ?, ?, ?)
               on conflict (endpoint, model) do update set
                   structured_output = excluded.structured_output,
                   concurrency = excluded.concurrency, updated_at = excluded.updated_at""",
            [endpoint, model, row["structured_output"], row["concurrency"], now_text()],
        )
