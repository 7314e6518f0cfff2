"""A small HTTP server on 127.0.0.1 in a thread of its own, for fakes of outside APIs.

Its own thread and loop let it serve both async clients in a test's loop and sync
clients (praw) or a CLI run that starts its own loop. Faults are scripted per path
prefix and consumed in order: one fault, one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Fault:
    status: int = 500
    body: str | bytes = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (longer than a client's timeout = a timeout)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ChannelLimiter:
    """Lets each channel post `limit` messages per `window` seconds (limit 0: no limit)."""

    def __init__(self, limit: int = 0, window: float = 1.0) -> None:
        self._limit, self._window = limit, window
        self._posted: dict[str, list[float]] = defaultdict(list)
        self.rejected = 0

    def wait(self, channel: str) -> float:
        """Seconds until `channel` may post again; 0 means go (and counts the post)."""
        if not self._limit:
            return 0.0
        now = time.monotonic()
        recent = [t for t in self._posted[channel] if now - t < self._window]
        self._posted[channel] = recent
        if len(recent) >= self._limit:
            self.rejected += 1
            return self._window - (now - recent[0])
        recent.append(now)
        return 0.0


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._released: asyncio.Event | None = None  # made in the server's loop
        self.delay = 0.0  # seconds before every answer, to make runs overlap
        self._hold_index = -1
        self._hold_seconds = 0.0
        self._stored = 0
        self._faults: dict[str, deque[Fault]] = {}
        self._hangs: dict[str, int] = {}
        self._stopping = asyncio.Event()  # set when the server stops: hanging requests end
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server_thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.app = web.Application(middlewares=[self._middleware])
        self.routes(self.app)
        self.port = 0

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, path_prefix: str, *faults: Fault) -> None:
        with self._lock:
            self._faults.setdefault(path_prefix, deque()).extend(faults)

    def hang(self, path_prefix: str, times: int = 1) -> None:
        """The next `times` requests under `path_prefix` get no answer (until the server
        stops): a source that hangs."""
        with self._lock:
            self._hangs[path_prefix] = self._hangs.get(path_prefix, 0) + times

    def seen(self, path_prefix: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    def hold(self, index: int, seconds: float) -> None:
        """Answer the message with this index (0: the first stored) only after `seconds`,
        to open the window between a post and its record; -1 lets a held answer go."""
        self._hold_index, self._hold_seconds = index, seconds
        if index < 0:
            self.release()

    def _stored_one(self) -> bool:
        """Count a stored message; True if its answer is to be held (call under a lock)."""
        held = self._stored == self._hold_index
        self._stored += 1
        return held

    async def pause(self, seconds: float) -> None:
        """Wait up to `seconds` before answering, unless release() is called first."""
        self._released = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), seconds)

    def release(self) -> None:
        """Let paused answers go (callable from any thread)."""
        if self._released is not None:
            self._loop.call_soon_threadsafe(self._released.set)

    @web.middleware
    async def _middleware(self, request: web.Request, handler):
        body = await request.read()
        seen = Seen(request.method, request.path, dict(request.query), dict(request.headers), body)
        with self._lock:
            self.requests.append(seen)
            fault = next(
                (
                    q.popleft()
                    for prefix, q in self._faults.items()
                    if q and request.path.startswith(prefix)
                ),
                None,
            )
            hung = next(
                (p for p, n in self._hangs.items() if n and request.path.startswith(p)), None
            )
            if hung:
                self._hangs[hung] -= 1
        if hung:
            await self._stopping.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if fault is None:
            return await handler(request)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return web.Response(status=fault.status, body=fault.body, headers=fault.headers)

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def __enter__(self) -> FakeServer:
        self._server_thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self.release()
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._server_thread.join(10)
        self._loop.close()


def wait_on(
    changed: threading.Condition, condition: Callable[[], bool], timeout: float, what: str
) -> None:
    """Wait, with `changed` held, until `condition()` holds (a fake's state, changed under
    that condition by its server thread); AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    with changed:
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
            changed.wait(min(left, 0.1))


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    """JSON with Content-Type exactly application/json (some clients reject a charset)."""
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
