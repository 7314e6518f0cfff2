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
from collections import deque
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


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._released: asyncio.Event | None = None  # made in the server's loop
        self._faults: dict[str, deque[Fault]] = {}
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

    def seen(self, path_prefix: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

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
        self.release()
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._server_thread.join(10)
        self._loop.close()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    """JSON with Content-Type exactly application/json (some clients reject a charset)."""
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
