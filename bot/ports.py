"""What the core needs from the outside world, as Protocols; adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.models import Digest, SourcePost


class SourceError(Exception):
    """A source could not deliver; the message says which and why, for a person to read."""


class LLMError(Exception):
    """An LLM call failed; the message is safe to show (it never holds a secret)."""


class LLMUnavailable(LLMError):
    """The endpoint could not be reached or kept failing after the client's retries."""


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMOutputError(LLMError):
    """The endpoint answered, but not with usable output (malformed, refused, cut off)."""

    def __init__(self, message: str, spent: Completion | None = None) -> None:
        super().__init__(message)
        self.spent = spent  # the tokens the unusable answer still cost, where known


class Source(Protocol):
    async def fetch(self, community: str, listing: str) -> list[SourcePost]:
        """One listing ("top" of the day, "hot", ...) of a community. Raises SourceError."""
        ...


class Progress(Protocol):
    def stage(self, description: str) -> None: ...

    def analysed(self, done: int, total: int) -> None: ...


class Publisher(Protocol):
    name: str

    async def publish(self, digest: Digest) -> str:
        """Deliver the digest (idempotently); returns where it went."""
        ...


class LLM(Protocol):
    model: str

    async def complete_json(
        self, messages: Sequence[dict[str, str]], schema_name: str, schema: dict[str, Any]
    ) -> Completion:
        """One chat completion whose text should be a JSON object matching `schema`."""
        ...
