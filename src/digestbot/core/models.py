"""The digest's data, platform-free and immutable.

Everything downstream of the sources (selection, analysis, storage, rendering)
speaks in these types; adapters translate to and from them at the border.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from digestbot.core.source_names import source_name


@dataclass(frozen=True, slots=True)
class SourcePost:
    """One post as a source delivered it. `title` is raw, untrusted text."""

    id: str
    source: str  # the source's name as readers see it: "r/MachineLearning", "Hacker News"
    title: str
    url: str  # the discussion's permalink, where a reader follows the topic
    created_utc: datetime
    body: str = ""
    link: str = ""  # the post's outbound link, where it has one
    score: int = 0
    num_comments: int = 0
    flair: str = ""
    stickied: bool = False
    nsfw: bool = False
    removed: bool = False

    @property
    def source_name(self) -> str:
        return source_name(self.source)


@dataclass(frozen=True, slots=True)
class Collection:
    """What the sources gave for one run: the main topics' candidates and the trending ones."""

    collected_at: datetime
    main: tuple[SourcePost, ...]
    trending: tuple[SourcePost, ...]
    notes: tuple[str, ...] = ()  # what a user should know, e.g. "RSS fallback"
    problems: tuple[str, ...] = ()  # what failed and needs someone's attention


@dataclass(frozen=True, slots=True)
class Article:
    """What a link post points to, as read: its main text as plain text, or why not."""

    url: str
    text: str = ""
    title: str = ""
    error: str = ""  # why it could not be read; the topic is analysed from the post alone


@dataclass(frozen=True, slots=True)
class Coverage:
    """When the digest first covered a story, under which title, and where."""

    day: date
    title: str
    url: str = ""  # that digest's blog post, where blog.site_url is set


class AnalysisStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"  # the LLM failed for this topic: published headline-only
    SKIPPED = "skipped"  # no LLM configured: a headline digest


@dataclass(frozen=True, slots=True)
class Analysis:
    status: AnalysisStatus
    benefits: str = ""
    ramifications: str = ""
    error: str = ""
    quotes: tuple[str, ...] = ()  # verbatim from the source, what the analysis rests on
    # True: its quotes were found in the source; False: they were not (it is labelled
    # unverified); None: never checked (imported from the blog, or made before quotes).
    verified: bool | None = None


@dataclass(frozen=True, slots=True)
class Topic:
    """A selected post with its cleaned title and, once analysed, its analysis.

    `also` are other posts about the same story on the same day; `update_of` is the
    earlier topic on this story, when the digest covered it recently."""

    post: SourcePost
    title: str
    analysis: Analysis = field(default_factory=lambda: Analysis(AnalysisStatus.SKIPPED))
    article: Article | None = None
    also: tuple[SourcePost, ...] = ()
    update_of: Coverage | None = None

    @property
    def posts(self) -> tuple[SourcePost, ...]:
        return (self.post, *self.also)

    @property
    def grounded(self) -> bool:
        """Whether what is shown rests on the source: verified quotes, or the source's
        own words (a topic without an analysis shows an excerpt)."""
        return self.analysis.status is not AnalysisStatus.OK or self.analysis.verified is True


@dataclass(frozen=True, slots=True)
class Trending:
    post_id: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Prediction:
    event: str
    predicted: str  # a year, or month and year, as the model wrote it
    rationale: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token use of LLM calls; `calls` counts real requests, `cache_hits` the ones saved."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            cache_hits=self.cache_hits + other.cache_hits,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class DigestMode(StrEnum):
    FULL = "full"
    HEADLINES = "headlines"  # no LLM (or none within budget): titles, links and excerpts


@dataclass(frozen=True, slots=True)
class Digest:
    day: date
    generated_at: datetime
    model: str
    mode: DigestMode
    topics: tuple[Topic, ...]
    trending: tuple[Trending, ...]
    predictions: tuple[Prediction, ...]
    usage: Usage = Usage()
    notes: tuple[str, ...] = ()  # how this digest was made, for the record
    problems: tuple[str, ...] = ()  # what went wrong making it, each with what to do
    wanted_topics: int = 0  # how many topics the settings asked for (0: not known)
    url: str = ""  # the blog post's address, where blog.site_url is set
    # Why a headline edition has no analysis, in words for readers ("" : no LLM configured)
    headline_reason: str = ""
    # Channels' own editions, by "<platform>:<channel>": a channel not named gets this one
    editions: tuple[tuple[str, Digest], ...] = ()

    def edition_for(self, platform: str, channel: str) -> Digest:
        """What `channel` receives: its own edition, or this digest."""
        return dict(self.editions).get(f"{platform}:{channel}", self)

    @property
    def short_by(self) -> int:
        """How many topics fewer than asked for it has: a quiet day's edition."""
        return max(self.wanted_topics - len(self.topics), 0) if self.topics else 0

    @property
    def heading(self) -> str:
        return f"Daily AI digest · {self.day.isoformat()}"

    @property
    def failed_topics(self) -> int:
        return sum(t.analysis.status is AnalysisStatus.FAILED for t in self.topics)


@dataclass(frozen=True, slots=True)
class SearchHit:
    day: date
    title: str
    url: str  # the topic's source, where history has one
    kind: str  # "topic" or "trending"
    snippet: str = ""  # the matching words in their context
    links: tuple[str, ...] = ()  # the digest's blog post, the discussion, the article


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    page: int  # 1-based
    pages: int
    total: int
    hits: tuple[SearchHit, ...]
    last_day: date | None = None  # when the query was last covered
    digests: int = 0  # in how many digests it matches


class Want(StrEnum):
    DIGEST = "digest"
    TOPIC = "topic"
    STATUS = "status"
    SEARCH = "search"
    PREDICTIONS = "predictions"
    SETTINGS = "settings"  # the channel's edition: shown, or changed by an admin


@dataclass(frozen=True, slots=True)
class DigestRequest:
    """A /digest as asked in chat; `day` is the text typed, checked by the service."""

    user: str
    is_admin: bool = False
    want: Want = Want.DIGEST
    day: str | None = None
    topic: int | None = None
    public: bool = False  # post the answer for everyone, not only the asker
    force: bool = False  # make the day's digest again (admins only)
    query: str = ""  # what to search for
    page: int = 1
    newest: bool = False  # search results newest first, not best first
    platform: str = ""  # "discord" or "slack": where it was asked
    channel: str = ""  # the channel it was typed in
    # /digest settings: fields to set, as typed (text, or typed by Discord's options) ...
    changes: tuple[tuple[str, str | int | bool], ...] = ()
    clear: tuple[str, ...] = ()  # ... and fields to clear (back to the file's, or default)


@dataclass(frozen=True, slots=True)
class Reply:
    text: str = ""  # words of our own: status, refusals, errors
    digest: Digest | None = None
    topic: int | None = None  # show this topic's details (1-based)
    public: bool = False
    search: SearchPage | None = None
    chart: bytes | None = None  # a PNG to attach


@dataclass(frozen=True, slots=True)
class TrendPoint:
    made: date  # the day a prediction was made
    year: float  # when it predicted the event, as a fractional year


PredictionSeries = dict[str, list[TrendPoint]]  # per event, oldest prediction first
