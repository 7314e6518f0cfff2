"""Discord through discord.py: REST publishing (no gateway needed) and its error mapping."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TypeVar

import aiohttp
import discord
from discord import app_commands
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from digestbot.chat.discord.approval import DiscordDraft, attach_approval, view_of
from digestbot.chat.discord.reactions import INTENTS, ReactionSink, attach_reactions
from digestbot.chat.discord.render import (
    DiscordMessage,
    escape_lines,
    render_discord,
    render_headline,
    render_search,
    topic_embed,
)
from digestbot.core.approval import Decide
from digestbot.core.errors import DeliveryError
from digestbot.core.models import Digest, DigestRequest, Reply, Want
from digestbot.core.ports import DigestCommands
from digestbot.core.profiles import FIELDS

log = logging.getLogger(__name__)
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
THREAD_ARCHIVE_MINUTES = 1440
T = TypeVar("T")


def _failure(channel: str, exc: Exception) -> DeliveryError:
    if isinstance(exc, discord.Forbidden):
        return DeliveryError(
            f"Discord channel {channel}: the bot lacks access (403 {exc.text or 'Forbidden'}); "
            "invite it to the channel with Send Messages and Embed Links",
            permanent=True,
        )
    if isinstance(exc, discord.NotFound):
        return DeliveryError(
            f"Discord channel {channel}: unknown channel (404); check discord.channels",
            permanent=True,
        )
    if isinstance(exc, discord.HTTPException):
        permanent = exc.status < 500 and exc.status != 429
        return DeliveryError(
            f"Discord channel {channel}: {exc.status} {exc.text}"[:300], permanent=permanent
        )
    return DeliveryError(
        f"Discord channel {channel}: cannot reach Discord ({exc!r})"[:300], permanent=False
    )


def _transient(exc: BaseException) -> bool:
    """Worth another try: 429s discord.py gave up on, any 5xx (it retries only 500, 502,
    504 and 524 itself), a dropped connection, a timeout."""
    if isinstance(exc, discord.HTTPException):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, aiohttp.ClientError | TimeoutError | ConnectionError)


ATTEMPTS = 4
REQUEST_TIMEOUT_SECONDS = 60.0  # discord.py sets none; its own 429 waits fit well within
RETRY_WAIT = wait_exponential(multiplier=0.5, max=8) + wait_random(0, 0.5)


async def _call(channel: str, request: Callable[[], Awaitable[T]]) -> T:
    """One REST call with retries on transient failures, mapped to DeliveryError."""
    try:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(ATTEMPTS),
            wait=RETRY_WAIT,
            reraise=True,
        ):
            with attempt:
                async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                    return await request()
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
        raise _failure(channel, exc) from exc
    raise AssertionError("unreachable: tenacity reraises the last failure")


class DiscordPlatform:
    """Posts rendered messages over Discord's REST API, with a nonce as idempotency key."""

    name = "discord"

    def __init__(self, client: discord.Client, *, threads: bool) -> None:
        self._client = client
        self.threads = threads

    def render(self, digest: Digest) -> Sequence[DiscordMessage]:
        return render_discord(digest)

    def render_notice(self, text: str) -> DiscordMessage:
        return DiscordMessage(content=escape_lines(text))

    def _channel(self, channel: str, thread: str | None) -> discord.PartialMessageable:
        return self._client.get_partial_messageable(int(thread or channel))

    async def send(
        self, channel: str, message: DiscordMessage, *, key: str, thread: str | None
    ) -> str:
        target = self._channel(channel, thread)
        posted = await _call(
            channel,
            lambda: target.send(
                content=message.content,
                embeds=[discord.Embed.from_dict(e) for e in message.embeds],
                nonce=key,  # with enforce_nonce: a resend within minutes returns the same message
                allowed_mentions=discord.AllowedMentions.none(),
                **_components(message),
            ),
        )
        return str(posted.id)

    async def edit(
        self, channel: str, message_id: str, message: DiscordMessage, thread: str | None
    ) -> bool:
        target = self._channel(channel, thread).get_partial_message(int(message_id))
        try:
            await _call(
                channel,
                lambda: target.edit(
                    content=message.content or None,
                    embeds=[discord.Embed.from_dict(e) for e in message.embeds],
                    allowed_mentions=discord.AllowedMentions.none(),
                    **_components(message),
                ),
            )
        except DeliveryError as exc:
            if isinstance(exc.__cause__, discord.NotFound):
                return False
            raise
        return True

    async def delete(self, channel: str, message_id: str, thread: str | None) -> None:
        target = self._channel(channel, thread).get_partial_message(int(message_id))
        try:
            await _call(channel, target.delete)
        except DeliveryError as exc:
            if not isinstance(exc.__cause__, discord.NotFound):
                raise

    async def start_thread(self, channel: str, message_id: str, title: str) -> str:
        try:
            data = await _call(
                channel,
                lambda: self._client.http.start_thread_with_message(
                    int(channel),
                    int(message_id),
                    name=title[:100],
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                ),
            )
        except DeliveryError as exc:
            cause = exc.__cause__
            if isinstance(cause, discord.HTTPException) and cause.code == THREAD_EXISTS:
                return message_id  # a thread started from a message has the message's id
            raise
        return str(data["id"])

    async def find_sent(
        self, channel: str, key: str, since: datetime, thread: str | None
    ) -> str | None:
        return None  # the nonce makes a resend return the message Discord already has


