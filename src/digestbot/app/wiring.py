"""The composition root: what is configured, and the one place that picks and opens the
outside parts (sources, the LLM, chat platforms, the blog, storage).

Each part's module is imported only when that part is opened, so a command pays only
for what it uses: a replayed digest without an API key never imports openai or praw.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from digestbot.app.modes import Modes, modes
from digestbot.config.loader import Config
from digestbot.core.deliver import ChatPublisher, PlatformOpener
from digestbot.core.notify import AdminChannel
from digestbot.core.ports import ChatPlatform
from digestbot.core.select import SelectionRules
from digestbot.storage.claims import owner_id
from digestbot.storage.store import Store, open_store

if TYPE_CHECKING:
    from digestbot.blog.hugo import HugoBlog
    from digestbot.core.analyse import Analyst
    from digestbot.core.collect import NamedSource
    from digestbot.core.editions import EditionPlan
    from digestbot.core.profiles import ChannelProfiles, Profile
    from digestbot.core.stories import StoryRules
    from digestbot.llm.embeddings import StoryEmbeddings
    from digestbot.llm.prompts import PromptTemplate
    from digestbot.sources.articles import ArticleReader


FEEDBACK_DAYS = 60  # how far back the team's votes weigh the ranking
# How long the bot's closing client waits for the deliveries using it: a day's delivery
# to many channels takes minutes, and only a reconnect waits for it.
UNSHARE_WAIT_SECONDS = 300.0


class KeptSessions:
    """Platforms opened once and kept open until `close()`, each opened by one caller;
    each use is a lease, so that a platform's owner closes it only once no one uses it."""

    def __init__(self) -> None:
        self._stack = AsyncExitStack()
        self._open: dict[str, ChatPlatform] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[int, int] = {}  # id(platform): deliveries using it now
        self._returned = asyncio.Condition()

    @asynccontextmanager
    async def lease(self, name: str, opener: PlatformOpener) -> AsyncIterator[ChatPlatform]:
        async with self._locks.setdefault(name, asyncio.Lock()):
            if name not in self._open:  # a failed opening is tried again by the next caller
                self._open[name] = await self._stack.enter_async_context(opener())
            platform = self._open[name]
            self._users[id(platform)] = self._users.get(id(platform), 0) + 1
        try:
            yield platform
        finally:
            async with self._returned:
                self._users[id(platform)] -= 1
                self._returned.notify_all()

    def share(self, name: str, platform: ChatPlatform) -> None:
        """Use an open platform that its owner closes (the bot's own logged-in client)."""
        self._open[name] = platform

    async def unshare(self, name: str, platform: ChatPlatform, wait_seconds: float) -> None:
        """Its owner is closing it: the next caller opens a session of its own, and the
        deliveries using it now finish first (within `wait_seconds`)."""
        if self._open.get(name) is platform:
            del self._open[name]
        async with self._returned:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._returned.wait_for(lambda: not self._users.get(id(platform))),
                    wait_seconds,
                )

    async def close(self) -> None:
        await self._stack.aclose()


