"""Channel profiles set in chat (`/digest settings`): per platform and channel, the
fields an admin set, as JSON, with who set them last and when."""

from __future__ import annotations

import json

from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Profiles:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, platform: str, channel: str) -> dict[str, Any] | None:
        """The channel's row (settings as a dict), or None if nothing was set in chat."""
        row = self._db.one(
            "select * from channel_profiles where platform = ? and channel = ?",
            [platform, channel],
        )
        return _decoded(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        rows = self._db.rows("select * from channel_profiles order by platform, channel")
        return [_decoded(row) for row in rows]

    def put(self, platform: str, channel: str, settings: dict[str, Any], user: str) -> None:
        """The channel's chat profile is now `settings`; with none it is forgotten."""
        if not settings:
            self._db.execute(
                "delete from channel_profiles where platform = ? and channel = ?",
                [platform, channel],
            )
            return
        self._db.execute(
            """insert into channel_profiles (platform, channel, settings, updated_by, updated_at)
               values (?, ?, ?, ?, ?)
               on conflict (platform, channel) do update set settings = excluded.settings,
                   updated_by = excluded.updated_by, updated_at = excluded.updated_at""",
            [platform, channel, json.dumps(settings, ensure_ascii=False), user, now_text()],
        )


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "settings": json.loads(row["settings"] or "{}")}
