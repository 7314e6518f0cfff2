"""The use cases of a day's digest: collect, generate, publish, and the digest on demand."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from digestbot.app.wiring import Wiring
from digestbot.config.loader import Config
from digestbot.core.approval import APPROVED
from digestbot.core.budget import (
    Budget,
    Estimate,
    PassedCap,
    Spend,
    estimate_run,
    passed_cap,
    prompt_tokens,
)
from digestbot.core.collect import collect
from digestbot.core.errors import MissingDigest
from digestbot.core.links import with_links
from digestbot.core.models import Collection, Digest, DigestMode
from digestbot.core.notify import Notifier
from digestbot.core.pipeline import Outcome, Pipeline
from digestbot.core.ports import Progress, Published, Publisher
from digestbot.sources import replay
from digestbot.storage.store import Store, open_scratch_copy

if TYPE_CHECKING:
    from digestbot.core.analyse import Analyst
    from digestbot.core.approval import Approver, DraftRenderer
    from digestbot.llm.embeddings import StoryEmbeddings

log = logging.getLogger("digestbot")
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
        from digestbot.app.modes import uses_reddit_api
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
        due_by: str = "",
    ) -> Outcome:
        """Make the day's digest (or keep the one there is), store it, write the post and
        deliver it (with `due_by`, "HH:MM", to the channels whose time has come by then).
        A dry run works on an in-memory copy of the history: nothing is stored, written
        or sent, and no database is created.

        A run that would pass an LLM budget makes a headline edition that says so, with
        no request to the LLM's endpoint at all, and the admins are told once a day."""
        replayed = replay.load(replay_file) if replay_file else None
        if day is None:
            day = (replayed.collected_at if replayed else self.clock()).astimezone(UTC).date()

        async def gather() -> Collection:
            return replayed if replayed is not None else await self.collect()

        wiring = self.wiring
        path = self.settings.storage.database
        with open_scratch_copy(path) if dry_run else wiring.open_store() as store:
            cap = self.passed_cap(store)
            if cap and force and _analysed(store.digests.load(day)):
                # A remake over budget would only trade the day's analyses for headlines.
                log.warning("%s: kept the analysed digest of %s, not remade", cap.reason, day)
                force = False
            async with AsyncExitStack() as llm:
                analyst: Analyst | None = None
                embeddings: StoryEmbeddings | None = None
                if cap is None:
                    analyst = await llm.enter_async_context(wiring.analyst(store))
                    embeddings = await llm.enter_async_context(wiring.story_embeddings())
                publishers = (
                    [] if dry_run else self._publishers(store, day, post=post, due_by=due_by)
                )
                pipeline = Pipeline(
                    store,
                    analyst,
                    model=self.settings.llm.model,
                    rules=wiring.rules(store),
                    events=self.settings.predictions.events,
                    publishers=publishers,
                    clock=self.clock,
                    progress=self._progress,
                    owner=wiring.owner,
                    articles=wiring.article_reader(store),
                    post_url=wiring.post_url,
                    stories=wiring.story_rules(),
                    embeddings=embeddings,
                    headline_reason=cap.reason if cap else "",
                    editions=wiring.editions(store),
                )
                outcome = await pipeline.generate(day, gather, force=force, dry_run=dry_run)
            if cap and outcome.created and not dry_run:
                today = self.clock().astimezone(UTC).date()  # the budget's day: once a day
                notifier = Notifier(store.notices, wiring.admin_channels())
                await notifier.report(today, [cap.notice], about="the LLM budget")
            return outcome

    def _publishers(
        self, store: Store, day: date, *, post: bool, due_by: str = ""
    ) -> list[Publisher]:
        """Where the day's digest goes: the blog, and with `post` the chat channels. With
        [approval] and the day not approved, neither: its drafts go to the admin
        channels (unless `post` is off), and approving publishes it everywhere."""
        approver = self.approver(store)
        if approver is not None and approver.state(day) != APPROVED:
            return [approver] if post else []
        chat = self.wiring.chat_publishers(store, due_by) if post else []
        return [self.wiring.blog(), *chat]

    def approver(self, store: Store) -> Approver | None:
        """What puts digests up for approval and carries out the decisions (with the
        store's history), or None while [approval] is off."""
        s = self.settings.approval
        if not s.enabled:
            return None
        from digestbot.core.approval import Approver

        async def publish(digest: Digest) -> tuple[Published, ...]:
            # Every channel now, but those of today whose own time is still to come: they
            # get it at their time.
            schedule = self.settings.schedule
            local = self.clock().astimezone(ZoneInfo(schedule.timezone))
            due_by = max(f"{local:%H:%M}", schedule.time) if digest.day == local.date() else ""
            publishers = [self.wiring.blog(), *self.wiring.chat_publishers(store, due_by)]
            return tuple(await asyncio.gather(*(p.publish(digest) for p in publishers)))

        def load(day: date) -> Digest | None:
            digest = store.digests.load(day)
            return with_links(digest, self.wiring.post_url) if digest else None

        admin_channels = self.wiring.admin_channels()
        return Approver(
            store.approvals,
            admin_channels,
            _draft_renderers({a.platform for a in admin_channels}),
            publish,
            load,
            deadline_minutes=s.deadline,
            on_deadline=s.on_deadline,
            clock=self.clock,
        )

    def budget(self) -> Budget:
        s = self.settings.llm
        return Budget(s.daily_budget_usd, s.monthly_budget_usd)

    def run_estimate(self, store: Store | None = None) -> Estimate:
        """The most a run's LLM calls may cost, by the settings (core/budget.py): the
        default edition's topics, and each channel's edition's (in `store`) as if none
        were shared."""
        s = self.settings.llm
        prompts = self.wiring.prompts()
        editions = self.wiring.editions(store) if store is not None else {}
        return estimate_run(
            topics=self.wiring.rules().topics + sum(p.topics for p in editions.values()),
            predictions=bool(self.settings.predictions.events),
            source_tokens=s.source_budget_tokens,
            prompt_tokens=max(
                prompt_tokens(p.render(**dict.fromkeys(p.variables, ""))) for p in prompts
            ),
            max_output_tokens=s.max_output_tokens,
            input_per_mtok=s.price_input_per_mtok,
            output_per_mtok=s.price_output_per_mtok,
        )

    def passed_cap(self, store: Store) -> PassedCap | None:
        """The LLM budget a run would pass now; None when it fits, when there is no cap,
        or when there is no LLM to pay for."""
        budget = self.budget()
        if not budget.capped or self.config.secrets.openai_api_key is None:
            return None
        spend = Spend(**store.reports.spend(self.clock()))
        return passed_cap(budget, spend, self.run_estimate(store))

    async def publish(self, day: date) -> tuple[Published, ...]:
        """Deliver a stored digest to every configured chat channel that lacks it."""
        with self.wiring.open_store(existing=True) as store:
            digest = store.digests.load(day)
            if digest is None:
                raise MissingDigest(
                    f"there is no digest for {day} in history: run `digestbot generate` first"
                )
            if (approver := self.approver(store)) and (held := approver.holding(day)):
                raise held
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


def _draft_renderers(platforms: set[str]) -> dict[str, DraftRenderer]:
    """Each platform's draft, imported only for the platforms that have an admin channel
    (each pulls in its SDK)."""
    renderers: dict[str, DraftRenderer] = {}
    if "discord" in platforms:
        from digestbot.chat.discord.approval import render_draft as discord_draft

        renderers["discord"] = discord_draft
    if "slack" in platforms:
        from digestbot.chat.slack.approval import render_draft as slack_draft

        renderers["slack"] = slack_draft
    return renderers


def _analysed(digest: Digest | None) -> bool:
    return digest is not None and digest.mode is DigestMode.FULL
