"""A fake Discord Gateway (v10) on the REST fake's port, for discord.py's real client.

It speaks the gateway's JSON over a websocket at `ws://127.0.0.1:PORT/gateway`: HELLO
(op 10) with a heartbeat interval; IDENTIFY (op 2), checked like Discord checks it (a
wrong token closes with 4004 "Authentication failed.", privileged intents with 4014,
a second IDENTIFY with 4005, anything but a heartbeat before it with 4003); READY with
session_id, resume_gateway_url, user, application {id, flags} and guilds []; heartbeats
(op 1) answered by op 11; RESUME (op 6) replaying the events the client missed, then
RESUMED, or INVALID_SESSION (op 9, d false) for a session it does not know. Frames
are zlib-stream compressed when the client asks for it in the URL, as discord.py does.

The test thread drives it: `refuse` the next connection attempts (an HTTP status on
the upgrade, or a close at once), `hang` them (no answer, or no HELLO), `drop` the live
socket (a close code, or the TCP connection cut), send `reconnect` (op 7) or
`invalidate` (op 9), `dispatch` any event, or `interaction` (an INTERACTION_CREATE for
/digest); it counts `attempts`, `identifies`, `resumes` and `heartbeats`, and
`wait_ready` waits for the n-th READY or RESUMED with a deadline. REST: GET
/api/v10/gateway and /gateway/bot answer its URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.fakes.server import json_response, wait_on

if TYPE_CHECKING:
    from tests.fakes.discord import FakeDiscord

# Opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0,
    1,
    2,
    6,
    7,
    9,
    10,
    11,
)
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
GUILD_ID = "3000"
COMMAND_ID = "7000"
ZLIB_SUFFIX = b"\x00\x00\xff\xff"

# Option types of an application command (STRING 3, INTEGER 4, BOOLEAN 5).
_OPTION_TYPES = {bool: 5, int: 4, str: 3}


@dataclass
class Session:
    id: str
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # dispatches, for RESUME
    valid: bool = True


@dataclass
class Connection:
    number: int  # 1 for the first connection attempt that was accepted, and so on
    ws: web.WebSocketResponse
    request: web.Request
    compress: bool
    session: Session | None = None
    ready: bool = False
    closed_by_server: int | None = None
    compressor: Any = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class DiscordGateway:
    """The gateway half of FakeDiscord; see the module's docstring."""

    def __init__(
        self,
        server: FakeDiscord,
        *,
        token: str = "discord-token",
        heartbeat_interval: float = 41.25,  # seconds; Discord's usual 41250 ms
        allowed_intents: int = 0,  # the privileged intents enabled "in the portal"
    ) -> None:
        self._server = server
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        self.allowed_intents = allowed_intents
        self.attempts = 0  # websocket upgrade requests, refused ones included
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.readies = 0  # READY and RESUMED sent: a connection that works
        self.closes: list[tuple[int, int | None, str]] = []  # (connection, code, by whom)
        self.queries: list[dict[str, str]] = []
        self._refusals: list[tuple[int | None, int]] = []  # (HTTP status, or close code)
        self._hang = False
        self._silent = False
        self._sessions: dict[str, Session] = {}
        self._connections: list[Connection] = []
        self._numbers = itertools.count(1)
        self._ids = itertools.count(900_000_000_000_000_000)
        self._changed = threading.Condition()
        self._unhang: asyncio.Event | None = None  # made in the server's loop

    # -- wiring ---------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v10/gateway", self._gateway_info)
        app.router.add_get("/api/v10/gateway/bot", self._gateway_bot)
        app.router.add_get("/gateway", self._socket)
        app.on_shutdown.append(self._shutdown)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.port}/gateway"

    # -- controls (from the test's thread) ------------------------------------------------

    def refuse(self, count: int = 1, *, status: int | None = 503, close: int = 1001) -> None:
        """Refuse the next `count` connection attempts: answer the upgrade with HTTP
        `status`, or (status None) accept it and close at once with code `close`."""
        with self._changed:
            self._refusals += [(status, close)] * count

    def hang(self, on: bool = True, *, at: str = "upgrade") -> None:
        """While on, a gateway that hangs: connection attempts get no answer at all
        (at "upgrade"), or are let in and never said HELLO to (at "hello")."""
        assert at in ("upgrade", "hello"), at
        self._hang = on and at == "upgrade"
        self._silent = on and at == "hello"
        if not on:
            self._call(self._release_hung)

    def drop(self, code: int | None = 1001) -> None:
        """Close the live socket with `code`, or (None) cut its TCP connection."""
        self._call(self._drop, code)

    def reconnect(self) -> None:
        """Send RECONNECT (op 7), as Discord does before it moves a session."""
        self._call(self._send_op, RECONNECT, None)

    def invalidate(self, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9); not resumable: the session is gone."""
        self._call(self._invalidate, resumable)

    def dispatch(self, event: str, data: dict[str, Any], timeout: float = 20) -> None:
        """Send a DISPATCH to the ready connection (waits for one up to `timeout`)."""
        self.wait(lambda: self.connected, timeout, f"a READY gateway connection to send {event}")
        self._call(self._dispatch, event, data)

    def interaction(
        self,
        options: dict[str, Any] | None = None,
        *,
        user: str = "42",
        channel: str = "111111111111111111",
        timeout: float = 20,
    ) -> str:
        """Dispatch an INTERACTION_CREATE for `/digest` with these options; returns the
        interaction's token, under which FakeDiscord records the answers."""
        number = next(self._ids)
        token = f"interaction-token-{number}"
        self.dispatch(
            "INTERACTION_CREATE",
            interaction_payload(str(number), token, options or {}, user, channel),
            timeout,
        )
        return token

    def wait_ready(self, count: int = 1, timeout: float = 20) -> None:
        """Wait until `count` connections in all were READY or RESUMED."""
        self.wait(lambda: self.readies >= count, timeout, f"{count} gateway READY/RESUMED")

    def wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        wait_on(self._changed, condition, timeout, what)

    @property
    def connected(self) -> bool:
        """A connection is open and READY (or RESUMED) now."""
        return any(c.ready and not c.ws.closed for c in self._connections)

    # -- REST -----------------------------------------------------------------------------

    async def _gateway_info(self, request: web.Request) -> web.Response:
        return json_response({"url": self.url})

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return json_response({"code": 0, "message": "401: Unauthorized"}, status=401)
        return json_response(
            {
                "url": self.url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - len(self.identifies),
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    # -- the websocket --------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        with self._changed:
            self.attempts += 1
            self.queries.append(dict(request.query))
            refusal = self._refusals.pop(0) if self._refusals else None
            self._changed.notify_all()
        if self._hang:
            await self._hung()
            return web.Response(status=503, text="upstream connect error")
        if refusal and refusal[0] is not None:
            return web.Response(status=refusal[0], text="upstream connect error")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(
            next(self._numbers), ws, request, request.query.get("compress") == "zlib-stream"
        )
        if conn.compress:
            conn.compressor = zlib.compressobj()
        self._connections.append(conn)
        try:
            if refusal:
                await self._close(conn, refusal[1], "")
                return ws
            if request.query.get("v") != "10":
                await self._close(conn, 4012, "Invalid API version")
                return ws
            if not self._silent:
                await self._send(
                    conn,
                    {"op": HELLO, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}},
                )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._received(conn, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    await self._close(conn, 4002, "Error while decoding payload.")
        except ConnectionError:
            pass  # the connection was cut
        finally:
            conn.ready = False
            with self._changed:
                if conn.closed_by_server is None:
                    self.closes.append((conn.number, ws.close_code, "client"))
                self._changed.notify_all()
        return ws

    async def _received(self, conn: Connection, text: str) -> None:
        try:
            payload = json.loads(text)
            op, data = payload["op"], payload.get("d")
        except (ValueError, KeyError, TypeError):
            await self._close(conn, 4002, "Error while decoding payload.")
            return
        if op == HEARTBEAT:
            with self._changed:
                self.heartbeats += 1
            await self._send(conn, {"op": HEARTBEAT_ACK, "d": None})
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await self._close(conn, 4003, "Not authenticated.")
        # presence and voice updates and the like are accepted and ignored

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        with self._changed:
            self.identifies.append(data)
            self._changed.notify_all()
        if conn.session is not None:
            await self._close(conn, 4005, "Already authenticated.")
            return
        if data.get("token") != self.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await self._close(conn, 4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            await self._close(conn, 4014, "Disallowed intent(s).")
            return
        session = Session(f"session-{len(self._sessions) + 1}")
        self._sessions[session.id] = session
        conn.session = session
        from tests.fakes.discord import APPLICATION_ID, BOT_USER

        ready = {
            "v": 10,
            "user": {**BOT_USER, "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "application": {"id": APPLICATION_ID, "flags": 0},
            "user_settings": {},
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "_trace": ['["gateway-prd-fake",{"micros":1}]'],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._event(conn, session, "READY", ready, log=False)
        self._became_ready(conn)

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        with self._changed:
            self.resumes.append(data)
            self._changed.notify_all()
        if data.get("token") != self.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        session = self._sessions.get(data.get("session_id") or "")
        if session is None or not session.valid:
            await self._send(conn, {"op": INVALID_SESSION, "d": False})
            return
        for old in self._connections:  # a session lives on one connection at a time
            if old is not conn and old.session is session and not old.ws.closed:
                await self._close(old, 4000, "Session resumed elsewhere")
        conn.session = session
        missed = [e for e in session.events if e["s"] > (data.get("seq") or 0)]
        for event in missed:
            await self._send(conn, event)
        await self._event(conn, session, "RESUMED", {"_trace": ['["gateway-prd-fake"]']}, log=False)
        self._became_ready(conn)

    def _became_ready(self, conn: Connection) -> None:
        conn.ready = True
        with self._changed:
            self.readies += 1
            self._changed.notify_all()

    # -- sending --------------------------------------------------------------------------

    def _live(self) -> Connection | None:
        return next((c for c in reversed(self._connections) if c.ready and not c.ws.closed), None)

    async def _event(
        self, conn: Connection | None, session: Session, name: str, data: Any, *, log: bool = True
    ) -> None:
        session.seq += 1
        event = {"op": DISPATCH, "t": name, "s": session.seq, "d": data}
        if log:
            session.events.append(event)
        if conn is not None:
            await self._send(conn, event)

    async def _send(self, conn: Connection, payload: dict[str, Any]) -> None:
        payload = {"t": None, "s": None, **payload}
        text = json.dumps(payload)
        async with conn.lock:
            if conn.ws.closed:
                return
            with contextlib.suppress(ConnectionError, RuntimeError):
                if conn.compress:
                    data = conn.compressor.compress(text.encode())
                    data += conn.compressor.flush(zlib.Z_SYNC_FLUSH)
                    await conn.ws.send_bytes(data)
                else:
                    await conn.ws.send_str(text)

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        conn.closed_by_server = code
        conn.ready = False
        with self._changed:
            self.closes.append((conn.number, code, "server"))
            self._changed.notify_all()
        with contextlib.suppress(ConnectionError, RuntimeError):
            await conn.ws.close(code=code, message=reason.encode())

    async def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        conn = self._live()
        if conn is None or conn.session is None:
            raise AssertionError(f"no gateway connection is ready to receive {event}")
        await self._event(conn, conn.session, event, data)

    async def _send_op(self, op: int, data: Any) -> None:
        conn = self._live()
        if conn is None:
            raise AssertionError(f"no gateway connection is ready to receive op {op}")
        await self._send(conn, {"op": op, "d": data})

    async def _drop(self, code: int | None) -> None:
        conn = self._live()
        if conn is None:
            raise AssertionError("no gateway connection to drop")
        if code is not None:
            await self._close(conn, code, "")
            return
        conn.closed_by_server = 0
        conn.ready = False
        with self._changed:
            self.closes.append((conn.number, None, "server"))
        if conn.request.transport is not None:
            conn.request.transport.abort()  # no close frame: the connection is cut

    async def _invalidate(self, resumable: bool) -> None:
        conn = self._live()
        if conn is None:
            raise AssertionError("no gateway connection to invalidate")
        if not resumable and conn.session is not None:
            conn.session.valid = False
        await self._send(conn, {"op": INVALID_SESSION, "d": resumable})

    async def _hung(self) -> None:
        if self._unhang is None:
            self._unhang = asyncio.Event()
        await self._unhang.wait()

    async def _release_hung(self) -> None:
        if self._unhang is not None:
            self._unhang.set()
            self._unhang = None

    async def _shutdown(self, app: web.Application) -> None:
        await self._release_hung()
        for conn in self._connections:
            if not conn.ws.closed:
                await self._close(conn, 1001, "Server shutdown")

    def _call(self, function: Callable[..., Any], *args: Any) -> None:
        future = asyncio.run_coroutine_threadsafe(function(*args), self._server._loop)
        future.result(10)


def guild_member(user: dict[str, Any]) -> dict[str, Any]:
    """A guild member as events carry it: `user` (id, username, global_name) and the rest."""
    return {
        "user": {"discriminator": "0", "global_name": None, "avatar": None, **user},
        "roles": [],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "nick": None,
        "avatar": None,
        "communication_disabled_until": None,
        "flags": 0,
    }


def interaction_payload(
    interaction_id: str, token: str, options: dict[str, Any], user: str, channel: str
) -> dict[str, Any]:
    """An INTERACTION_CREATE's data for `/digest` used in a guild text channel."""
    from tests.fakes.discord import APPLICATION_ID

    return {
        "id": interaction_id,
        "application_id": APPLICATION_ID,
        "type": 2,  # APPLICATION_COMMAND
        "token": token,
        "version": 1,
        "guild_id": GUILD_ID,
        "guild": {"id": GUILD_ID, "locale": "en-US", "features": []},
        "guild_locale": "en-US",
        "channel_id": channel,
        "channel": {
            "id": channel,
            "type": 0,
            "guild_id": GUILD_ID,
            "name": "news",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
            "permissions": "2248473465835073",
        },
        "member": {
            **guild_member({"id": user, "username": "asker", "global_name": "Asker"}),
            "permissions": "2248473465835073",
        },
        "app_permissions": "2248473465835073",
        "attachment_size_limit": 10_485_760,
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
        "data": {
            "id": COMMAND_ID,
            "name": "digest",
            "type": 1,  # CHAT_INPUT
            "options": [
                {"name": name, "type": _OPTION_TYPES[type(value)], "value": value}
                for name, value in options.items()
            ],
        },
    }
