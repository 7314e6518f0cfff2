"""A fake Slack Socket Mode on the Web API fake's port, for slack_sdk's real client.

`apps.connections.open` wants the app-level token (`xapp-...`) as a Bearer token, as
Slack does: it answers {"ok": true, "url": "ws://127.0.0.1:PORT/socket?ticket=N"},
"invalid_auth" for a refused or unknown token, "not_allowed_token_type" for a bot token
and "not_authed" for none. The websocket greets with {"type": "hello", ...}, delivers
envelopes, records the acks ({"envelope_id": ...} back from the client, with how long
they took), and answers pings (aiohttp does, as Slack does).

The test thread drives it: `refuse_token` (invalid_auth from then on), `refuse` the next
upgrades with an HTTP status, `hang` them, `disconnect` (the "disconnect" message Slack
sends before it closes a socket, then the close a little later), `drop` the socket (a
close code, or the TCP connection cut), `slash_command` (a `slash_commands` envelope
whose response_url points at FakeSlack, which records what is posted there), and
`wait_connected` / `wait_acked` with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.fakes.server import json_response, wait_on

if TYPE_CHECKING:
    from tests.fakes.slack import FakeSlack

APP_ID = "A0FAKEAPP01"
TEAM_ID = "T1"


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None  # what the app answered in the ack, if anything
    seconds: float  # from sending the envelope to its ack


@dataclass
class Socket:
    number: int
    ws: web.WebSocketResponse
    request: web.Request
    ticket: str
    closed_by_server: bool = False


class SlackSocketMode:
    """The Socket Mode half of FakeSlack; see the module's docstring."""

    def __init__(self, server: FakeSlack, *, app_token: str = "xapp-slack-token") -> None:
        self._server = server
        self.app_token = app_token
        self.refused_tokens: set[str] = set()
        self.opens: list[dict[str, Any]] = []  # apps.connections.open: token and answer
        self.attempts = 0  # websocket upgrade requests, refused ones included
        self.connections = 0  # sockets greeted with hello
        self.acks: dict[str, Ack] = {}
        self.envelopes: dict[str, dict[str, Any]] = {}
        self.unknown_messages: list[str] = []  # frames that were not acks
        self._sent_at: dict[str, float] = {}
        self._refusals: list[int] = []
        self._hang = False
        self._unhang: asyncio.Event | None = None
        self._sockets: list[Socket] = []
        self._tickets = itertools.count(1)
        self._envelope_ids = itertools.count(1)
        self._numbers = itertools.count(1)
        self._changed = threading.Condition()
        self._closing: set[asyncio.Task[None]] = set()

    # -- wiring ---------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/apps.connections.open", self._open)
        app.router.add_get("/socket", self._socket)
        app.on_shutdown.append(self._shutdown)

    # -- controls (from the test's thread) ------------------------------------------------

    def refuse_token(self, token: str | None = None) -> None:
        """Answer invalid_auth to this app token (default: the valid one) from now on."""
        self.refused_tokens.add(token or self.app_token)

    def refuse(self, count: int = 1, status: int = 503) -> None:
        """Answer the next `count` websocket upgrades with HTTP `status`."""
        with self._changed:
            self._refusals += [status] * count

    def hang(self, on: bool = True) -> None:
        """While on, websocket upgrades get no answer at all."""
        self._hang = on
        if not on:
            self._call(self._release_hung)

    def disconnect(self, reason: str = "refresh_requested", close_after: float = 2.0) -> None:
        """Send Slack's "disconnect" message, then close the socket `close_after` seconds
        later if the client has not moved to a new one by then."""
        self._call(self._disconnect, reason, close_after)

    def drop(self, code: int | None = 1001) -> None:
        """Close the live socket with `code`, or (None) cut its TCP connection."""
        self._call(self._drop, code)

    def slash_command(
        self,
        text: str = "",
        *,
        user: str = "U1",
        channel: str = "C0000000111",
        command: str = "/digest",
        timeout: float = 20,
    ) -> str:
        """Deliver a slash_commands envelope on the live socket; returns its envelope id,
        also the last part of its response_url (see FakeSlack.responses)."""
        self.wait(lambda: self.live is not None, timeout, "a Socket Mode connection")
        envelope_id = f"envelope-{next(self._envelope_ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": "news",
                "user_id": user,
                "user_name": "asker",
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": f"{self._server.url}/response/{envelope_id}",
                "trigger_id": f"{envelope_id}.1.abcdef",
            },
        }
        self.send(envelope)
        return envelope_id

    def send(self, message: dict[str, Any]) -> None:
        """Send any message on the live socket (an envelope is kept, to match its ack)."""
        self._call(self._send_live, message)

    def wait_connected(self, count: int = 1, timeout: float = 20) -> None:
        """Wait until `count` sockets in all were opened and greeted with hello."""
        self.wait(lambda: self.connections >= count, timeout, f"{count} Socket Mode connections")

    def wait_acked(self, envelope_id: str, timeout: float = 20) -> Ack:
        self.wait(lambda: envelope_id in self.acks, timeout, f"the ack of {envelope_id}")
        return self.acks[envelope_id]

    def wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        wait_on(self._changed, condition, timeout, what)

    @property
    def live(self) -> Socket | None:
        """The newest open socket, if any."""
        return next(
            (s for s in reversed(self._sockets) if not s.ws.closed and not s.closed_by_server),
            None,
        )

    # -- apps.connections.open ------------------------------------------------------------

    async def _open(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        if not token:
            answer = {"ok": False, "error": "not_authed"}
        elif token.startswith("xoxb-") or token.startswith("xoxp-"):
            answer = {"ok": False, "error": "not_allowed_token_type"}
        elif token != self.app_token or token in self.refused_tokens:
            answer = {"ok": False, "error": "invalid_auth"}
        else:
            ticket = f"ticket-{next(self._tickets)}"
            answer = {
                "ok": True,
                "url": f"ws://127.0.0.1:{self._server.port}/socket?ticket={ticket}&app_id={APP_ID}",
            }
        with self._changed:
            self.opens.append({"token": token, **answer})
            self._changed.notify_all()
        return json_response(answer)

    # -- the websocket --------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        with self._changed:
            self.attempts += 1
            refusal = self._refusals.pop(0) if self._refusals else None
            self._changed.notify_all()
        if self._hang:
            if self._unhang is None:
                self._unhang = asyncio.Event()
            await self._unhang.wait()
            return web.Response(status=503)
        if refusal is not None:
            return web.Response(status=refusal, text="upstream connect error")
        ticket = request.query.get("ticket", "")
        if not ticket.startswith("ticket-"):
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        socket = Socket(next(self._numbers), ws, request, ticket)
        self._sockets.append(socket)
        await self._send(
            socket,
            {
                "type": "hello",
                "num_connections": sum(1 for s in self._sockets if not s.ws.closed),
                "debug_info": {
                    "host": "applink-fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": APP_ID},
            },
        )
        with self._changed:
            self.connections += 1
            self._changed.notify_all()
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._received(msg.data)
        except ConnectionError:
            pass  # the connection was cut
        return ws

    def _received(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        with self._changed:
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            if envelope_id in self._sent_at:
                self.acks[envelope_id] = Ack(
                    envelope_id,
                    message.get("payload"),
                    time.monotonic() - self._sent_at[envelope_id],
                )
            else:
                self.unknown_messages.append(text)
            self._changed.notify_all()

    async def _send(self, socket: Socket, message: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await socket.ws.send_str(json.dumps(message))

    async def _send_live(self, message: dict[str, Any]) -> None:
        socket = self.live
        if socket is None:
            raise AssertionError("no Socket Mode connection to send on")
        if "envelope_id" in message:
            with self._changed:
                self.envelopes[message["envelope_id"]] = message
                self._sent_at[message["envelope_id"]] = time.monotonic()
        await self._send(socket, message)

    async def _disconnect(self, reason: str, close_after: float) -> None:
        socket = self.live
        if socket is None:
            raise AssertionError("no Socket Mode connection to disconnect")
        await self._send(
            socket, {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        )

        async def close_later() -> None:
            await asyncio.sleep(close_after)
            socket.closed_by_server = True
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.ws.close(code=1001)

        task = asyncio.get_running_loop().create_task(close_later())
        self._closing.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._closing.discard)

    async def _drop(self, code: int | None) -> None:
        socket = self.live
        if socket is None:
            raise AssertionError("no Socket Mode connection to drop")
        socket.closed_by_server = True
        if code is None:
            if socket.request.transport is not None:
                socket.request.transport.abort()
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            await socket.ws.close(code=code)

    async def _release_hung(self) -> None:
        if self._unhang is not None:
            self._unhang.set()
            self._unhang = None

    async def _shutdown(self, app: web.Application) -> None:
        await self._release_hung()
        for socket in self._sockets:
            if not socket.ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await socket.ws.close(code=1001)

    def _call(self, function: Callable[..., Any], *args: Any) -> None:
        asyncio.run_coroutine_threadsafe(function(*args), self._server._loop).result(10)
