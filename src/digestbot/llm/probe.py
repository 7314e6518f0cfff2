"""What an OpenAI-compatible endpoint says about itself, and what `config check --probe`
asks it.

Every server lists its models at GET /models; the rest is each server's own: llama.cpp's
GET /props (the context of a slot, the slots), Ollama's POST /api/show (and GET /api/ps
for a loaded model's context), vLLM's `max_model_len` on its listing, LM Studio's GET
/api/v0/models. A server is known by the owner its listing names, else by which of those
endpoints answers. An endpoint that is missing only leaves a fact unknown; only an
endpoint that does not answer at all is an error.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2  # the HTTP client the openai package brings (httpx under its new name)

from digestbot.core.errors import LLMUnavailable

# The owner each server writes on the models it lists, as their sources have it:
# llama.cpp's server "llamacpp", llama-cpp-python's "me", vLLM's ModelCard "vllm",
# LM Studio "organization_owner", Ollama the name's namespace ("library" for its own).
OWNERS = {
    "llamacpp": "llama.cpp",
    "me": "llama.cpp",
    "vllm": "vllm",
    "organization_owner": "lm studio",
    "library": "ollama",
}
SCHEMA_WORDS = ("schema", "response_format")
# An error about the prompt's length is not about the schema, even where it counts the
# schema's tokens in (OpenAI's does): "maximum context length is", llama.cpp's "exceeds
# the available context size", "n_ctx".
CONTEXT = re.compile(r"context (length|size|window)|n_ctx|too long")


def refuses_schema(status: int, body: str) -> bool:
    """Whether an HTTP error answering a strict `json_schema` request is the server
    refusing the schema, not an outage: a 400 or 422 (unless about the prompt's length),
    or a 5xx whose body names the schema or `response_format` (llama-cpp-python answers
    500 with a validation error on `response_format.type`)."""
    text = body.lower()
    if CONTEXT.search(text):
        return False
    if status in (400, 422):
        return True
    return status >= 500 and any(word in text for word in SCHEMA_WORDS)


@dataclass(frozen=True)
class ServerFacts:
    server: str  # "llama.cpp", "ollama", "vllm", "lm studio", "openai" or "unknown"
    models: tuple[str, ...]  # what GET /models lists
    context_tokens: int | None  # the context window of one request, where the server says
    slots: int | None  # requests served at once, where the server says
    listed: bool = False  # whether GET /models answered with a list at all
    context_from: str = ""  # where context_tokens was read, e.g. "/props"

    def serves(self, model: str) -> bool | None:
        """Whether `model` is among the listed models; None when the server lists none."""
        if not self.listed:
            return None
        return any(_same_model(listed, model) for listed in self.models)


async def server_facts(
    base_url: str,
    api_key: str,
    *,
    model: str,
    timeout: float,  # noqa: ASYNC109  (each request's, as httpx2 takes it)
) -> ServerFacts:
    """Ask the endpoint what it is; raises LLMUnavailable when GET /models gets no answer."""
    async with _client(api_key, timeout) as client:
        return await _facts(client, base_url.rstrip("/"), model)


@dataclass(frozen=True)
class Probe:
    """What `config check --probe` found: the facts, the structured output the server
    takes, and one short reply's speed."""

    facts: ServerFacts
    strict_schema: bool | None  # taken; False: refused; None: not asked
    refusal: str  # how a strict schema was refused, e.g. "HTTP 500: ..."
    problem: str  # why no reply came back; "" when one did
    answered_by: str  # the model the reply names
    completion_tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float | None:
        if self.problem or not self.completion_tokens or self.seconds <= 0:
            return None
        return self.completion_tokens / self.seconds


async def probe(
    base_url: str,
    api_key: str,
    *,
    model: str,
    timeout: float,  # noqa: ASYNC109  (each request's, as httpx2 takes it)
    structured_output: str = "auto",
) -> Probe:
    """The facts, then one short structured reply: in a strict schema (unless
    `structured_output` is "json_object"), in JSON mode when that is refused. Raises
    LLMUnavailable when GET /models gets no answer."""
    base = base_url.rstrip("/")
    strict, refusal, reply = None, "", None
    async with _client(api_key, timeout) as client:
        facts = await _facts(client, base, model)
        if structured_output != "json_object":
            reply = await _ask(client, base, model, STRICT_FORMAT)
            if reply.problem and reply.status and refuses_schema(reply.status, reply.body):
                strict, refusal, reply = False, reply.problem, None
            elif not reply.problem:
                strict = True
        reply = reply or await _ask(client, base, model, {"type": "json_object"})
    return Probe(
        facts=facts,
        strict_schema=strict,
        refusal=refusal,
        problem=reply.problem,
        answered_by=reply.model,
        completion_tokens=reply.tokens,
        seconds=reply.seconds,
    )


# The probe's question: short, and its answer a few dozen tokens, enough to time.
PROMPT = (
    'Name eight things found in a kitchen. Reply with one JSON object: {"words": ["...", "..."]}'
)
WORDS = {
    "type": "object",
    "properties": {"words": {"type": "array", "items": {"type": "string"}}},
    "required": ["words"],
    "additionalProperties": False,
}
STRICT_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "words", "strict": True, "schema": WORDS},
}
MAX_TOKENS = 48