def _components(message: DiscordMessage) -> dict[str, discord.ui.View | None]:
    """A draft's buttons (none: removed); other messages leave components alone."""
    return {"view": view_of(message.components)} if isinstance(message, DiscordDraft) else {}


@asynccontextmanager
async def discord_rest(token: str, api_base_url: str) -> AsyncIterator[discord.Client]:
    """A logged-in client for REST calls only: no gateway connection, no intents."""
    discord.http.Route.BASE = api_base_url.rstrip("/")
    client = discord.Client(intents=INTENTS)
    async with client:
        try:
            await client.login(token)
        except discord.LoginFailure as exc:
            raise DeliveryError("Discord refused the bot token (401)", permanent=True) from exc
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"cannot log in to Discord: {exc}", permanent=False) from exc
        yield client


def render_reply(reply: Reply) -> list[DiscordMessage]:
    """What /digest answers with: the short digest, one topic's details, or words."""
    if reply.search is not None:
        return render_search(reply.search)
    if reply.digest is None:
        files = (("predictions.png", reply.chart),) if reply.chart else ()
        return [DiscordMessage(content=escape_lines(reply.text), files=files)]
    if reply.topic is not None:
        topic = reply.digest.topics[reply.topic - 1]
        return [DiscordMessage(embeds=(topic_embed(reply.topic, topic),))]
    return render_headline(reply.digest)


def digest_command(service: DigestCommands, admins: Collection[str]) -> app_commands.Command:
    @app_commands.command(
        name="digest", description="The daily AI digest: today's, another day's, or a topic's"
    )
    @app_commands.describe(
        day="A day as YYYY-MM-DD (default: today)",
        topic="Show one topic's details",
        status="Show the bot's status instead: runs, failures, usage",
        predictions="Show how the predicted dates have moved, with a chart",
        public="Post the answer in the channel for everyone (default: only you see it)",
        force="Admins: make today's digest again",
        search="Search all digests for these words instead",
        page="Which page of search results",
        newest="Search results newest first (default: best first)",
        settings="Show this channel's edition (admins: change it with the options below)",
        topics="Admins: how many topics this channel gets (1-25)",
        language="Admins: the language of this channel's analyses, e.g. German",
        focus="Admins: words or subjects ranked first here, e.g. robotics, vision",
        threads="Admins: topics in a thread under the headline here",
        time="Admins: when this channel gets the digest, HH:MM in the schedule's zone",
        clear="Admins: settings to reset to the file's or the default, e.g. focus, time",
    )
    async def digest(
        interaction: discord.Interaction,
        day: str | None = None,
        topic: app_commands.Range[int, 1, 25] | None = None,
        status: bool = False,
        predictions: bool = False,
        public: bool = False,
        force: bool = False,
        search: str | None = None,
        page: app_commands.Range[int, 1, 1000] = 1,
        newest: bool = False,
        settings: bool = False,
        topics: app_commands.Range[int, 1, 25] | None = None,
        language: str | None = None,
        focus: str | None = None,
        threads: bool | None = None,
        time: str | None = None,
        clear: str | None = None,
    ) -> None:
        # Discord wants an answer within 3 s; making a digest takes longer. The wait is
        # shown to the asker alone, so that a refusal or an error never reaches the
        # channel: the "thinking" message takes the first answer, in private.
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = str(interaction.user.id)
        given = zip(FIELDS, (topics, language, focus, threads, time), strict=True)
        changes = tuple((name, value) for name, value in given if value is not None)
        cleared = tuple(n.strip() for n in (clear or "").split(",") if n.strip())
        want = (
            Want.SETTINGS if settings or changes or cleared
            else Want.SEARCH if search
            else Want.PREDICTIONS if predictions
            else Want.STATUS if status
            else Want.TOPIC if topic is not None
            else Want.DIGEST
        )  # fmt: skip
        request = DigestRequest(
            user, user in admins, want, day, topic, public, force, search or "", page, newest,
            platform="discord", channel=str(interaction.channel_id or ""),
            changes=changes, clear=cleared,
        )  # fmt: skip
        try:
            reply = await service.handle(request)
        except Exception:
            log.exception("/digest failed for %s", request)
            reply = Reply(text="Something went wrong on our side; it has been logged.")
        if reply.public:
            await interaction.followup.send("Posted in the channel.", ephemeral=True)
        for message in render_reply(reply):
            await interaction.followup.send(
                content=message.content or discord.utils.MISSING,
                embeds=[discord.Embed.from_dict(e) for e in message.embeds],
                files=[
                    discord.File(io.BytesIO(data), filename=name) for name, data in message.files
                ],
                ephemeral=not reply.public,
                allowed_mentions=discord.AllowedMentions.none(),
            )

    return digest


def command_tree(
    client: discord.Client, service: DigestCommands, admins: Collection[str]
) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    tree.add_command(digest_command(service, admins))
    return tree


def build_bot(
    service: DigestCommands,
    admins: Collection[str],
    on_reaction: ReactionSink | None = None,
    on_press: Decide | None = None,
) -> discord.Client:
    """A gateway client that answers /digest, passes reactions (votes) on to
    `on_reaction` and presses of a draft's Approve and Skip to `on_press`; it needs no
    privileged intents."""
    client = discord.Client(intents=INTENTS)
    command_tree(client, service, admins)
    if on_reaction is not None:
        attach_reactions(client, on_reaction)
    if on_press is not None:
        attach_approval(client, on_press, admins)
    return client
