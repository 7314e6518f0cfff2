"""The use cases of a day's digest: collect, generate, publish, and the digest on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from digestbot.app.wiring import Wiring
from digestbot.config.loader import Config
from digestbot.core.collect import collect
from digestbot.core.errors import MissingDigest
from digestbot.core.links import with_links
from digestbot.core.models import Collection, Digest
from digestbot.core.pipeline import Outcome, Pipeline
from digestbot.core.ports import Progress, Published
from digestbot.sources import replay
from digestbot.storage.store import open_scratch_copy

NO_CREDENTIALS_NOTE = "no Reddit credentials: read the public RSS feeds (no scores or flags)"


class App:
    def __init__(
        self,
        config: Config,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress: Progress | None = None,
    ) -> None:
        self.wiring = Wiring(config, clock)
        self.config = config
        self.settings = config.settings
        self.clock = clock
        self._progress = progress
        self._making: dict[date, asyncio.Task[Outcome]] = {}

    async def collect(self) -> Collection:
        """Today's posts from the configured sources, as they are now."""
        from digestbot.app.sources import uses_reddit_api
        from digestbot.config.sources import sources_in_force

        collection = await collect(self.wiring.sources(), self.clock())
        reddit = any(s.kind == "reddit" for s in sources_in_force(self.settings))
        if reddit and not uses_reddit_api(self.config):
            collection = replace(collection, notes=(NO_CREDENTIALS_NOTE, *collection.notes))
        return collection

    async def generate(
        self,
        day: date | None = None,
        replay_file: Path | None = None,
        *,
        force: bool = False,
        dry_run: bool = False,
        post: bool = True,
    ) -> Outcome:
        """Make the day's digest (or keep the one there is), store it, write the post and
        deliver it. A dry run works on an in-memory copy of the history: nothing is
        stored, written or sent, and no database is created."""
        replayed = replay.load(replay_file) if replay_file else None
        if day is None:
            day = (replayed.collected_at if replayed else self.clock()).astimezone(UTC).date()

        async def gather() -> Collection:
            return replayed if replayed is not None else await self.collect()

        wiring = self.wiring
        path = self.settings.storage.database
        with open_scratch_copy(path) if dry_run else wiring.open_store() as store:
            async with wiring.analyst(store) as analyst, wiring.story_embeddings() as embeddings:
                publishers = [] if dry_run else [wiring.blog()]
                if post and not dry_run:
                    publishers += wiring.chat_publishers(store)
                pipeline = Pipeline(
                    store,
                    analyst,
                    model=self.settings.llm.model,
                    rules=wiring.rules(),
                    events=self.settings.predictions.events,
                    publishers=publishers,
                    clock=self.clock,
                    progress=self._progress,
                    owner=wiring.owner,
                    articles=wiring.article_reader(store),
                    post_url=wiring.post_url,
                    stories=wiring.story_rules(),
                    embeddings=embeddings,
                )
                return await pipeline.generate(day, gather, force=force, dry_run=dry_run)

    async def publish(self, day: date) -> tuple[Published, ...]:
        """Deliver a stored digest to every configured chat channel that lacks it."""
        with self.wiring.open_store(existing=True) as store:
            digest = store.digests.load(day)
            if digest is None:
                raise MissingDigest(
                    f"there is no digest for {day} in history: run `digestbot generate` first"
                )
            digest = with_links(digest, self.wiring.post_url)
            publishers = self.wiring.chat_publishers(store)
            return tuple(await asyncio.gather(*(p.publish(digest) for p in publishers)))

    async def digest_for(self, day: date, force: bool = False) -> Digest:
        """The day's digest, made now if needed; askers at the same time share one making.

        Within this process they await the same task; across processes the database
        claim in Pipeline.generate makes the later one wait for the earlier one's digest.
        A digest made again (`force`) also replaces the one the channels hold.
        """
        task = self._making.get(day)
        if task is None:
            task = asyncio.create_task(self.generate(day, force=force, post=force))
            self._making[day] = task
            task.add_done_callback(lambda _: self._making.pop(day, None))
        return (await asyncio.shield(task)).digest
