"""What the core needs from the outside world, as Protocols; adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.models import Digest, DigestRequest, Reply, SourcePost


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


@dataclass(frozen=True, slots=True)
class Published:
    summary: str  # where the digest went, in a line
    problems: tuple[str, ...] = ()  # what failed, each with what to do


class Publisher(Protocol):
    name: str

    async def publish(self, digest: Digest) -> Published:
        """Deliver the digest, idempotently; failures are reported, never raised."""
        ...


class LLM(Protocol):
    model: str

    async def complete_json(
        self, messages: Sequence[dict[str, str]], schema_name: str, schema: dict[str, Any]
    ) -> Completion:
        """One chat completion whose text should be a JSON object matching `schema`."""
        ...


class DeliveryError(Exception):
    """A chat platform refused or failed a message, after the client's own retries.

    `permanent` failures (missing access, unknown channel, bad token) will not go away
    by trying again; the others (rate limits, server errors, timeouts) may.
    """

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class ChatPlatform(Protocol):
    """A chat platform's REST API as delivery needs it."""

    name: str
    threads: bool  # the details go in a thread under the headline message

    def render(self, digest: Digest) -> Sequence[Any]:
        """The digest's messages, in posting order (pure and deterministic)."""
        ...

    def render_notice(self, text: str) -> Any:
        """A message of our own words (to admins), made inert like any other text."""
        ...

    async def send(self, channel: str, message: Any, *, key: str, thread: str | None) -> str:
        """Post one message (into `thread` if given); returns its id. `key` is idempotent."""
        ...

    async def start_thread(self, channel: str, message_id: str, title: str) -> str:
        """Open a thread under a posted message; returns what `send` takes as `thread`."""
        ...

    async def find_sent(
        self, channel: str, key: str, since: datetime, thread: str | None
    ) -> str | None:
        """The id of a message posted with `key` since `since`, where the platform can tell."""
        ...


class DigestCommands(Protocol):
    """Answers /digest; never raises for a bad request, it explains in the Reply."""

    async def handle(self, request: DigestRequest) -> Reply: ...

    async def handle_text(self, text: str, user: str, is_admin: bool) -> Reply:
        """The same, from the words typed after /digest (Slack sends them as one string)."""
        ...
