"""The one place the stages are sequenced: collect → select → analyse → store → publish."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.analyse import Analyst
from bot.models import Collection, Digest, DigestMode, Usage
from bot.ports import Progress, Published, Publisher, Source, SourceError
from bot.select import SelectionRules, select_topics, select_trending
from bot.store import Store, owner_id, wait_for_claim

CLAIM_STALE_AFTER = timedelta(minutes=30)  # a generation takes seconds; 30 min means it died


class NoProgress:
    def stage(self, description: str) -> None:
        pass

    def analysed(self, done: int, total: int) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Communities:
    main: str
    trending: str
    trending_listing: str


async def collect(source: Source, communities: Communities) -> Collection:
    """Both listings at once. The main one must work; trending is a nice-to-have."""
    main, trending = await asyncio.gather(
        source.fetch(communities.main, "top"),
        source.fetch(communities.trending, communities.trending_listing),
        return_exceptions=True,
    )
    if isinstance(main, BaseException):
        raise main
    problems: tuple[str, ...] = ()
    if isinstance(trending, BaseException):
        if not isinstance(trending, SourceError):
            raise trending
        problems = (f"trending topics left out: {trending}",)
        trending = []
    return Collection(datetime.now(UTC), tuple(main), tuple(trending), problems=problems)


@dataclass(frozen=True, slots=True)
class Outcome:
    digest: Digest
    created: bool  # False: the day already had a digest and it was kept
    published: tuple[Published, ...]
    seconds: float

    @property
    def problems(self) -> tuple[str, ...]:
        """What needs attention: the digest's own problems, then its deliveries'."""
        delivery = tuple(p for published in self.published for p in published.problems)
        return self.digest.problems + delivery


class Pipeline:
    def __init__(
        self,
        store: Store,
        analyst: Analyst | None,
        model: str,
        rules: SelectionRules,
        events: Sequence[str],
        publishers: Sequence[Publisher] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress: Progress | None = None,
    ) -> None:
        self._store = store
        self._analyst = analyst
        self._model = model if analyst else ""
        self._rules = rules
        self._events = tuple(events)
        self._publishers = tuple(publishers)
        self._clock = clock
        self._progress = progress or NoProgress()
        self._owner = owner_id()

    async def generate(
        self,
        day: date,
        gather: Callable[[], Awaitable[Collection]],
        *,
        force: bool = False,
        dry_run: bool = False,
    ) -> Outcome:
        """Build, store and publish the digest of `day` from what `gather()` collects.

        A day that has a digest keeps it unless `force`, and is published again
        (publishers are idempotent), so a run that stopped before publishing is
        finished by the next one. `dry_run` stores and publishes nothing.
        Raises SourceError when there is nothing to publish.
        """
        started = time.perf_counter()
        existing = self._store.load_digest(day)
        if existing and not force:
            published = () if dry_run else await self._publish(existing)
            return Outcome(existing, False, published, time.perf_counter() - started)
        if dry_run:
            return await self._generate(day, gather, dry_run, started)
        key = f"generate:{day.isoformat()}"
        self._progress.stage("claiming the day")
        if await wait_for_claim(self._store, key, self._owner, CLAIM_STALE_AFTER):
            # Another run made the day's digest meanwhile: that one is the day's digest.
            made = self._store.load_digest(day)
            if made is not None:
                self._store.release(key, self._owner)
                published = await self._publish(made)
                return Outcome(made, False, published, time.perf_counter() - started)
        try:
            return await self._generate(day, gather, dry_run, started)
        finally:
            self._store.release(key, self._owner)

    async def _generate(
        self,
        day: date,
        gather: Callable[[], Awaitable[Collection]],
        dry_run: bool,
        started: float,
    ) -> Outcome:
        run_id = None if dry_run else self._store.start_run("generate", day, self._model)
        usage = Usage()
        try:
            self._progress.stage("collecting posts")
            collection = await gather()
            digest = await self._build(day, collection)
            usage = digest.usage
            published: tuple[Published, ...] = ()
            if not dry_run:
                self._progress.stage("storing")
                self._store.save_digest(digest, run_id)
                published = await self._publish(digest)
        except BaseException as exc:
            if run_id is not None:
                message = str(exc) or type(exc).__name__
                self._store.finish_run(run_id, "failed", message, usage)
            raise
        if run_id is not None:
            lacking = self._analyst is not None and bool(self._events) and not digest.predictions
            status = "degraded" if digest.failed_topics or lacking else "ok"
            self._store.finish_run(run_id, status, "; ".join(digest.problems), usage)
        return Outcome(digest, True, published, time.perf_counter() - started)

    async def _build(self, day: date, collection: Collection) -> Digest:
        topics = select_topics(
            collection.main,
            self._store.covered_post_ids(other_than=day),
            self._rules,
            now=collection.collected_at,
        )
        if not topics:
            raise SourceError(
                f"no usable posts among {len(collection.main)} collected "
                "(all covered before, stickied, NSFW, removed or too old): no digest today"
            )
        trending = select_trending(
            collection.trending,
            topics,
            self._store.recent_trending_titles(day, self._rules.trending_lookback_days),
            self._rules,
        )
        notes, problems = list(collection.notes), list(collection.problems)
        if len(trending) < self._rules.trending_min and collection.trending:
            notes.append(f"only {len(trending)} new trending titles")
        predictions: tuple = ()
        usage = Usage()
        if self._analyst:
            self._progress.stage(f"analysing {len(topics)} topics")
            result = await self._analyst.run(topics, self._events, day, self._progress.analysed)
            topics, predictions, usage = result.topics, result.predictions, result.usage
            problems += result.problems
        now = self._clock()
        # The post's date is the digest's day, at the time it was made.
        generated_at = datetime.combine(day, now.time().replace(microsecond=0), UTC)
        return Digest(
            day=day,
            generated_at=generated_at,
            model=self._model,
            mode=DigestMode.FULL if self._analyst else DigestMode.HEADLINES,
            topics=topics,
            trending=trending,
            predictions=predictions,
            usage=usage,
            notes=tuple(notes),
            problems=tuple(problems),
        )

    async def _publish(self, digest: Digest) -> tuple[Published, ...]:
        self._progress.stage("publishing to " + ", ".join(p.name for p in self._publishers))
        return tuple(await asyncio.gather(*(p.publish(digest) for p in self._publishers)))
