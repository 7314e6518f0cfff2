"""The one place the stages are sequenced: collect → select → analyse → store → publish."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from digestbot.core.claims import hold
from digestbot.core.editions import (
    EditionPlan,
    analyse_languages,
    by_language,
    edition_digest,
    pick,
    pool_size,
    unanalysed,
)
from digestbot.core.errors import SourceError
from digestbot.core.links import PostUrl, no_url, with_links
from digestbot.core.models import Collection, Digest, DigestMode, Topic, Usage
from digestbot.core.outcome import INTERRUPTED, Outcome, RunStatus
from digestbot.core.ports import (
    ArticleSource,
    Embeddings,
    History,
    Progress,
    Published,
    Publisher,
)
from digestbot.core.select import SelectionRules, select_topics, select_trending
from digestbot.core.stories import Covered, Similar, StoryRules, story_texts

if TYPE_CHECKING:
    from digestbot.core.analyse import Analyst

CLAIM_STALE_AFTER = timedelta(minutes=30)  # a generation takes minutes at most
CLAIM_WAIT_SECONDS = 15 * 60.0  # how long a second run waits for the first one's digest


class NoProgress:
    def stage(self, description: str) -> None:
        pass

    def analysed(self, done: int, total: int) -> None:
        pass


class Pipeline:
    def __init__(
        self,
        history: History,
        analyst: Analyst | None,
        model: str,
        rules: SelectionRules,
        events: Sequence[str],
        publishers: Sequence[Publisher] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress: Progress | None = None,
        owner: str = "",
        articles: ArticleSource | None = None,
        post_url: PostUrl = no_url,
        stories: StoryRules | None = None,
        embeddings: Embeddings | None = None,
        headline_reason: str = "",
        editions: Mapping[str, EditionPlan] | None = None,
    ) -> None:
        """Without an analyst, digests are headline editions; `headline_reason` says why
        (the blog and chat label them with it), e.g. the LLM budget is spent. `editions`
        are the channels' own (by "<platform>:<channel>"), cut from the same day's work."""
        self._history = history
        self._analyst = analyst
        self._model = model if analyst else ""
        self._rules = rules
        self._events = tuple(events)
        self._publishers = tuple(publishers)
        self._clock = clock
        self._progress = progress or NoProgress()
        self._owner = owner
        self._articles = articles
        self._post_url = post_url
        self._stories = stories or StoryRules()
        self._embeddings = embeddings
        self._headline_reason = "" if analyst else headline_reason
        self._editions = dict(editions or {})

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
        finished by the next one. `dry_run` publishes nothing.
        Raises SourceError when there is nothing to publish.
        """
        started = time.perf_counter()
        if not dry_run:
            self._history.runs.mark_interrupted()
        existing = self._history.digests.load(day)
        if existing and not force:
            return await self._complete(existing, started, dry_run=dry_run)
        if dry_run:
            return await self._generate(day, gather, started, record=False)
        key = f"generate:{day.isoformat()}"
        self._progress.stage("claiming the day")
        waited = await hold(
            self._history.claims,
            key,
            self._owner,
            stale_after=CLAIM_STALE_AFTER,
            clock=self._clock,
            max_wait=CLAIM_WAIT_SECONDS,
        )
        try:
            made = self._history.digests.load(day) if waited else None
            if made is not None:  # another run made the day's digest meanwhile: that one it is
                return await self._complete(made, started, dry_run=False)
            return await self._generate(day, gather, started, record=True)
        finally:
            self._history.claims.release(key, self._owner)

    async def _complete(self, digest: Digest, started: float, *, dry_run: bool) -> Outcome:
        """Publish a stored digest where it is missing; runs of its day that were
        interrupted on the way are recorded as completed once it reached its places."""
        digest = with_links(digest, self._post_url)
        published = () if dry_run else await self._publish(digest)
        outcome = Outcome(digest, False, published, time.perf_counter() - started)
        if not dry_run and outcome.status != RunStatus.FAILED:
            message = "; ".join(outcome.problems)
            self._history.runs.complete_interrupted(digest.day, outcome.status, message)
        return outcome

    async def _generate(
        self,
        day: date,
        gather: Callable[[], Awaitable[Collection]],
        started: float,
        *,
        record: bool,
    ) -> Outcome:
        runs = self._history.runs
        now = self._clock()
        run_id = runs.start("generate", day, self._model, self._owner, now) if record else None
        usage = Usage()
        try:
            self._progress.stage("collecting posts")
            collection = await gather()
            digest = with_links(await self._build(day, collection), self._post_url)
            usage = digest.usage
            published: tuple[Published, ...] = ()
            if record:
                self._progress.stage("storing")
                self._history.digests.save(digest, run_id)
                published = await self._publish(digest)
        except asyncio.CancelledError:  # a shutdown: the next start completes the run
            if run_id is not None:
                runs.finish(run_id, RunStatus.INTERRUPTED, INTERRUPTED, usage)
            raise
        except BaseException as exc:
            if run_id is not None:
                runs.finish(run_id, RunStatus.FAILED, str(exc) or type(exc).__name__, usage)
            raise
        outcome = Outcome(digest, True, published, time.perf_counter() - started)
        if run_id is not None:
            runs.finish(run_id, outcome.status, "; ".join(outcome.problems), usage)
            if outcome.status != RunStatus.FAILED:
                runs.complete_interrupted(day, outcome.status, "; ".join(outcome.problems))
        return outcome

    async def _build(self, day: date, collection: Collection) -> Digest:
        rules = self._rules
        covered = self._history.stories.covered(
            day,
            self._stories.lookback_days,
            rules.trending_lookback_days,
            [p.id for p in collection.main],
        )
        similar = await self._similarity(collection, covered)
        plans = self._editions
        size = pool_size(EditionPlan(rules.topics), plans.values())
        pool = select_topics(
            collection.main,
            covered,
            replace(rules, topics=size),
            self._stories,
            collection.collected_at,
            similar,
        )
        topics = pool[: rules.topics]
        if not topics:
            raise SourceError(
                f"no usable posts among {len(collection.main)} collected (all covered "
                "before, stickied, NSFW, removed or too old): no digest today"
            )
        picks = {channel: pick(pool, plan) for channel, plan in plans.items()}
        needed = by_language(topics, picks, plans)
        # No trending title tells a story some edition shows as a topic.
        trending = select_trending(
            collection.trending,
            _each_once(needed),
            covered,
            rules,
            self._stories,
            similar,
            now=collection.collected_at,
        )
        notes, problems = list(collection.notes), list(collection.problems)
        if self._embeddings is not None and self._embeddings.note:
            notes.append(self._embeddings.note)
        if self._headline_reason:
            notes.append(f"headline edition: {self._headline_reason}")
        if len(trending) < self._rules.trending_min and collection.trending:
            notes.append(f"only {len(trending)} new trending titles")
        read = {t.post.id: t for t in await self._read_articles(_each_once(needed), notes)}
        needed = {lang: [read[t.post.id] for t in chosen] for lang, chosen in needed.items()}
        analysed = unanalysed(needed)
        if self._analyst:
            count = sum(map(len, needed.values()))
            self._progress.stage(f"analysing {count} topics")
            analysed = await analyse_languages(
                self._analyst, needed, self._events, day, self._progress.analysed
            )
            problems += analysed.problems
            notes += analysed.notes
        topics = tuple(analysed.topics[""][t.post.id] for t in topics)
        now = self._clock()
        # The post's date is the digest's day, at the time it was made.
        generated_at = datetime.combine(day, now.time().replace(microsecond=0), UTC)
        digest = Digest(
            day=day,
            generated_at=generated_at,
            model=(analysed.model or self._model) if self._analyst else "",
            mode=DigestMode.FULL if self._analyst else DigestMode.HEADLINES,
            topics=topics,
            trending=trending,
            predictions=analysed.predictions,
            usage=analysed.usage,
            notes=tuple(notes),
            problems=tuple(problems),
            wanted_topics=self._rules.topics,
            headline_reason=self._headline_reason,
        )
        editions = tuple(
            (channel, edition_digest(digest, picks[channel], plan, analysed.topics[plan.language]))
            for channel, plan in plans.items()
        )
        return replace(digest, editions=editions)

    async def _similarity(self, collection: Collection, covered: Covered) -> Similar | None:
        """Embeddings' likeness of the stories' texts, where the endpoint has them."""
        if self._embeddings is None:
            return None
        self._progress.stage("comparing stories")
        texts = story_texts((*collection.main, *collection.trending), covered)
        return await self._embeddings.similarity(texts)

    async def _read_articles(
        self, topics: tuple[Topic, ...], notes: list[str]
    ) -> tuple[Topic, ...]:
        """The topics with the pages their posts link to, as read (or why not)."""
        linked = [t.post for t in topics if t.post.link]
        if self._articles is None or not linked:
            return tuple(topics)
        self._progress.stage(f"reading {len(linked)} linked pages")
        read = await self._articles.read(linked)
        if unread := [a for a in read.values() if a.error and not a.text]:
            notes.append(
                f"{len(unread)} of {len(linked)} linked pages could not be read "
                f"({unread[0].error}): those topics rest on their posts alone"
            )
        return tuple(replace(t, article=read.get(t.post.link, t.article)) for t in topics)

    async def _publish(self, digest: Digest) -> tuple[Published, ...]:
        if not self._publishers:
            return ()
        self._progress.stage("publishing to " + ", ".join(p.name for p in self._publishers))
        return tuple(await asyncio.gather(*(p.publish(digest) for p in self._publishers)))


def _each_once(needed: Mapping[str, Sequence[Topic]]) -> tuple[Topic, ...]:
    """Every topic some edition shows, once, in the order first needed."""
    return tuple({t.post.id: t for chosen in needed.values() for t in chosen}.values())
