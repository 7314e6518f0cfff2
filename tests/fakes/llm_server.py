"""How a local model server serves, for tests/fakes/openai.py: its slots and queue, work
that goes on or stops when a client leaves, streaming, and the bodies of its other
endpoints and errors, copied from the real servers (tests/fixtures/llm: llama-cpp-python
0.3.36's server and llama.cpp's llama-server, both captured with Qwen2.5 0.5B).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from socket import SO_LINGER, SOL_SOCKET
from typing import Any

from aiohttp import web

from tests.fakes.server import json_response

POLL = 0.01  # seconds between looks at a waiting client's connection
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "llm"
SHAPES = {
    name: json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    for name in ("llama_cpp_python", "llama_server")
}
FLAVOURS = ("openai", "llama.cpp", "llama-cpp-python", "ollama")


@dataclass
class Reply:
    content: str | None
    refusal: str | None
    finish: str
    prompt_tokens: int
    completion_tokens: int
    model: str


class Slots:
    """A server's slots: at most `limit` at work (None: any number), the rest wait in turn."""

    def __init__(self) -> None:
        self.busy = self.max_queued = 0
        self.waiting: deque[asyncio.Future[None]] = deque()

    async def acquire(
        self, limit: int | None, gone: Callable[[], Awaitable[bool]], drop: bool
    ) -> bool:
        """Take a slot; False when the client left while waiting and `drop` lets it go."""
        if limit is None or (self.busy < limit and not self.waiting):
            self.busy += 1
            return True
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        self.max_queued = max(self.max_queued, len(self.waiting))
        try:
            while not turn.done():
                await asyncio.wait({turn}, timeout=POLL)
                if not turn.done() and await gone() and drop:
                    self.waiting.remove(turn)
                    return False
        except asyncio.CancelledError:  # the server shuts down: no slot kept or lost
            if turn.done():
                self.release(limit)
            else:
                self.waiting.remove(turn)
            raise
        return True

    def release(self, limit: int | None) -> None:
        self.busy -= 1
        while self.waiting and (limit is None or self.busy < limit):
            self.busy += 1
            self.waiting.popleft().set_result(None)


