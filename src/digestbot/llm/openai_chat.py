"""Any OpenAI-compatible chat endpoint, through the openai client: the only module that imports it.

Structured output finds its way down a ladder: a strict JSON schema first; a server that
refuses it (400, 422, or a 5xx naming the schema, as llama.cpp's servers answer) is
asked in JSON mode with the schema where llama.cpp constrains on it
(`response_format.schema`); one that refuses that too gets plain JSON mode. A refusal
moves down at once, without retries, and is remembered (`remember`), so the next run
starts on the right step.

Every request streams: a slow server that keeps producing tokens is never "down" (the
timeout is the longest wait for the next bytes), and a request given up (a timeout, a
shutdown) closes its connection, which stops the server's work on it. Retries are ours
(tenacity), so that every request made is counted, with its tokens.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx2
import openai
from openai import AsyncOpenAI
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from digestbot.core.errors import LLMBusy, LLMError, LLMOutputError, LLMUnavailable
from digestbot.core.ports import Completion
from digestbot.llm.probe import refuses_schema
from digestbot.llm.server_facts import why_failed

log = logging.getLogger("digestbot")

STRICT, CONSTRAINED, PLAIN = "json_schema", "json_object_schema", "json_object"
LADDER = (STRICT, CONSTRAINED, PLAIN)
RETRY_WAIT = wait_exponential(multiplier=1, max=20) + wait_random(0, 1)


class _SchemaRefused(Exception):
    """The server will not take this kind of response_format (after `requests`)."""

    requests = 1


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """Strict mode wants every object closed and every property required."""
    if schema.get("type") == "object":
        schema = {**schema, "additionalProperties": False}
        schema["required"] = list(schema.get("properties", {}))
    for key in ("properties", "$defs"):
        if key in schema:
            schema[key] = {name: _strict(sub) for name, sub in schema[key].items()}
    if "items" in schema:
        schema["items"] = _strict(schema["items"])
    return schema


def answer_shape(schema: dict[str, Any]) -> str:
    """A short picture of the wanted object, e.g. {"benefits": "...", "n": 0}: enough for a
    model in JSON mode, and unlike a whole JSON Schema, nothing it would echo back."""

    def shape(node: dict[str, Any]) -> Any:
        if "$ref" in node:
            node = schema.get("$defs", {}).get(node["$ref"].rsplit("/", 1)[-1], {})
        kind = node.get("type")
        if kind == "object":
            return {name: shape(sub) for name, sub in node.get("properties", {}).items()}
        if kind == "array":
            return [shape(node.get("items", {}))]
        return {"integer": 0, "number": 0, "boolean": False}.get(str(kind), "...")

    return json.dumps(shape(schema), ensure_ascii=False)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)  # timeouts included


class OpenAIChat:
    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        *,
        structured_output: str = "auto",
        start_at: str = STRICT,
        server: str = "unknown",
        remember: Callable[[str], None] = lambda level: None,
        temperature: float = 0.7,
        max_output_tokens: int = 700,
        max_retries: int = 3,
    ) -> None:
        self.model = model
        self._client = client
        self._fixed = structured_output != "auto"
        self.level = {"json_schema": STRICT, "json_object": PLAIN}.get(structured_output, start_at)
        self._remember = remember
        self._temperature = temperature
        self._max_tokens = max_output_tokens
        self._attempts = max_retries + 1
        # Where a server constrains JSON mode to a schema, besides llama.cpp's
        # response_format.schema: Ollama's `format`, vLLM's guided decoding.
        self._schema_field = {"ollama": "format", "vllm": "guided_json"}.get(server)

    async def complete_json(
        self, messages: Sequence[dict[str, str]], schema_name: str, schema: dict[str, Any]
    ) -> Completion:
        refused = 0  # requests a refusal cost: counted with the answer
        while True:
            level = self.level
            try:
                done = await self._ask(list(messages), level, schema_name, schema)
                return dataclasses.replace(done, requests=done.requests + refused)
            except LLMError as exc:
                exc.requests += refused
                raise
            except _SchemaRefused as exc:
                refused += exc.requests
                if self._fixed or level == PLAIN:
                    raise LLMUnavailable(
                        f"the endpoint refused the response format: {exc}"
                    ) from exc
                if self.level == level:  # another call may have stepped down already
                    self.level = LADDER[LADDER.index(level) + 1]
                    log.info("the endpoint refuses %s (%s): using %s", level, exc, self.level)
                    self._remember(self.level)

    async def _ask(
        self, messages: list[dict[str, str]], level: str, name: str, schema: dict[str, Any]
    ) -> Completion:
        extra: dict[str, Any] = {}
        if level == STRICT:
            response_format: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": _strict(schema)},
            }
        else:
            response_format = {"type": "json_object"}
            if level == CONSTRAINED:  # llama.cpp constrains its output to this schema
                response_format["schema"] = schema
                if self._schema_field:
                    extra = {self._schema_field: schema}
            messages = [
                *messages,
                {"role": "system", "content": "Reply with only one JSON object shaped like "
                 + answer_shape(schema)},
            ]  # fmt: skip
        requests, spent = 0, Completion("")

        async def attempt() -> Completion:
            nonlocal requests
            requests += 1
            return await self._stream(messages, response_format, extra, uses_schema=level != PLAIN)

        try:
            async for retrying in AsyncRetrying(
                retry=retry_if_exception(_transient),
                stop=stop_after_attempt(self._attempts),
                wait=RETRY_WAIT,
                reraise=True,
            ):
                with retrying:
                    spent = await attempt()
        except (LLMOutputError, LLMBusy, _SchemaRefused) as exc:
            exc.requests = requests
            raise
        except openai.APIStatusError as exc:
            raise _unavailable(exc, requests) from exc
        except openai.APIConnectionError as exc:
            raise _unreachable(exc, self._client.base_url, requests) from exc
        return dataclasses.replace(spent, requests=requests)

    async def _stream(
        self,
        messages: list[dict[str, str]],
        response_format: dict[str, Any],
        extra: dict[str, Any],
        *,
        uses_schema: bool,
    ) -> Completion:
        """One streamed request; closing the stream (on any exit) ends the server's work."""
        started = time.monotonic()
        waited = 0.0
        try:
            stream = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_format=response_format,  # type: ignore[arg-type]
                temperature=self._temperature,
                max_tokens=self._max_tokens,
                stream=True,
                stream_options={"include_usage": True},
                extra_body=extra or None,
            )
        except openai.APIStatusError as exc:
            if uses_schema and refuses_schema(exc.status_code, _body(exc)):
                raise _SchemaRefused(f"{exc.status_code} {_body(exc)[:120]}") from exc
            raise
        parts: list[str] = []
        refusal, finish, model, usage, chunks = "", None, "", None, 0
        try:
            async with stream:
                async for chunk in stream:
                    chunks += 1
                    waited = waited or time.monotonic() - started
                    model = chunk.model or model
                    usage = chunk.usage or usage
                    for choice in chunk.choices:
                        parts.append(choice.delta.content or "")
                        refusal += getattr(choice.delta, "refusal", None) or ""
                        finish = choice.finish_reason or finish
        except (openai.APIResponseValidationError, ValueError, AttributeError) as exc:
            raise LLMOutputError(f"the endpoint's reply was malformed: {exc}"[:300]) from exc
        text = "".join(parts)
        if chunks == 0:  # a garbled body, or llama-cpp-python's answer to a prompt over
            raise LLMOutputError(  # its context: asked once more, then said so
                "the server's reply was empty or not a stream; if the prompt exceeds the "
                "model's context window, set [llm] context_tokens to the server's context "
                "size (llama-cpp-python: --n_ctx) or lower [llm] source_budget_tokens"
            )
        if finish is None:  # llama-cpp-python ends a stream it cannot serve now so
            raise LLMBusy("the server ended the reply before it finished (busy)")
        prompt_tokens = getattr(usage, "prompt_tokens", 0) or _estimate(messages)
        completion_tokens = getattr(usage, "completion_tokens", 0) or len(text) // 4
        tokens = (prompt_tokens, completion_tokens)
        if refusal:
            raise LLMOutputError(f"the model refused: {refusal[:200]}", *tokens)
        if finish == "length":
            raise LLMOutputError(
                f"the reply was cut off at max_output_tokens ({self._max_tokens}); "
                "raise [llm] max_output_tokens"
                if completion_tokens >= self._max_tokens
                else "the reply was cut off: the model's context window is full; lower "
                "[llm] source_budget_tokens or give the server a larger context",
                *tokens,
            )
        if not text.strip():
            raise LLMOutputError("the reply was empty", *tokens)
        return Completion(text, *tokens, model=model or self.model, waited=waited)


