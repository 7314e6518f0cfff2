"""Any OpenAI-compatible chat endpoint, through the openai client: the only module that imports it.

Asks for a strict JSON schema first; a server that rejects that (many local servers
do) is asked in JSON mode from then on, with the schema spelled out in the prompt.
The client itself retries 408/409/429/5xx and connection errors with backoff,
honouring `retry-after`. Its errors become the core's LLMError kinds here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

import openai
from openai import AsyncOpenAI

from digestbot.core.errors import LLMOutputError, LLMUnavailable
from digestbot.core.ports import Completion

StructuredOutput = Literal["auto", "json_schema", "json_object"]


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


class OpenAIChat:
    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        *,
        structured_output: StructuredOutput = "auto",
        temperature: float = 0.7,
        max_output_tokens: int = 700,
    ) -> None:
        self.model = model
        self._client = client
        self._mode = structured_output
        self._temperature = temperature
        self._max_tokens = max_output_tokens

    async def complete_json(
        self, messages: Sequence[dict[str, str]], schema_name: str, schema: dict[str, Any]
    ) -> Completion:
        if self._mode != "json_object":
            try:
                return await self._create(
                    list(messages),
                    {
                        "type": "json_schema",
                        "json_schema": {
                            "name": schema_name,
                            "strict": True,
                            "schema": _strict(schema),
                        },
                    },
                )
            except openai.BadRequestError as exc:
                if self._mode == "json_schema" or not _rejects_schema(exc):
                    raise LLMUnavailable(_status_message(exc)) from exc
                self._mode = "json_object"  # remembered for the rest of this client's life
        spelled_out = [
            *messages,
            {
                "role": "system",
                "content": "Reply with one JSON object that matches this JSON Schema:\n"
                + json.dumps(schema),
            },
        ]
        try:
            return await self._create(spelled_out, {"type": "json_object"})
        except openai.BadRequestError as exc:
            raise LLMUnavailable(_status_message(exc)) from exc

    async def _create(
        self, messages: list[dict[str, str]], response_format: dict[str, Any]
    ) -> Completion:
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_format=response_format,  # type: ignore[arg-type]
                temperature=self._temperature,
                max_tokens=self._max_tokens,
            )
        except openai.BadRequestError:
            raise  # the caller knows whether it was the response format
        except openai.APITimeoutError as exc:
            raise LLMUnavailable(f"the LLM endpoint timed out ({self._client.base_url})") from exc
        except openai.APIConnectionError as exc:
            raise LLMUnavailable(
                f"cannot reach the LLM endpoint {self._client.base_url}: {exc}"
            ) from exc
        except openai.AuthenticationError as exc:
            raise LLMUnavailable("the LLM endpoint refused the API key (401)") from exc
        except openai.APIStatusError as exc:
            raise LLMUnavailable(_status_message(exc)) from exc
        except (openai.APIResponseValidationError, ValueError) as exc:
            # The client raises a bare JSONDecodeError (a ValueError) on a body that is not JSON.
            raise LLMOutputError(f"the endpoint's reply was malformed: {exc}") from exc
        try:
            choice = response.choices[0]
            message = choice.message
            message.content  # noqa: B018  (a reply without a message is malformed)
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMOutputError("the endpoint's reply has no message") from exc
        usage = response.usage
        spent = Completion(
            text=message.content or "",
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )
        tokens = (spent.prompt_tokens, spent.completion_tokens)
        if getattr(message, "refusal", None):
            raise LLMOutputError(f"the model refused: {message.refusal[:200]}", *tokens)
        if choice.finish_reason == "length":
            raise LLMOutputError("the reply was cut off at max_output_tokens", *tokens)
        if not spent.text:
            raise LLMOutputError("the reply was empty", *tokens)
        return spent


def _rejects_schema(error: openai.BadRequestError) -> bool:
    text = str(error).lower()
    return any(word in text for word in ("response_format", "json_schema", "schema"))


def _status_message(error: openai.APIStatusError) -> str:
    detail = error.message if isinstance(error.message, str) else ""
    return f"the LLM endpoint answered {error.status_code}: {detail[:200]}"
