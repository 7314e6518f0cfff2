"""The LLM answers cache: a good answer is stored as soon as it arrives, keyed by what was
analysed, the model and the prompt's version, so a day made again costs no call."""

from __future__ import annotations

import json

from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.core.models import Usage


class AnalysisCache:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, subject: str, model: str, prompt_version: str) -> dict | None:
        row = self._db.one(
            "select answer from analyses where subject = ? and model = ? and prompt_version = ?",
            [subject, model, prompt_version],
        )
        return json.loads(row["answer"]) if row else None

    def put(
        self, subject: str, kind: str, model: str, prompt_version: str, answer: dict, usage: Usage
    ) -> None:
        self._db.execute(
            """insert into analyses (subject, model, prompt_version, kind, answer,
                   prompt_tokens, completion_tokens, cost_usd, created_at)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?)
               on conflict (subject, model, prompt_version) do update set
                   kind = excluded.kind, answer = excluded.answer,
                   prompt_tokens = excluded.prompt_tokens,
                   completion_tokens = excluded.completion_tokens,
                   cost_usd = excluded.cost_usd, created_at = excluded.created_at""",
            [
                subject,
                model,
                prompt_version,
                kind,
                json.dumps(answer, ensure_ascii=False),
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.cost_usd,
                now_text(),
            ],
        )