def _client(api_key: str, timeout: float) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        timeout=timeout, headers={"Authorization": f"Bearer {api_key}"}, follow_redirects=True
    )


async def _facts(client: httpx2.AsyncClient, base: str, model: str) -> ServerFacts:
    try:
        response = await client.get(f"{base}/models")
    except httpx2.TimeoutException as exc:
        raise LLMUnavailable(
            f"the LLM endpoint {base} did not answer within {client.timeout.read:g} s"
        ) from exc
    except httpx2.HTTPError as exc:
        raise LLMUnavailable(f"cannot reach the LLM endpoint {base}: {_why(exc)}") from exc
    listing = _listing(response)
    entries = listing or []
    entry = _entry(entries, model)
    server = _kind(base, entries)
    found = Found(server)
    for ask in ASKS[server]:  # at the server's own address, without the OpenAI-style /v1
        if (answer := await ask(client, base.removesuffix("/v1"), model)) is not None:
            found = answer
            break
    context, context_from = found.context, found.context_from
    if context is None and (context := _count(entry.get("max_model_len"))):
        context_from = "max_model_len in /models"  # vLLM's, and newer Ollama's
    slots = found.slots
    if slots is None and any(e.get("owned_by") == "me" for e in entries):
        slots = 1  # llama-cpp-python's server takes one request at a time, and says nowhere
    return ServerFacts(
        server=found.server,
        models=tuple(str(e["id"]) for e in entries),
        context_tokens=context,
        slots=slots,
        listed=listing is not None,
        context_from=context_from,
    )


@dataclass(frozen=True)
class Found:
    """What a server's own endpoint said."""

    server: str
    context: int | None = None
    slots: int | None = None
    context_from: str = ""


async def _props(client: httpx2.AsyncClient, root: str, model: str) -> Found | None:
    """llama.cpp's server: `default_generation_settings.n_ctx` (a slot's context) and
    `total_slots`."""
    props = await _json(client, "GET", f"{root}/props")
    settings = props.get("default_generation_settings") if isinstance(props, dict) else None
    if not isinstance(settings, dict):
        return None
    context, slots = _count(settings.get("n_ctx")), _count(props.get("total_slots"))
    return Found("llama.cpp", context, slots, "/props")


async def _lm_studio(client: httpx2.AsyncClient, root: str, model: str) -> Found | None:
    """LM Studio's own listing: `loaded_context_length` of a loaded model, else the
    model's `max_context_length`."""
    listing = await _json(client, "GET", f"{root}/api/v0/models")
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return None
    entry = _entry([e for e in entries if "id" in e], model)
    for key in ("loaded_context_length", "max_context_length"):
        if context := _count(entry.get(key)):
            return Found("lm studio", context, context_from=f"{key} in /api/v0/models")
    return Found("lm studio")


async def _ollama(client: httpx2.AsyncClient, root: str, model: str) -> Found | None:
    """Ollama: the `num_ctx` the model is set to serve with (/api/show `parameters`), else
    a loaded model's `context_length` (/api/ps), else the model's own length
    (`<arch>.context_length` in /api/show `model_info`, which Ollama's default may cut)."""
    shown = await _json(client, "POST", f"{root}/api/show", {"model": model})
    if not isinstance(shown, dict):
        return None
    if m := re.search(r"^\s*num_ctx\s+(\d+)", str(shown.get("parameters") or ""), re.M):
        return Found("ollama", int(m[1]), context_from="num_ctx in /api/show")
    running = await _json(client, "GET", f"{root}/api/ps")
    loaded = running.get("models") if isinstance(running, dict) else None
    for entry in loaded if isinstance(loaded, list) else []:
        context = _count(entry.get("context_length")) if isinstance(entry, dict) else None
        if context and _same_model(entry.get("name"), model):
            return Found("ollama", context, context_from="/api/ps")
    info = shown.get("model_info")
    if isinstance(info, dict):
        key = f"{info.get('general.architecture')}.context_length"
        if context := _count(info.get(key)):
            return Found("ollama", context, context_from=f"{key} in /api/show")
    return Found("ollama")


