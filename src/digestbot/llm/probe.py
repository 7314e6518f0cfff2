"""What `config check --probe` asks an OpenAI-compatible endpoint: the facts it says of
itself (llm/server_facts.py), whether it takes a strict JSON schema, and how fast it
answers; and how a refused schema is told from an outage, for the LLM client too."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx2  # the HTTP client the openai package brings (httpx under its new name)

from digestbot.llm.server_facts import (
    ServerFacts,
    as_count,
    http_client,
    read_facts,
    why_failed,
)

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
    async with http_client(api_key, timeout) as client:
        facts = await read_facts(client, base, model)
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
        return _Reply(0, "", f"cannot reach {base}/chat/completions: {why_failed(exc)}")
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
    tokens = as_count(usage.get("completion_tokens")) or 0
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
