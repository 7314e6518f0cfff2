"""What an OpenAI-compatible endpoint says about itself.

Every server lists its models at GET /models; the rest is each server's own: llama.cpp's
GET /props (the context of a slot, the slots), Ollama's POST /api/show (and GET /api/ps
for a loaded model's context), vLLM's `max_model_len` on its listing, LM Studio's GET
/api/v0/models. A server is known by the owner its listing names, else by which of those
endpoints answers. An endpoint that is missing only leaves a fact unknown; only an
endpoint that does not answer at all is an error.
"""

from __future__ import annotations

import os
import re
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
    async with http_client(api_key, timeout) as client:
        return await read_facts(client, base_url.rstrip("/"), model)


def http_client(api_key: str, timeout: float) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        timeout=timeout, headers={"Authorization": f"Bearer {api_key}"}, follow_redirects=True
    )


async def read_facts(client: httpx2.AsyncClient, base: str, model: str) -> ServerFacts:
    try:
        response = await client.get(f"{base}/models")
    except httpx2.TimeoutException as exc:
        raise LLMUnavailable(
            f"the LLM endpoint {base} did not answer within {client.timeout.read:g} s"
        ) from exc
    except httpx2.HTTPError as exc:
        raise LLMUnavailable(f"cannot reach the LLM endpoint {base}: {why_failed(exc)}") from exc
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
    if context is None and (context := as_count(entry.get("max_model_len"))):
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
    context, slots = as_count(settings.get("n_ctx")), as_count(props.get("total_slots"))
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
        if context := as_count(entry.get(key)):
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
        context = as_count(entry.get("context_length")) if isinstance(entry, dict) else None
        if context and _same_model(entry.get("name"), model):
            return Found("ollama", context, context_from="/api/ps")
    info = shown.get("model_info")
    if isinstance(info, dict):
        key = f"{info.get('general.architecture')}.context_length"
        if context := as_count(info.get(key)):
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


def as_count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def why_failed(error: httpx2.HTTPError) -> str:
    """The root of a network error: "connection refused" says more than "All connection
    attempts failed"."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno:
            return os.strerror(cause.errno).lower()
        cause = cause.__cause__ or cause.__context__
    return str(error) or type(error).__name__