async def _ollama_if_it_is(client: httpx2.AsyncClient, root: str, model: str) -> Found | None:
    """Ollama, when /api/version says it is there (/api/show alone would not say, as it
    answers 404 for a model it lacks)."""
    version = await _json(client, "GET", f"{root}/api/version")
    if not (isinstance(version, dict) and "version" in version):
        return None
    return await _ollama(client, root, model) or Found("ollama")


Ask = Callable[[httpx2.AsyncClient, str, str], Awaitable[Found | None]]
ASKS: dict[str, tuple[Ask, ...]] = {
    "llama.cpp": (_props,),
    "ollama": (_ollama,),
    "lm studio": (_lm_studio,),
    "vllm": (),
    "openai": (),
    "unknown": (_props, _lm_studio, _ollama_if_it_is),
}


def _kind(base: str, entries: list[dict[str, Any]]) -> str:
    if urlsplit(base).hostname == "api.openai.com":
        return "openai"
    owners = {e.get("owned_by") for e in entries}
    return next((server for owner, server in OWNERS.items() if owner in owners), "unknown")


async def _json(client: httpx2.AsyncClient, method: str, url: str, body: Any = None) -> Any | None:
    """The JSON an endpoint answers with, or None: missing, failing, slow or not JSON."""
    try:
        response = await client.request(method, url, json=body)
        return response.json() if response.status_code == 200 else None
    except (httpx2.HTTPError, ValueError):
        return None


def _listing(response: httpx2.Response) -> list[dict[str, Any]] | None:
    """The models of an OpenAI-style listing, each with an id; None if it is not one."""
    try:
        data = response.json().get("data") if response.status_code == 200 else None
    except (ValueError, AttributeError):
        return None
    if not isinstance(data, list):
        return None
    return [e for e in data if isinstance(e, dict) and isinstance(e.get("id"), str)]


def _entry(entries: list[dict[str, Any]], model: str) -> dict[str, Any]:
    """The listed model that is `model`, or nothing."""
    return next((e for e in entries if _same_model(e.get("id"), model)), {})


def _same_model(listed: object, model: str) -> bool:
    """Ollama lists "llama3.1:latest" for "llama3.1"."""
    return listed in (model, f"{model}:latest")


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _why(error: httpx2.HTTPError) -> str:
    """The root of a network error: "connection refused" says more than "All connection
    attempts failed"."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno:
            return os.strerror(cause.errno).lower()
        cause = cause.__cause__ or cause.__context__
    return str(error) or type(error).__name__


@dataclass(frozen=True)
class _Reply:
    status: int  # 0: no HTTP answer
    body: str
    problem: str  # "" when a chat completion came back
    model: str = ""
    tokens: int = 0
    seconds: float = 0.0


async def _ask(
    client: httpx2.AsyncClient, base: str, model: str, response_format: dict[str, Any]
) -> _Reply:
    request = {
        "model": model,
        "messages": [{"role": "user", "content": PROMPT}],
        "response_format": response_format,
        "max_tokens": MAX_TOKENS,
        "temperature": 0,
    }
    started = time.monotonic()
    try:
        response = await client.post(f"{base}/chat/completions", json=request)
    except httpx2.TimeoutException:
        return _Reply(0, "", f"no reply within {client.timeout.read:g} s (timeout_seconds)")
    except httpx2.HTTPError as exc:
        return _Reply(0, "", f"cannot reach {base}/chat/completions: {_why(exc)}")
    seconds = time.monotonic() - started
    if response.status_code != 200:
        why = f"HTTP {response.status_code}: {_message(response.text)}"
        return _Reply(response.status_code, response.text, why)
    try:
        reply = response.json()
        reply["choices"][0]["message"]  # a reply without a message is no reply
    except (ValueError, TypeError, KeyError, IndexError):
        return _Reply(200, response.text, "the reply is not a chat completion")
    usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
    tokens = _count(usage.get("completion_tokens")) or 0
    return _Reply(200, "", "", str(reply.get("model") or ""), tokens, seconds)


def _message(body: str) -> str:
    """An error body's message, on one line: OpenAI's {"error": {"message"}}, Ollama's
    {"error": "..."}, FastAPI's {"detail"}, or the text itself."""
    try:
        data = json.loads(body)
    except ValueError:
        data = body
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data))
        data = error.get("message", error) if isinstance(error, dict) else error
    return " ".join(str(data).split())[:200] or "(no message)"
