"""The composition root: the only place that picks adapters and opens their clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from openai import AsyncOpenAI

from adapters.discord_bot import DiscordPlatform, discord_rest
from adapters.feeds import FeedOptions, FeedSource
from adapters.hugo import HugoBlog, HugoStyle
from adapters.hugo_import import PostError, parse_post
from adapters.openai_llm import OpenAIChat
from adapters.reddit import RedditOptions, RedditSource
from adapters.slack_app import SlackPlatform, slack_client
from bot import replay
from bot.analyse import Analyst, Pricing
from bot.config import Config
from bot.deliver import ChatPublisher, PlatformOpener
from bot.health import AdminChannel
from bot.models import Collection, Digest
from bot.pipeline import Communities, Outcome, Pipeline, collect
from bot.ports import Progress, Published, Source
from bot.prompts import load_prompt
from bot.select import SelectionRules
from bot.store import Store


@dataclass(frozen=True, slots=True)
class Modes:
    """What a run will do with the configuration at hand, in words for a person."""

    source: str
    llm: str
    uses_reddit_api: bool
    uses_llm: bool
    chat: tuple[str, ...]  # where digests are posted, e.g. "discord: 2 channels"


@dataclass
class ImportReport:
    imported: int = 0
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # days that have a digest made by the bot
    failed: list[str] = field(default_factory=list)  # "file: line N: why"
    warnings: list[str] = field(default_factory=list)  # parts of posts left out


class App:
    def __init__(
        self,
        config: Config,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress: Progress | None = None,
    ) -> None:
        self.config = config
        self.settings = config.settings
        self._clock = clock
        self._progress = progress
        self._making: dict[date, asyncio.Task[Outcome]] = {}

    # -- what is configured ---------------------------------------------------

    def modes(self) -> Modes:
        s, secrets = self.settings, self.config.secrets
        reddit_api = bool(secrets.reddit_client_id and secrets.reddit_client_secret)
        source = (
            f"Reddit API ({s.reddit.oauth_url})"
            if reddit_api
            else f"public RSS feeds of {s.reddit.reddit_url} (no Reddit credentials)"
        )
        uses_llm = secrets.openai_api_key is not None
        llm = (
            f"{s.llm.model} at {s.llm.base_url}"
            if uses_llm
            else "none: headline digests (no OPENAI_API_KEY)"
        )
        chat = []
        for platform, token, channels in (
            ("discord", secrets.discord_token, s.discord.channels),
            ("slack", secrets.slack_bot_token, s.slack.channels),
        ):
            if token and channels:
                chat.append(f"{platform}: {len(channels)} channels")
            elif token:
                chat.append(f"{platform}: /digest only (no channels listed)")
            elif channels:
                chat.append(f"{platform}: {len(channels)} channels but no token: not posted")
        if secrets.slack_bot_token:
            needed = {
                "socket": ("SLACK_APP_TOKEN", secrets.slack_app_token),
                "http": ("SLACK_SIGNING_SECRET", secrets.slack_signing_secret),
            }
            name, value = needed[s.slack.mode]
            if value is None:
                chat.append(f"slack: {s.slack.mode} mode needs {name}: `run` leaves Slack out")
        return Modes(source, llm, reddit_api, uses_llm, tuple(chat))

    def source(self) -> Source:
        s, secrets = self.settings.reddit, self.config.secrets
        if self.modes().uses_reddit_api:
            assert secrets.reddit_client_id and secrets.reddit_client_secret
            return RedditSource(
                RedditOptions(
                    client_id=secrets.reddit_client_id.get_secret_value(),
                    client_secret=secrets.reddit_client_secret.get_secret_value(),
                    user_agent=s.user_agent,
                    fetch_limit=s.fetch_limit,
                    oauth_url=s.oauth_url,
                    reddit_url=s.reddit_url,
                    timeout_seconds=s.timeout_seconds,
                )
            )
        return FeedSource(FeedOptions(s.reddit_url, s.user_agent, s.timeout_seconds))

    def blog(self, folder: Path | None = None) -> HugoBlog:
        b = self.settings.blog
        style = HugoStyle(**{**b.model_dump(), "tags": tuple(b.tags)})
        storage = self.settings.storage
        return HugoBlog(folder or storage.blog_dir, storage.post_filename, style)

    def open_store(self) -> Store:
        return Store(self.settings.storage.database)

    @asynccontextmanager
    async def analyst(self, store: Store) -> AsyncIterator[Analyst | None]:
        """An Analyst over an open client, or None when no API key is set (headline mode)."""
        key = self.config.secrets.openai_api_key
        if key is None:
            yield None
            return
        s = self.settings.llm
        topic_prompt = load_prompt(self.settings.prompts_dir, "topic_analysis")
        predictions_prompt = load_prompt(self.settings.prompts_dir, "predictions")
        async with AsyncOpenAI(
            api_key=key.get_secret_value(),
            base_url=s.base_url,
            timeout=s.timeout_seconds,
            max_retries=s.max_retries,
        ) as client:
            llm = OpenAIChat(
                client,
                s.model,
                structured_output=s.structured_output,
                temperature=s.temperature,
                max_output_tokens=s.max_output_tokens,
            )
            yield Analyst(
                llm,
                store,
                topic_prompt,
                predictions_prompt,
                concurrency=s.concurrency,
                source_budget_tokens=s.source_budget_tokens,
                pricing=Pricing(s.price_input_per_mtok, s.price_output_per_mtok),
            )

    # -- jobs -----------------------------------------------------------------

    async def collect(self) -> Collection:
        r = self.settings.reddit
        collection = await collect(
            self.source(), Communities(r.main_subreddit, r.trending_subreddit, r.trending_listing)
        )
        if not self.modes().uses_reddit_api:
            note = "no Reddit credentials: read the public RSS feeds (no scores or flags)"
            collection = replace(collection, notes=(note, *collection.notes))
        return collection

    def discord_opener(self) -> PlatformOpener | None:
        """Opens Discord's REST API with the bot token, if there is one."""
        token, s = self.config.secrets.discord_token, self.settings.discord
        if token is None:
            return None

        @asynccontextmanager
        async def open_discord() -> AsyncIterator[DiscordPlatform]:
            async with discord_rest(token.get_secret_value(), s.api_base_url) as client:
                yield DiscordPlatform(client, threads=s.threads)

        return open_discord

    def slack_opener(self) -> PlatformOpener | None:
        """Opens Slack's Web API with the bot token, if there is one."""
        token, s = self.config.secrets.slack_bot_token, self.settings.slack
        if token is None:
            return None

        @asynccontextmanager
        async def open_slack() -> AsyncIterator[SlackPlatform]:
            yield SlackPlatform(
                slack_client(token.get_secret_value(), s.api_base_url), threads=s.threads
            )

        return open_slack

    def _platforms(self) -> list[tuple[str, PlatformOpener | None, list[str], str]]:
        s = self.settings
        return [
            ("discord", self.discord_opener(), s.discord.channels, s.discord.admin_channel),
            ("slack", self.slack_opener(), s.slack.channels, s.slack.admin_channel),
        ]

    def chat_publishers(self, store: Store) -> list[ChatPublisher]:
        """A publisher for each chat platform that has a token and channels."""
        concurrency = self.settings.delivery.concurrency
        return [
            ChatPublisher(name, opener, store, channels, concurrency)
            for name, opener, channels, _ in self._platforms()
            if opener and channels
        ]

    def admin_channels(self) -> list[AdminChannel]:
        return [
            AdminChannel(name, opener, admin)
            for name, opener, _, admin in self._platforms()
            if opener and admin
        ]

    async def publish(self, day: date) -> tuple[Published, ...]:
        """Deliver a stored digest to every configured chat channel that lacks it."""
        with self.open_store() as store:
            digest = store.load_digest(day)
            if digest is None:
                raise LookupError(f"no digest for {day} in history")
            publishers = self.chat_publishers(store)
            return tuple(await asyncio.gather(*(p.publish(digest) for p in publishers)))

    async def generate(
        self,
        day: date | None = None,
        replay_file: Path | None = None,
        *,
        force: bool = False,
        dry_run: bool = False,
        post: bool = True,
    ) -> Outcome:
        replayed = replay.load(replay_file) if replay_file else None
        if day is None:
            day = (replayed.collected_at if replayed else self._clock()).astimezone(UTC).date()

        async def gather() -> Collection:
            return replayed if replayed is not None else await self.collect()

        with self.open_store() as store:
            async with self.analyst(store) as analyst:
                pipeline = Pipeline(
                    store,
                    analyst,
                    model=self.settings.llm.model,
                    rules=self.rules(),
                    events=self.settings.predictions.events,
                    publishers=[self.blog(), *(self.chat_publishers(store) if post else [])],
                    clock=self._clock,
                    progress=self._progress,
                )
                return await pipeline.generate(day, gather, force=force, dry_run=dry_run)

    async def digest_for(self, day: date, force: bool = False) -> Digest:
        """The day's digest, made now if needed; askers at the same time share one making.

        Within this process they await the same task; across processes the database
        claim in Pipeline.generate makes the later one wait for the earlier one's digest.
        """
        task = self._making.get(day)
        if task is None:
            task = asyncio.create_task(self.generate(day, force=force, post=False))
            self._making[day] = task
            task.add_done_callback(lambda _: self._making.pop(day, None))
        return (await asyncio.shield(task)).digest

    def rules(self) -> SelectionRules:
        return SelectionRules(**self.settings.selection.model_dump())

    def import_posts(self, paths: list[Path]) -> ImportReport:
        """Old blog posts into history, marked as imported; a second import changes nothing."""
        report = ImportReport()
        files = [
            p for path in paths for p in (sorted(path.rglob("*.md")) if path.is_dir() else [path])
        ]
        with self.open_store() as store:
            for file in files:
                try:
                    post = parse_post(file.read_text(encoding="utf-8", errors="replace"))
                except (OSError, PostError) as exc:
                    report.failed.append(f"{file}: {exc}")
                    continue
                report.warnings += [f"{file}: {w}" for w in post.warnings]
                existing = store.load_digest(post.digest.day)
                if existing == post.digest:
                    report.unchanged += 1
                elif existing is not None and not store.is_imported(post.digest.day):
                    report.kept.append(f"{file}: {post.digest.day} has a digest made here; kept it")
                else:
                    store.save_digest(post.digest, run_id=None, imported=True)
                    report.imported += 1
        return report

    async def export(
        self, since: date | None, until: date | None, folder: Path | None = None
    ) -> list[Published]:
        """Write the posts of a range of history again; the same history, the same bytes."""
        blog = self.blog(folder)
        with self.open_store() as store:
            digests = [store.load_digest(day) for day in store.digest_days(since, until)]
        return [await blog.publish(d) for d in digests if d is not None]
