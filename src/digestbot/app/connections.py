"""The bot's live connections, each kept up on its own: the Discord Gateway, Slack's
Socket Mode (or its HTTP endpoint).

A connection that fails (a refused token, an unreachable host, a gateway that drops us
or crashes) is tried again with backoff, forever, while the other platform and the
schedule go on; each distinct problem is reported once a day to the admins. discord.py
reconnects a running session by itself but gives up on a first connection that fails
(and then stays dead), so each try here starts from a new client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

import aiohttp
import discord
import yarl
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from tenacity import AsyncRetrying, RetryCallState, wait_exponential, wait_random

from digestbot.app.wiring import Wiring
from digestbot.chat.discord.client import DiscordPlatform, build_bot
from digestbot.chat.slack.app import SlackPlatform, build_app, slack_client, slack_error
from digestbot.core.approval import Decide
from digestbot.core.feedback import Reaction
from digestbot.core.ports import DigestCommands

ReactionSink = Callable[[Reaction], Awaitable[object]]

log = logging.getLogger("digestbot")

RECONNECT_WAIT = wait_exponential(multiplier=1, max=120) + wait_random(0, 1)
CLOSE_SECONDS = 5.0  # the most a client's close may take at shutdown
CONNECT_SECONDS = 60.0  # the most one try at connecting may take
Report = Callable[[str], Awaitable[None]]


class Disconnected(Exception):
    """A connection ended or could not be made; the message says why, for a person."""


async def keep_connected(name: str, connect: Callable[[], Awaitable[None]], report: Report) -> None:
    """Run `connect` (which returns or raises when its connection is over) again and
    again with backoff, reporting each problem. Ends only when cancelled."""

    async def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        problem = str(exc) if isinstance(exc, Disconnected) else _describe(exc)
        wait = state.next_action.sleep if state.next_action else 0
        log.info("%s: %s; trying again in %.0f s", name, problem, wait)
        await report(f"{name}: {problem}; trying again in the background")

    async for attempt in AsyncRetrying(wait=RECONNECT_WAIT, before_sleep=before_sleep):
        with attempt:
            await connect()
            raise Disconnected("the connection ended")


def _describe(exc: BaseException | None) -> str:
    return f"{type(exc).__name__}: {exc}"[:300] if exc else "stopped"


async def close_quietly(close: Callable[[], Awaitable[None]]) -> None:
    """Close a client within CLOSE_SECONDS; a close that fails or hangs is given up."""
    with suppress(Exception):
        async with asyncio.timeout(CLOSE_SECONDS):
            await close()


def discord_connection(
    wiring: Wiring,
    service: DigestCommands,
    token: str,
    on_reaction: ReactionSink | None = None,
    on_press: Decide | None = None,
) -> Callable[[], Awaitable[None]]:
    """One try at the Gateway: log in, share the session with deliveries, stay connected.
    Reactions go to `on_reaction`, presses of a draft's buttons to `on_press`."""
    s = wiring.settings.discord
    discord.http.Route.BASE = s.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(s.gateway_url)

    async def connect() -> None:
        client = build_bot(service, set(s.admins), on_reaction, on_press)
        platform = None
        try:
            try:
                async with asyncio.timeout(CONNECT_SECONDS):
                    await client.login(token)
            except discord.LoginFailure as exc:
                raise Disconnected(
                    "Discord refused the bot token (401): check DISCORD_TOKEN"
                ) from exc
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
                raise Disconnected(f"cannot log in to Discord ({_describe(exc)})") from exc
            platform = DiscordPlatform(client, threads=s.threads)
            wiring.share("discord", platform)
            log.info("Discord: logged in, connecting to the Gateway")
            try:
                await client.connect(reconnect=True)
            except discord.PrivilegedIntentsRequired as exc:
                raise Disconnected("Discord requires an intent the app lacks") from exc
            except discord.ConnectionClosed as exc:
                raise Disconnected(
                    f"the Discord Gateway closed the connection ({exc.code})"
                ) from exc
            except Exception as exc:
                # discord.py crashes (AttributeError) on a failed first connection, while
                # handling the real failure: name that one.
                real = exc.__context__ if isinstance(exc, AttributeError) else exc
                raise Disconnected(
                    f"cannot connect to the Discord Gateway ({_describe(real or exc)})"
                ) from exc
        finally:
            try:
                if platform is not None:
                    await wiring.unshare("discord", platform)  # closed below, once unused
            finally:
                await close_quietly(client.close)

    return connect


def slack_connection(
    wiring: Wiring, service: DigestCommands, bot_token: str, app_token: str | None,
    signing_secret: str | None, on_reaction: ReactionSink | None = None,
    on_press: Decide | None = None,
) -> Callable[[], Awaitable[None]]:  # fmt: skip
    """One try at Slack: Socket Mode (the SDK then reconnects by itself) or the HTTP
    endpoint; the Web API client is shared with deliveries."""
    s = wiring.settings.slack
    client = slack_client(bot_token, s.api_base_url)
    wiring.share("slack", SlackPlatform(client, threads=s.threads))
    admins = set(s.admins)

    async def socket_mode() -> None:
        bolt = build_app(service, client, admins, on_reaction=on_reaction, on_press=on_press)
        handler = AsyncSocketModeHandler(bolt, app_token)
        try:
            try:
                async with asyncio.timeout(CONNECT_SECONDS):
                    # Asked here first: slack_sdk would retry a refused token forever.
                    opened = await handler.client.web_client.apps_connections_open(
                        app_token=app_token
                    )
                    handler.client.wss_uri = opened["url"]
                    await handler.connect_async()
            except SlackApiError as exc:
                error = slack_error(exc)
                raise Disconnected(
                    f"Slack refused the app-level token ({error}): check SLACK_APP_TOKEN"
                    if error in ("invalid_auth", "not_authed", "not_allowed_token_type")
                    else f"cannot open a Socket Mode connection ({error})"
                ) from exc
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                raise Disconnected(f"cannot reach Slack ({_describe(exc)})") from exc
            log.info("Slack: connected in Socket Mode")
            await asyncio.Event().wait()  # the SDK keeps the session up from here on
        finally:
            await close_quietly(handler.close_async)

    async def http_endpoint() -> None:
        bolt = build_app(service, client, admins, signing_secret, on_reaction, on_press)
        runner = web.AppRunner(bolt.web_app(path=s.http_path, port=s.http_port))
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, s.http_host, s.http_port).start()
            except OSError as exc:
                raise Disconnected(
                    f"cannot listen on {s.http_host}:{s.http_port} ({exc.strerror})"
                ) from exc
            log.info("Slack: listening on http://%s:%d%s", s.http_host, s.http_port, s.http_path)
            await asyncio.Event().wait()
        finally:
            await close_quietly(runner.cleanup)

    return socket_mode if s.mode == "socket" else http_endpoint
