"""A day's posts from every configured source, fetched at once within a bound.

Each source stays in its place: one that fails (after its own retries) or answers
something unexpected is left out and reported, and the digest is made from the others.
Only when every topics source fails is there nothing to make a digest of.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from digestbot.core.errors import SourceError
from digestbot.core.models import Collection, SourcePost
from digestbot.core.ports import Source

log = logging.getLogger(__name__)

TOPICS, TRENDING = "topics", "trending"
CONCURRENCY = 10  # sources fetched at the same time, by default


@dataclass(frozen=True, slots=True)
class NamedSource:
    name: str  # as readers see it; each of its posts carries it as `source`
    role: str  # TOPICS: candidates for the day's topics; TRENDING: trending titles only
    source: Source
    # The most its whole fetch may take, retries and all (0: as long as its own tries
    # take): a source of many requests (Hacker News' items) must not hold a day up.
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Fetched:
    """What one source gave: its posts, or why it gave none."""

    source: NamedSource
    posts: tuple[SourcePost, ...] = ()
    error: str = ""


async def fetch_all(sources: Sequence[NamedSource], concurrency: int) -> list[Fetched]:
    """Every source fetched, at most `concurrency` at a time, in the order given; a
    failure is the source's answer, never raised (a cancellation is)."""
    bound = asyncio.Semaphore(concurrency)

    async def fetch(named: NamedSource) -> Fetched:
        async with bound:
            try:
                async with asyncio.timeout(named.seconds or None):
                    return Fetched(named, tuple(await named.source.fetch()))
            except TimeoutError:
                return Fetched(named, error=f"no answer within {named.seconds:g} s in all")
            except SourceError as exc:
                return Fetched(named, error=str(exc) or type(exc).__name__)
            except Exception as exc:  # a bug or an answer no adapter foresaw: this source's
                log.warning("%s failed unexpectedly", named.name, exc_info=True)
                return Fetched(named, error=f"it failed unexpectedly ({type(exc).__name__})")

    return list(await asyncio.gather(*(fetch(named) for named in sources)))


async def probe_all(
    sources: Sequence[NamedSource], concurrency: int = CONCURRENCY
) -> list[tuple[Fetched, float]]:
    """Every source fetched as a collection would, each with the seconds it took."""
    bound = asyncio.Semaphore(concurrency)

    async def timed(named: NamedSource) -> tuple[Fetched, float]:
        async with bound:
            started = time.perf_counter()
            (fetched,) = await fetch_all([named], 1)
            return fetched, time.perf_counter() - started

    return list(await asyncio.gather(*(timed(named) for named in sources)))


async def collect(
    sources: Sequence[NamedSource], now: datetime, concurrency: int = CONCURRENCY
) -> Collection:
    """The topics sources' posts as `main`, the trending sources' as `trending`, each
    source's posts in its own order; a failing source is a problem of the collection.
    Raises SourceError when every topics source failed."""
    fetched = await fetch_all(sources, concurrency)
    topics = [f for f in fetched if f.source.role == TOPICS]
    if topics and all(f.error for f in topics):
        if len(topics) == 1:
            raise SourceError(topics[0].error)
        reasons = "; ".join(f"{f.source.name}: {f.error}" for f in topics)
        raise SourceError(f"all {len(topics)} topics sources failed ({reasons})")
    problems = tuple(
        f"{'trending titles' if f.source.role == TRENDING else 'topics'} from "
        f"{f.source.name} left out: {f.error}"
        for f in fetched
        if f.error
    )
    return Collection(
        now,
        main=tuple(p for f in topics for p in f.posts),
        trending=tuple(p for f in fetched if f.source.role == TRENDING for p in f.posts),
        problems=problems,
    )