def _estimate(messages: Sequence[dict[str, str]]) -> int:
    """Tokens a prompt takes, roughly, for a server that does not say."""
    return sum(len(m["content"]) for m in messages) // 4


def _body(error: openai.APIStatusError) -> str:
    try:
        return error.response.text
    except Exception:  # a body already consumed or not text
        return str(error.message)


def _unavailable(error: openai.APIStatusError, requests: int) -> LLMUnavailable:
    body = _body(error).lower()
    if error.status_code == 401:
        message = "the LLM endpoint refused the API key (401)"
    elif "context" in body and ("exceed" in body or "too long" in body or "length" in body):
        message = (
            f"the prompt does not fit the model's context window ({error.status_code}): "
            "set [llm] context_tokens to the server's context size, lower "
            "[llm] source_budget_tokens, or give the server a larger context"
        )
    else:
        detail = error.message if isinstance(error.message, str) else ""
        message = f"the LLM endpoint answered {error.status_code}: {detail[:200]}"
    return LLMUnavailable(message, requests=requests)


def _unreachable(error: openai.APIConnectionError, url: object, requests: int) -> LLMUnavailable:
    if isinstance(error, openai.APITimeoutError):
        return LLMUnavailable(
            f"the LLM endpoint {url} sent nothing for [llm] timeout_seconds", requests=requests
        )
    # "Connection error." says less than what caused it: "connection refused".
    cause = error.__cause__
    why = why_failed(cause) if isinstance(cause, httpx2.HTTPError) else str(cause or error)
    return LLMUnavailable(f"cannot reach the LLM endpoint {url}: {why}", requests=requests)