class Wiring:
    def __init__(
        self, config: Config, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.config = config
        self.settings = config.settings
        self.clock = clock
        self.owner = owner_id()  # names this process in claims
        self._sessions: KeptSessions | None = None

    def modes(self) -> Modes:
        return modes(self.config)

    def rules(self, store: Store | None = None) -> SelectionRules:
        """How posts are chosen: the settings, each source's weight, and with
        `learn_from_feedback` what the team's votes (in `store`) of the last
        FEEDBACK_DAYS make of a post."""
        from digestbot.config.sources import sources_in_force

        s = self.settings.selection
        weights = {source.shown_name: source.weight for source in sources_in_force(self.settings)}
        liking = None
        if s.learn_from_feedback and store is not None:
            from digestbot.core.feedback import learned_weights

            since = self.clock().date() - timedelta(days=FEEDBACK_DAYS)
            learned = learned_weights(store.votes.topics(since))
            liking = lambda post: learned.factor(post.source_name, post.title)  # noqa: E731
        return SelectionRules(**s.as_dict(), weights=weights, liking=liking)

    # -- the parts ------------------------------------------------------------

    def open_store(self, *, read_only: bool = False, existing: bool = False) -> Store:
        path = self.settings.storage.database
        return open_store(path, read_only=read_only, existing=existing)

    def sources(self) -> list[NamedSource]:
        """Every source in force ([[sources]], else the pair [reddit] names), ready."""
        from digestbot.app.sources import open_sources

        return open_sources(self.config)

    def blog(self, folder: Path | None = None) -> HugoBlog:
        from digestbot.blog.hugo import HugoBlog, HugoStyle

        style = HugoStyle.of(self.settings.blog.as_dict())
        storage = self.settings.storage
        return HugoBlog(folder or Path(storage.blog_dir), storage.post_filename, style)

    def story_rules(self) -> StoryRules:
        from digestbot.core.stories import StoryRules

        s = self.settings.stories
        return StoryRules(
            lookback_days=s.lookback_days,
            on_repeat=s.on_repeat,
            title_similarity=s.title_similarity,
            text_similarity=s.text_similarity,
            embedding_similarity=s.embedding_similarity,
        )

    @asynccontextmanager
    async def story_embeddings(self) -> AsyncIterator[StoryEmbeddings | None]:
        """The endpoint's embeddings for telling stories apart, or None: no API key, or
        [stories] embeddings = "off"."""
        key = self.config.secrets.openai_api_key
        if key is None or self.settings.stories.embeddings == "off":
            yield None
            return
        from openai import AsyncOpenAI

        from digestbot.llm.embeddings import StoryEmbeddings

        async with AsyncOpenAI(
            api_key=key.get_secret_value(), base_url=self.config.llm_base_url, max_retries=0
        ) as client:
            timeout = min(self.settings.llm.timeout_seconds, 20.0)
            yield StoryEmbeddings(client, self.settings.stories.embedding_model, timeout=timeout)

    def article_reader(self, store: Store) -> ArticleReader | None:
        """What reads the pages link posts point to, or None with [articles] disabled."""
        a = self.settings.articles
        if not a.enabled:
            return None
        from digestbot.sources.articles import ArticleOptions, ArticleReader

        options = ArticleOptions(
            a.allow_private_hosts, a.timeout_seconds, a.max_bytes, a.user_agent
        )
        return ArticleReader(options, store.articles)

    def profiles(self, store: Store) -> ChannelProfiles:
        """Every channel's edition: the settings file's, over it what admins set in chat."""
        from digestbot.cli.channels import channel_profiles

        return channel_profiles(self.settings, store.profiles)

    def delivered_profiles(self, store: Store) -> list[Profile]:
        """The profiles of the channels the digest goes to: a profile set for any other
        channel (in the file, or in chat from elsewhere) costs no analysis and no run."""
        s = self.settings
        listed = {("discord", c) for c in s.discord.channels}
        listed |= {("slack", c) for c in s.slack.channels}
        return [p for p in self.profiles(store).profiles() if (p.platform, p.channel) in listed]

    def editions(self, store: Store) -> dict[str, EditionPlan]:
        """The channels whose edition is not the default one, by "<platform>:<channel>"."""
        from digestbot.core.editions import EditionPlan, differing

        default = EditionPlan(self.settings.selection.topics)
        plans = {
            f"{p.platform}:{p.channel}": EditionPlan(p.topics, p.language, tuple(p.focus))
            for p in self.delivered_profiles(store)
        }
        return differing(plans, default)

    def post_url(self, day: date) -> str:
        """The day's post on the blog, or "" while blog.site_url is not set."""
        from digestbot.blog.address import BlogAddress

        storage = self.settings.storage
        address = BlogAddress(self.settings.blog.site_url, storage.blog_dir, storage.post_filename)
        return address.post_url(day)

    def prompts(self) -> tuple[PromptTemplate, PromptTemplate]:
        """The topic and predictions prompts, checked before anything is spent."""
        from digestbot.llm.prompts import load_prompt

        folder = self.settings.prompts_dir
        return load_prompt("topic_analysis", folder), load_prompt("predictions", folder)

    @asynccontextmanager
    async def analyst(self, store: Store) -> AsyncIterator[Analyst | None]:
        """An Analyst over an open client, or None when no API key is set (headline mode)."""
        if self.config.secrets.openai_api_key is None:
            yield None
            return
        prompts = self.prompts()  # checked before anything is spent
        from digestbot.app.llm import open_analyst

        async with open_analyst(self.config, store, prompts) as analyst:
            yield analyst

    @asynccontextmanager
    async def kept_sessions(self) -> AsyncIterator[None]:
        """Within this, each platform logs in once and every delivery reuses the session
        (the long-running bot); outside it, each delivery opens and closes its own."""
        self._sessions = KeptSessions()
        try:
            yield
        finally:
            sessions, self._sessions = self._sessions, None
            await sessions.close()

    def share(self, name: str, platform: ChatPlatform) -> None:
        """Within kept_sessions, let deliveries use this open platform."""
        if self._sessions is not None:
            self._sessions.share(name, platform)

    async def unshare(self, name: str, platform: ChatPlatform) -> None:
        """The bot's client is closing: deliveries using it finish first (a while)."""
        if self._sessions is not None:
            await self._sessions.unshare(name, platform, UNSHARE_WAIT_SECONDS)

    def _kept(self, name: str, opener: PlatformOpener) -> PlatformOpener:
        @asynccontextmanager
        async def open_kept() -> AsyncIterator:
            if self._sessions is None:
                async with opener() as platform:
                    yield platform
            else:
                async with self._sessions.lease(name, opener) as platform:
                    yield platform

        return open_kept

    def discord_opener(self) -> PlatformOpener | None:
        """Opens Discord's REST API with the bot token, if there is one."""
        token, s = self.config.secrets.discord_token, self.settings.discord
        if token is None:
            return None

        @asynccontextmanager
        async def open_discord() -> AsyncIterator:
            from digestbot.chat.discord.client import DiscordPlatform, discord_rest

            async with discord_rest(token.get_secret_value(), s.api_base_url) as client:
                yield DiscordPlatform(client, threads=s.threads)

        return self._kept("discord", open_discord)

    def slack_opener(self) -> PlatformOpener | None:
        """Opens Slack's Web API with the bot token, if there is one."""
        token, s = self.config.secrets.slack_bot_token, self.settings.slack
        if token is None:
            return None

        @asynccontextmanager
        async def open_slack() -> AsyncIterator:
            from digestbot.chat.slack.app import SlackPlatform, slack_client

            yield SlackPlatform(
                slack_client(token.get_secret_value(), s.api_base_url), threads=s.threads
            )

        return self._kept("slack", open_slack)

    def _platforms(self) -> list[tuple[str, PlatformOpener | None, list[str], str]]:
        s = self.settings
        return [
            ("discord", self.discord_opener(), s.discord.channels, s.discord.admin_channel),
            ("slack", self.slack_opener(), s.slack.channels, s.slack.admin_channel),
        ]

    def has_chat(self) -> bool:
        """Whether some chat platform has both a token and channels to post to."""
        return any(opener and channels for _, opener, channels, _ in self._platforms())

    def chat_publishers(self, store: Store, due_by: str = "") -> list[ChatPublisher]:
        """A publisher for each chat platform that has a token and channels, with the
        channels whose edition sets threads its own way. With `due_by` ("HH:MM" in the
        schedule's timezone), only the channels whose time has come by then."""
        profiles = self.delivered_profiles(store)
        threads = {
            (p.platform, p.channel): p.threads
            for p in profiles
            if p.origin.get("threads") != "default"
        }
        late = {(p.platform, p.channel) for p in profiles if due_by and p.time > due_by}
        return [
            ChatPublisher(
                name,
                opener,
                store.ledger,
                store.claims,
                [c for c in channels if (name, c) not in late],
                concurrency=self.settings.delivery.concurrency,
                pace_seconds=self.settings.delivery.pace_seconds,
                owner=self.owner,
                clock=self.clock,
                threads={c: t for (platform, c), t in threads.items() if platform == name},
            )
            for name, opener, channels, _ in self._platforms()
            if opener and any((name, c) not in late for c in channels)
        ]

    def delivery_times(self, store: Store) -> list[str]:
        """The times ("HH:MM", the schedule's timezone) some channel receives the digest
        at: the schedule's own, and any a channel's edition sets."""
        times = {p.time for p in self.delivered_profiles(store)}
        return sorted(times | {self.settings.schedule.time})

    def admin_channels(self) -> list[AdminChannel]:
        return [
            AdminChannel(name, opener, admin)
            for name, opener, _, admin in self._platforms()
            if opener and admin
        ]
