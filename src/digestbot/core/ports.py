"""What the core needs from the outside world, as Protocols: sources, the LLM, chat
platforms, publishers, and the parts of the history it reads and writes. The modules
outside the core implement them without naming them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from digestbot.core.models import Article, Digest, DigestRequest, Reply, SourcePost, Usage
from digestbot.core.stories import Similar, StoryArchive


class Source(Protocol):
    async def fetch(self) -> list[SourcePost]:
        """The source's posts as it ranks them now, each naming the source. Raises
        SourceError once its own retries are spent."""
        ...


class Progress(Protocol):
    def stage(self, description: str) -> None: ...

    def analysed(self, done: int, total: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Published:
    summary: str  # where the digest went, in a line
    problems: tuple[str, ...] = ()  # what failed, each with what to do
    delivered: bool = True  # False: it reached none of this publisher's places
    retry: bool = False  # a failure that may pass: worth another try later

    @property
    def complete(self) -> bool:
        return self.delivered and not self.problems


class Publisher(Protocol):
    name: str

    async def publish(self, digest: Digest) -> Published:
        """Deliver the digest, idempotently; failures are reported, never raised."""
        ...


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str = ""  # the model the server says answered
    requests: int = 1  # requests it took, retries included
    waited: float = 0.0  # seconds until the first token: how long the server queued it


class LLM(Protocol):
    model: str

    async def complete_json(
        self, messages: Sequence[dict[str, str]], schema_name: str, schema: dict[str, Any]
    ) -> Completion:
        """One chat completion whose text should be a JSON object matching `schema`."""
        ...


class Prompt(Protocol):
    """A prompt file: a version (its text's hash) and messages rendered from variables."""

    name: str
    version: str

    def render(self, **values: str) -> list[dict[str, str]]: ...


class ChatPlatform(Protocol):
    """A chat platform's REST API as delivery needs it."""

    name: str
    threads: bool  # the details go in a thread under the headline message

    def render(self, digest: Digest) -> Sequence[Any]:
        """The digest's messages, in posting order (pure and deterministic); each has a
        `topic`: the post id of the topic it shows, "" for the headline and the rest."""
        ...

    def render_notice(self, text: str) -> Any:
        """A message of our own words (to admins), made inert like any other text."""
        ...

    async def send(self, channel: str, message: Any, *, key: str, thread: str | None) -> str:
        """Post one message (into `thread` if given); returns its id. `key` is idempotent."""
        ...

    async def edit(self, channel: str, message_id: str, message: Any, thread: str | None) -> bool:
        """Make a posted message say `message`; False if that message is gone."""
        ...

    async def delete(self, channel: str, message_id: str, thread: str | None) -> None:
        """Remove a posted message (one already gone is fine)."""
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

    async def handle_text(
        self, text: str, user: str, is_admin: bool, *, platform: str = "", channel: str = ""
    ) -> Reply:
        """The same, from the words typed after /digest (Slack sends them as one string)
        in `channel` of `platform`."""
        ...


# -- the history ------------------------------------------------------------------


class DigestArchive(Protocol):
    def save(self, digest: Digest, run_id: int | None, *, imported: bool = False) -> None: ...

    def load(self, day: date) -> Digest | None: ...


class RunLog(Protocol):
    def start(
        self, command: str, day: date, model: str, owner: str, now: datetime | None = None
    ) -> int: ...

    def finish(self, run_id: int, status: str, message: str, usage: Usage) -> None: ...

    def mark_interrupted(self) -> int: ...

    def complete_interrupted(self, day: date, status: str, message: str) -> int: ...


class AnalysisCache(Protocol):
    def get(self, subject: str, model: str, prompt_version: str) -> dict | None: ...

    def put(
        self, subject: str, kind: str, model: str, prompt_version: str, answer: dict, usage: Usage
    ) -> None: ...


class DeliveryLedger(Protocol):
    def get(self, day: date, platform: str, channel: str, part: int) -> dict[str, Any] | None: ...

    def mark_sending(
        self,
        day: date,
        platform: str,
        channel: str,
        part: int,
        key: str,
        fingerprint: str,
        topic: str = "",
    ) -> None: ...

    def mark_sent(
        self,
        day: date,
        platform: str,
        channel: str,
        part: int,
        message_id: str,
        fingerprint: str,
        topic: str = "",
    ) -> None:
        """`topic`: the post id of the topic the message shows, "" for any other."""
        ...

    def topic_of(self, platform: str, channel: str, message_id: str) -> tuple[date, str] | None:
        """The (day, topic's post id) of a delivered message showing one topic, else None.
        Discord matches the message id in any channel (a thread's reactions name the
        thread); Slack the channel and the message's ts."""
        ...

    def parts_from(
        self, day: date, platform: str, channel: str, part: int
    ) -> list[dict[str, Any]]: ...

    def drop(self, day: date, platform: str, channel: str, part: int) -> None: ...

    def set_thread(
        self, day: date, platform: str, channel: str, part: int, thread: str
    ) -> None: ...

    def mark_failed(
        self, day: date, platform: str, channel: str, part: int, error: str, permanent: bool
    ) -> None: ...


class Claims(Protocol):
    def claim(self, key: str, owner: str, stale_after: timedelta, now: datetime) -> bool: ...

    def release(self, key: str, owner: str) -> None: ...


class Notices(Protocol):
    def reported(self, key: str) -> bool: ...

    def record(self, key: str, text: str) -> None: ...


class Reports(Protocol):
    def last_run(self) -> dict[str, Any] | None: ...

    def recent_failures(self, since: datetime) -> list[str]: ...

    def month_usage(self, month: date) -> dict[str, Any]: ...

    def spend(self, now: datetime) -> dict[str, Any]:
        """The LLM cost of the runs started on `now`'s day and in its month (UTC)."""
        ...

    def predictions_made(self, since: date | None) -> list[tuple[date, str, str]]: ...


class SearchIndex(Protocol):
    def find(
        self,
        query: str,
        page: int = 1,
        per_page: int = 10,
        *,
        newest: bool = False,
        post_url: Callable[[date], str] | None = None,
    ) -> dict[str, Any]:
        """One page of what matches, with how many, when last covered and in how many
        digests (see storage.search)."""
        ...


class ApprovalState(Protocol):
    state: str  # pending, approved, skipped


class ApprovalRecords(Protocol):
    def get(self, day: date) -> ApprovalState | None: ...


class History(Protocol):
    """The history as the core uses it: one part per concern."""

    digests: DigestArchive
    runs: RunLog
    cache: AnalysisCache
    ledger: DeliveryLedger
    notices: Notices
    claims: Claims
    reports: Reports
    search: SearchIndex
    stories: StoryArchive
    approvals: ApprovalRecords


# -- the pages link posts point to --------------------------------------------------

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.core.models import Article


class ArticleCache(Protocol):
    """Pages read before, by the post's link; `final_url` is where it was read, after
    redirects."""

    def get(self, url: str) -> Article | None: ...

    def put(self, url: str, article: Article, final_url: str) -> None: ...


class ArticleSource(Protocol):
    async def read(
        self, posts: Sequence[SourcePost], *, refresh: bool = False
    ) -> dict[str, Article]:
        """The articles the posts link to, keyed by the post's link; never raises for a
        page (an Article's `error` says why it was not read)."""
        ...


class Embeddings(Protocol):
    note: str  # why there are none, once they turned out missing

    async def similarity(self, texts: Sequence[str]) -> Similar | None: ...
