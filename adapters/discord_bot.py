"""Discord through discord.py: REST publishing (no gateway needed) and its error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

import aiohttp
import discord

from adapters.discord_render import DiscordMessage, render_discord
from bot.models import Digest
from bot.ports import DeliveryError

THREAD_EXISTS = 160004  # "A thread has already been created for this message"
THREAD_ARCHIVE_MINUTES = 1440


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


class DiscordPlatform:
    """Posts rendered messages over Discord's REST API, with a nonce as idempotency key."""

    name = "discord"

    def __init__(self, client: discord.Client, *, threads: bool) -> None:
        self._client = client
        self.threads = threads

    def render(self, digest: Digest) -> Sequence[DiscordMessage]:
        return render_discord(digest)

    async def send(
        self, channel: str, message: DiscordMessage, *, key: str, thread: str | None
    ) -> str:
        target = self._client.get_partial_messageable(int(thread or channel))
        try:
            posted = await target.send(
                content=message.content,
                embeds=[discord.Embed.from_dict(e) for e in message.embeds],
                nonce=key,  # with enforce_nonce: a resend within minutes returns the same message
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(channel, exc) from exc
        return str(posted.id)

    async def start_thread(self, channel: str, message_id: str, title: str) -> str:
        try:
            data = await self._client.http.start_thread_with_message(
                int(channel),
                int(message_id),
                name=title[:100],
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:
                return message_id  # a thread started from a message has the message's id
            raise _failure(channel, exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(channel, exc) from exc
        return str(data["id"])

    async def find_sent(
        self, channel: str, key: str, since: datetime, thread: str | None
    ) -> str | None:
        return None  # the nonce makes a resend return the message Discord already has


@asynccontextmanager
async def discord_rest(token: str, api_base_url: str) -> AsyncIterator[discord.Client]:
    """A logged-in client for REST calls only: no gateway connection, no intents."""
    discord.http.Route.BASE = api_base_url.rstrip("/")
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        try:
            await client.login(token)
        except discord.LoginFailure as exc:
            raise DeliveryError("Discord refused the bot token (401)", permanent=True) from exc
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"cannot log in to Discord: {exc}", permanent=False) from exc
        yield client
