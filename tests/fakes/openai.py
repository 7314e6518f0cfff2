"""A fake OpenAI-compatible chat completions endpoint that answers our prompts in kind,
and behaves, when asked, like the model servers people run at home.

It reads what a real model would: the requested response format, the topic title and
the listed events in the prompt. Every argument is an attribute too, read per request.

- Work: `latency` + `service_time` seconds a request (spread over a stream's chunks).
  `slots` None computes everything at once; N computes N at a time and queues the rest,
  first come first served. A client that leaves stops its stream at once; otherwise
  `on_disconnect` says: "finish" (llama-cpp-python: work under way goes on to its end,
  queued work is dropped unstarted), "finish_all" (older llama.cpp: queued work is done
  too), "cancel" (llama-server today: stopped at once). Counters: `in_flight`, `max_in_flight` (at work),
  `queued`, `max_queued`, `served` (answered in full), `abandoned` (its client left
  first), of those `cancelled` (stopped mid-work) and `skipped` (dropped from the queue),
  `busy_seconds`, `wasted_seconds` (slot time spent for clients that had left),
  `tokens_computed` (prompt and completion tokens of all work done, heard or not).
- Schemas: `strict_schemas` False refuses json_schema with a 400; `schema_refusal` (500,
  400) with that status and the real server's body naming response_format. A schema that
  constrains the output (json_schema; json_object with `schema` as llama.cpp takes it;
  Ollama's `format`; vLLM's `guided_json`) gets an answer fitted to it and never an echo.
  JSON mode without one echoes the schema: `echo_schema` N the next N times (counting
  down), a float below 1 that share of replies; `echo_style` "stuffed" (the answer inside
  {"type": "object", "properties": ...}, as Qwen2.5 0.5B does) or "verbatim" (the
  prompt's last JSON object).
- Tokens are characters // 4. `context_tokens` (n_ctx): a prompt of n_ctx or more gets
  the server's error (a llama-cpp-python stream ends empty and the connection's next
  request is reset; Ollama cuts the prompt unasked); a reply stops with finish_reason
  "length" at the room left or at max_tokens.
- `stream: true`: SSE chunks, and a usage chunk for stream_options.include_usage (except
  on llama-cpp-python, which never sends one).
- `model`: what GET /v1/models lists. Replies name `served_model` if set, else llama-server
  its own `model`, the others the model asked for. `api_key` None takes any key.
- `flavour`: "openai"; "llama.cpp" (llama-server: GET /props, /health, /slots); "ollama"
  (GET /api/tags, POST /api/show); "llama-cpp-python" (../shared/tools/local-llm; see
  `llama_cpp_python()`): only /v1/models, which waits for a slot, and a stream's headers
  come before its slot, with a ping every `ping_seconds`; with `drops_busy_streams` (as
  the real one did with schema-constrained streams, seen by hand) a stream that arrives
  while the slot is busy ends after its first chunk, with no finish_reason (`dropped`).
- Answers (tests/fakes/llm_answers.py): an analysis quotes a real sentence of its source;
  `quotes` "invented" makes them up, "invented_once" makes them up and copies them on the
  repair try.
- `script(text, *kinds)`: the next replies to prompts holding `text` go "good",
  "malformed", "refusal", "blank", "truncated" (cut, "length"), "echo", "invented"
  (quotes made up), "unquoted" (no quotes) or "yearless" (the first prediction names no
  year).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any

from aiohttp import web

from tests.fakes import llm_server as ls
from tests.fakes.llm_answers import QUOTE_MODES, answer_to, conform, constraint, echo, text_of
from tests.fakes.server import FakeServer, json_response


class FakeOpenAI(ls.LocalServing, FakeServer):
    def __init__(
        self,
        latency: float = 0.0,
        strict_schemas: bool = True,
        *,
        slots: int | None = None,
        service_time: float = 0.0,
        on_disconnect: str = "finish",
        schema_refusal: int | None = None,
        echo_schema: float = 0,
        echo_style: str = "stuffed",
        context_tokens: int | None = None,
        model: str = "test-model",
        served_model: str | None = None,
        flavour: str = "openai",
        api_key: str | None = "test-key",
        ping_seconds: float = 15.0,
        drops_busy_streams: bool = False,
        quotes: str = "source",
    ) -> None:
        assert flavour in ls.FLAVOURS and on_disconnect in ("finish", "finish_all", "cancel")
        assert quotes in QUOTE_MODES
        self.quotes = quotes
        self.latency, self.service_time, self.slots = latency, service_time, slots
        self.on_disconnect, self.ping_seconds = on_disconnect, ping_seconds
        self.drops_busy_streams = drops_busy_streams
        self.strict_schemas, self.schema_refusal = strict_schemas, schema_refusal
        self.echo_schema, self.echo_style = echo_schema, echo_style
        self.context_tokens, self.model, self.served_model = context_tokens, model, served_model
        self.flavour, self.api_key = flavour, api_key
        self._scripts: dict[str, deque[str]] = {}
        self._count_lock = threading.Lock()
        self._json_replies = 0
        self._init_serving()
        super().__init__()

    @classmethod
    def llama_cpp_python(cls, **overrides: Any) -> FakeOpenAI:
        """What ../shared/tools/local-llm runs: one slot, 500 on a strict schema, 4096
        tokens of context, any key."""
        return cls(**{"flavour": "llama-cpp-python", "slots": 1, "schema_refusal": 500,
                      "context_tokens": 4096, "api_key": None, "drops_busy_streams": True,
                      **overrides})  # fmt: skip

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._complete)
        app.router.add_get("/v1/models", self._models)
        for path in ("/props", "/health", "/slots", "/api/tags"):
            app.router.add_get(path, self._info)
        app.router.add_post("/api/show", self._info)

    def script(self, prompt_text: str, *kinds: str) -> None:
        with self._count_lock:
            self._scripts.setdefault(prompt_text, deque()).extend(kinds)

    def _scripted(self, prompt: str) -> str:
        with self._count_lock:
            for text, kinds in self._scripts.items():
                if text in prompt and kinds:
                    return kinds.popleft()
        return "good"

    @property
    def completions(self) -> list[Any]:
        return [r.json() for r in self.seen("/v1/chat/completions")]

    def _denied(self, request: web.Request) -> web.Response | None:
        if self.api_key is None or request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        error = {"message": "Incorrect API key", "type": "invalid_request_error"}
        return json_response({"error": error | {"code": "invalid_api_key"}}, status=401)

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        if self._closed(request):
            return web.Response(status=499)
        if denied := self._denied(request):
            return denied
        payload = await request.json()
        if (payload.get("response_format") or {}).get("type") == "json_schema":
            if self.schema_refusal:
                return ls.schema_refused(self.schema_refusal)
            if not self.strict_schemas:
                message = "response_format json_schema is not supported"
                error = {"message": message, "type": "invalid_request_error"}
                return json_response({"error": error}, status=400)
        prompt = "\n".join(text_of(m.get("content")) for m in payload["messages"])
        return await self._serve(request, payload, self._reply(payload, prompt))

    def _reply(self, payload: dict[str, Any], prompt: str) -> ls.Reply:
        kind = self._scripted(prompt)
        schema = constraint(payload)
        repair = "not usable" in prompt  # our repair request
        answer = answer_to(prompt, quotes=self.quotes, repair=repair, kind=kind)
        if schema is not None:
            answer = conform(answer, schema)
        content: str | None = json.dumps(answer, ensure_ascii=False)
        finish, refusal = "stop", None
        json_mode = (payload.get("response_format") or {}).get("type") == "json_object"
        free = schema is None and (json_mode or payload.get("format") == "json")
        if schema is None and (kind == "echo" or (kind == "good" and free and self._echo_due())):
            content = echo(answer, prompt, self.echo_style)
        elif kind == "malformed":
            content = '{"benefits": "unfinished'
        elif kind == "blank":
            content = json.dumps({"benefits": " ", "ramifications": ""})
        elif kind == "refusal":
            content, refusal = None, "I can't help with that."
        elif kind == "truncated":
            content, finish = content[: len(content) // 2], "length"
        prompt_tokens, n_ctx = len(prompt) // 4, self.context_tokens
        if n_ctx and self.flavour == "ollama":  # Ollama cuts the prompt to fit, unasked
            prompt_tokens = min(prompt_tokens, n_ctx // 2)
        completion_tokens = max(1, len(content or refusal or "") // 4)
        limits = [payload.get("max_completion_tokens") or payload.get("max_tokens") or 0]
        limits.append(max(1, n_ctx - prompt_tokens) if n_ctx else 0)
        limit = min((n for n in limits if n > 0), default=0)
        if content is not None and limit and completion_tokens > limit:
            content, completion_tokens, finish = content[: limit * 4], limit, "length"
        asked = payload.get("model") or self.model
        model = self.served_model or (self.model if self.flavour == "llama.cpp" else asked)
        return ls.Reply(content, refusal, finish, prompt_tokens, completion_tokens, model)

    def _echo_due(self) -> bool:
        self._json_replies += 1
        share, n = self.echo_schema, self._json_replies
        if isinstance(share, float) and 0 < share < 1:
            return int(n * share) > int((n - 1) * share)
        if share >= 1:
            self.echo_schema = share - 1
            return True
        return False

    async def _models(self, request: web.Request) -> web.Response:
        if denied := self._denied(request):
            return denied
        entry: dict[str, Any] = {"id": self.model, "object": "model", "created": 1700000000}
        if self.flavour == "llama.cpp":
            info = ls.llama_server_info("/v1/models", self.model, self.context_tokens, 1, 0)
            return json_response(info)
        if self.flavour == "llama-cpp-python":  # it waits for the slot like a completion

            async def left() -> bool:
                return ls.gone(request)

            if await self._slots.acquire(self.slots, left, True):
                self._slots.release(self.slots)
            entry = {"id": self.model, "object": "model", "owned_by": "me", "permissions": []}
        else:
            entry["owned_by"] = "library" if self.flavour == "ollama" else "organization-owner"
        return json_response({"object": "list", "data": [entry]})

    async def _info(self, request: web.Request) -> web.Response:
        """llama.cpp's /props, /health and /slots; Ollama's /api/tags and /api/show."""
        path, n_ctx = request.path, self.context_tokens
        if self.flavour == "llama.cpp" and not path.startswith("/api/"):
            info = ls.llama_server_info(path, self.model, n_ctx, self.slots, self.in_flight)
            return json_response(info)
        if self.flavour == "ollama" and path.startswith("/api/"):
            asked = json.loads(await request.text() or "{}").get("model", "")
            return ls.ollama_info(path, self.model, n_ctx, asked)
        return ls.not_found(self.flavour)