class LocalServing:
    """The serving half of FakeOpenAI: its attributes are documented there."""

    slots: int | None
    latency: float
    service_time: float
    on_disconnect: str
    flavour: str
    context_tokens: int | None
    ping_seconds: float
    drops_busy_streams: bool

    def _init_serving(self) -> None:
        self._slots = Slots()
        self._broken: set[Any] = set()  # connections closed at their next request
        self.in_flight = self.max_in_flight = 0
        self.served = self.abandoned = self.cancelled = self.skipped = self.tokens_computed = 0
        self.dropped = 0
        self.busy_seconds = self.wasted_seconds = 0.0

    @property
    def queued(self) -> int:
        return len(self._slots.waiting)

    @property
    def max_queued(self) -> int:
        return self._slots.max_queued

    def _closed(self, request: web.Request) -> bool:
        """Whether this request came on a broken connection (and is dropped unanswered)."""
        if (transport := request.transport) in self._broken:
            self._broken.discard(transport)
            linger = struct.pack("ii", 1, 0)  # a reset, as the real one answers
            transport.get_extra_info("socket").setsockopt(SOL_SOCKET, SO_LINGER, linger)
            transport.abort()
            return True
        return False

    async def _serve(self, request: web.Request, payload: dict[str, Any], reply: Reply):
        stream = bool(payload.get("stream"))
        early = stream and self.flavour == "llama-cpp-python"  # its headers come at once
        response = await open_stream(request, self.flavour) if early else None
        pinged = time.monotonic()

        async def left() -> bool:  # while queued; a llama-cpp-python stream gets pings
            nonlocal pinged
            if response is not None and time.monotonic() - pinged >= self.ping_seconds:
                pinged = time.monotonic()
                with contextlib.suppress(ConnectionError):
                    await response.write(f": ping - {datetime.now(UTC)}\n\n".encode())
            return gone(request)

        if early and self.drops_busy_streams and self.slots and self._slots.busy >= self.slots:
            self.dropped += 1  # ended after its first chunk, unfinished
            chunk = _Chunks(f"chatcmpl-{uuid.uuid4()}", reply.model, True)
            with contextlib.suppress(ConnectionError):
                await response.write(chunk(delta={"role": "assistant"}))
                await response.write_eof()
            return response
        drop = stream or self.on_disconnect != "finish_all"
        if not await self._slots.acquire(self.slots, left, drop):
            self.abandoned, self.skipped = self.abandoned + 1, self.skipped + 1
            return response or web.Response(status=499)
        try:
            if drop and gone(request):  # looked at once more when its turn comes
                self.abandoned, self.skipped = self.abandoned + 1, self.skipped + 1
                return response or web.Response(status=499)
            n_ctx = self.context_tokens
            if n_ctx and reply.prompt_tokens >= n_ctx and self.flavour != "ollama":
                if response is not None:  # llama-cpp-python: the stream just ends, and
                    await response.write_eof()  # the connection's next request gets
                    self._broken.add(request.transport)  # no answer: a ReadError
                    return response
                max_tokens = payload.get("max_completion_tokens") or payload.get("max_tokens")
                return context_exceeded(self.flavour, reply.prompt_tokens, max_tokens, n_ctx)
            if stream:
                usage = bool((payload.get("stream_options") or {}).get("include_usage"))
                return await self._stream(request, response, reply, usage)
            return await self._whole(request, reply)
        finally:
            self._slots.release(self.slots)

    @contextlib.contextmanager
    def _computing(self) -> Iterator[float]:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield time.monotonic()
        finally:
            self.in_flight -= 1

    def _account(self, started: float, tokens: int, heard: bool, finished: bool) -> None:
        spent = time.monotonic() - started
        self.busy_seconds += spent
        self.tokens_computed += tokens
        if heard:
            self.served += 1
            return
        self.abandoned += 1
        self.wasted_seconds += spent
        self.cancelled += not finished

    async def _whole(self, request: web.Request, reply: Reply) -> web.Response:
        with self._computing() as started:
            stoppable = self.on_disconnect == "cancel"
            finished = await work(request, self.latency + self.service_time, stoppable)
        heard = finished and not gone(request)
        tokens = reply.prompt_tokens + reply.completion_tokens * finished
        self._account(started, tokens, heard, finished)
        if not heard:
            return web.Response(status=499)  # nobody is there to read it
        message = {"role": "assistant", "content": reply.content, "refusal": reply.refusal}
        choice = {"index": 0, "message": message, "finish_reason": reply.finish, "logprobs": None}
        body = {"id": f"chatcmpl-{uuid.uuid4()}", "object": "chat.completion"}
        body |= {"created": int(time.time()), "model": reply.model, "choices": [choice]}
        return json_response(body | {"usage": usage_of(reply)})

    async def _stream(self, request, response, reply: Reply, with_usage: bool):
        """Content in chunks of about a token, the work spread over them; a client that
        leaves stops it at once."""
        response = response or await open_stream(request, self.flavour)
        old = self.flavour == "llama-cpp-python"  # no usage chunk, JSON with spaces
        field = "content" if reply.content is not None else "refusal"
        text = reply.content if reply.content is not None else reply.refusal or ""
        parts = [text[i : i + 4] for i in range(0, len(text), 4)] or [""]
        step = (self.latency + self.service_time) / len(parts)
        role: dict[str, Any] = {"role": "assistant"}
        if not old:  # llama-server sends content null, OpenAI ""
            role["content"] = None if self.flavour == "llama.cpp" else ""
        chunk = _Chunks(f"chatcmpl-{uuid.uuid4()}", reply.model, old)
        sent, finished = 0, False
        with self._computing() as started, contextlib.suppress(ConnectionError):
            await response.write(chunk(delta=role))
            for part in parts:
                if not await work(request, step, stoppable=True):
                    break
                await response.write(chunk(delta={field: part}))
                sent += 1
            else:
                await response.write(chunk(delta={}, finish=reply.finish))
                if with_usage and not old:
                    await response.write(chunk(usage=usage_of(reply)))
                await response.write(b"data: [DONE]\n\n")
                await response.write_eof()
                finished = True
        tokens = reply.prompt_tokens + min(reply.completion_tokens, sent)
        self._account(started, tokens, finished, finished)
        return response


class _Chunks:
    """SSE events of one chat.completion.chunk stream."""

    def __init__(self, ident: str, model: str, spaced: bool) -> None:
        self.ident, self.model, self.spaced = ident, model, spaced

    def __call__(self, delta=None, finish: str | None = None, usage=None) -> bytes:
        body: dict[str, Any] = {"id": self.ident, "object": "chat.completion.chunk"}
        body |= {"created": int(time.time()), "model": self.model, "choices": []}
        if delta is not None:
            body["choices"] = [{"index": 0, "delta": delta, "logprobs": None}]
            body["choices"][0]["finish_reason"] = finish
        if usage is not None:  # the usage chunk has no choices
            body["usage"] = usage
        text = json.dumps(body) if self.spaced else json.dumps(body, separators=(",", ":"))
        return f"data: {text}\n\n".encode()


def gone(request: web.Request) -> bool:
    """Whether the client has closed its connection."""
    transport = request.transport
    return transport is None or transport.is_closing()


async def work(request: web.Request, seconds: float, stoppable: bool) -> bool:
    """Compute for `seconds`; False if stopped because the client went away."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if stoppable and gone(request):
            return False
        await asyncio.sleep(min(left, POLL))
    return True


async def open_stream(request: web.Request, flavour: str) -> web.StreamResponse:
    kind = "text/event-stream" + ("; charset=utf-8" if flavour == "llama-cpp-python" else "")
    response = web.StreamResponse(headers={"Content-Type": kind, "Cache-Control": "no-cache"})
    await response.prepare(request)
    return response


def usage_of(reply: Reply) -> dict[str, int]:
    total = reply.prompt_tokens + reply.completion_tokens
    return {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
            "total_tokens": total}  # fmt: skip


def not_found(flavour: str) -> web.Response:
    if flavour in ("llama-cpp-python", "llama.cpp"):
        name = flavour.replace("-", "_").replace("llama.cpp", "llama_server")
        return json_response(SHAPES[name]["not_found_404"], status=404)
    return web.Response(status=404, text="404 page not found")


def schema_refused(status: int) -> web.Response:
    """A strict json_schema refused: llama-cpp-python's real 500 (a pydantic literal_error
    naming response_format), or for a 4xx llama.cpp's words for a type it does not take."""
    if status >= 500:
        return json_response(SHAPES["llama_cpp_python"]["schema_refused_500"], status=status)
    message = 'response_format type must be one of "text" or "json_object", but got: json_schema'
    error = {"code": status, "message": message, "type": "invalid_request_error"}
    return json_response({"error": error}, status=status)


def context_exceeded(flavour: str, prompt: int, max_tokens: int | None, n_ctx: int):
    """A prompt that does not fit the context, as each server words it."""
    if flavour == "llama.cpp":
        message = (
            f"request ({prompt} tokens) exceeds the available context size ({n_ctx} tokens), "
            "try increasing it"
        )
        error = {"code": 400, "message": message, "type": "exceed_context_size_error"}
        return json_response({"error": error | {"n_prompt_tokens": prompt, "n_ctx": n_ctx}}, 400)
    message = (
        f"This model's maximum context length is {n_ctx} tokens. However, you requested "
        f"{prompt + (max_tokens or 0)} tokens ({prompt} in the messages, {max_tokens} in the "
        "completion). Please reduce the length of the messages or completion."
    )
    error = {"message": message, "type": "invalid_request_error", "param": "messages"}
    return json_response({"error": error | {"code": "context_length_exceeded"}}, status=400)


def llama_server_info(path: str, model: str, n_ctx: int | None, slots: int | None, busy: int):
    """llama-server's /props, /health, /slots and /v1/models; unlimited slots show as its
    default 4, no context as the model's trained one (what llama-server starts with)."""
    shape = json.loads(json.dumps(SHAPES["llama_server"]))
    n_ctx = n_ctx or shape["models"]["data"][0]["meta"]["n_ctx_train"]
    total = slots or 4
    if path == "/health":
        return shape["health"]
    if path == "/slots":
        states = [shape["slot_busy"]] * busy + shape["slots_idle"] * total
        return [{**state, "id": i, "n_ctx": n_ctx} for i, state in enumerate(states[:total])]
    if path == "/v1/models":
        models = shape["models"]
        models["models"][0] |= {"name": model, "model": model}
        models["data"][0] |= {"id": model, "aliases": [model], "created": int(time.time())}
        models["data"][0]["meta"]["n_ctx"] = n_ctx
        return models
    props = shape["props"]
    props["default_generation_settings"]["n_ctx"] = n_ctx
    return props | {"total_slots": total, "model_alias": model, "model_path": f"/m/{model}.gguf"}


def ollama_info(path: str, model: str, n_ctx: int | None, asked: str) -> web.Response:
    """Ollama's GET /api/tags and POST /api/show (the context it runs with in `parameters`)."""
    details = {"format": "gguf", "family": "qwen2", "parameter_size": "494.03M"}
    if path == "/api/tags":
        entry = {"name": model, "model": model, "size": 397821319, "details": details}
        return json_response({"models": [entry | {"modified_at": "2026-11-01T00:00:00Z"}]})
    if asked.removesuffix(":latest") != model.removesuffix(":latest"):
        return json_response({"error": f"model '{asked}' not found"}, status=404)
    return json_response({
        "modelfile": f"FROM {model}\n", "parameters": f"num_ctx {n_ctx}" if n_ctx else "",
        "details": details, "capabilities": ["completion"],
        "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768}})  # fmt: skip
