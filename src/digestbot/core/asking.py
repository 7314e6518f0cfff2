"""One question to the LLM, asked until its answer is usable or its one repair try is
spent: within the concurrency limit, validated against a schema (an echo of the schema
unwrapped), checked against what it must rest on, and cached once it is good.

An answer is cached only when it passed its check, and a cached one is checked again
before it is reused, against the source as it is today: an answer checked against a
source that has since changed (an article now read) is asked again, and one that failed
its check is never reused, so each run asks again for it, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from digestbot.core.answers import Answer, Pricing
from digestbot.core.errors import LLMBusy, LLMError, LLMOutputError
from digestbot.core.limiter import ConcurrencyLimit
from digestbot.core.models import Usage
from digestbot.core.ports import LLM, AnalysisCache, Completion, Prompt
from digestbot.core.replies import EchoedSchema, parse_reply

BUSY_TRIES = 4  # a request dropped as busy is asked again, with fewer at once, this often
BUSY_WAIT = wait_exponential(multiplier=1, max=15)

# What is wrong with a valid answer, in words a model can act on; "" when nothing is.
Check = Callable[[Any], str]


def _fine(answer: Any) -> str:
    return ""


@dataclass(frozen=True, slots=True)
class Asked:
    answer: Any | None  # the last valid answer, also one that failed its check
    usage: Usage
    error: str  # why there is no answer, or what its check found; "" when it is good


class Asker:
    def __init__(
        self,
        llm: LLM,
        cache: AnalysisCache,
        limit: ConcurrencyLimit,
        pricing: Pricing,
        max_output_tokens: int,
    ) -> None:
        self._llm = llm
        self._cache = cache
        self.limit = limit
        self._pricing = pricing
        self._max_output = max_output_tokens
        self.answered_by = ""  # the model the server says answered, when one did

    async def complete(
        self, messages: list[dict[str, str]], kind: str, schema: dict[str, Any]
    ) -> Completion:
        """One call within the concurrency limit. A server that drops it as busy lowers
        the limit, and it is asked again, a little later, once fewer calls leave it room."""
        dropped = 0
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(LLMBusy),
                stop=stop_after_attempt(BUSY_TRIES),
                wait=BUSY_WAIT,
                reraise=True,
            ):
                with attempt:
                    try:
                        async with self.limit.slot() as ticket:
                            completion = await self._llm.complete_json(messages, kind, schema)
                            self.limit.answered(ticket, completion.waited)
                    except LLMBusy as exc:
                        dropped += exc.requests
                        self.limit.struggled()
                        raise
        except LLMBusy as exc:
            raise LLMBusy(
                f"the server dropped the request {BUSY_TRIES} times as busy (another "
                "program using it, or [llm] concurrency above its slots?)",
                requests=dropped,
            ) from exc
        return replace(completion, requests=completion.requests + dropped)

    async def answer(
        self,
        subject: str,
        kind: str,
        prompt: Prompt,
        messages: list[dict[str, str]],
        shape: type[Answer],
        check: Check = _fine,
    ) -> Asked:
        """The answer to `messages` in `shape` that passes `check`, from the cache or
        asked for, with one repair try for a reply that is unusable or fails its check."""
        model = self._llm.model
        if (cached := self._cache.get(subject, model, prompt.version)) is not None:
            try:
                answer = shape.model_validate(cached)
            except ValidationError:
                pass  # a cache row from an older schema: ask again
            else:
                if not check(answer):
                    return Asked(answer, Usage(cache_hits=1), "")
        schema = shape.model_json_schema()
        usage = Usage()
        kept: Any | None = None  # a valid answer that failed its check
        problem = ""
        for attempt in range(2):  # the answer, then one repair try
            reply = ""
            try:
                completion = await self.complete(messages, kind, schema)
            except LLMBusy as exc:
                return Asked(kept, usage + Usage(calls=exc.requests), str(exc))
            except LLMOutputError as exc:
                usage += self._pricing.usage(
                    Completion("", exc.prompt_tokens, exc.completion_tokens, requests=exc.requests)
                )
                problem = str(exc)
            except LLMError as exc:
                self.limit.struggled()
                return Asked(kept, usage + Usage(calls=exc.requests), str(exc))
            else:
                usage += self._pricing.usage(completion)
                self.answered_by = completion.model or self.answered_by
                reply = completion.text
                try:
                    answer = shape.model_validate(parse_reply(completion.text, schema))
                except EchoedSchema as exc:
                    problem = str(exc)
                except ValueError as exc:  # not JSON (pydantic's errors are ValueErrors too)
                    problem = _describe(exc)
                else:
                    if not (problem := check(answer)):
                        self._cache.put(
                            subject, kind, model, prompt.version, answer.model_dump(), usage
                        )
                        return Asked(answer, usage, "")
                    kept = answer
            if attempt == 0:
                messages = self._repair(messages, reply, problem)
        if kept is not None:
            return Asked(kept, usage, problem)
        return Asked(None, usage, f"no usable answer after a repair try: {problem}")

    def _repair(
        self, messages: list[dict[str, str]], reply: str, problem: str
    ) -> list[dict[str, str]]:
        # The first reply is at most max_output_tokens: it fits the room kept for it.
        previous = [{"role": "assistant", "content": reply[: 4 * self._max_output]}]
        return [
            *messages,
            *(previous if reply else []),
            {
                "role": "user",
                "content": f"That reply was not usable ({problem}). Reply again "
                "with only the JSON object, every field filled in.",
            },
        ]


def _describe(error: ValueError) -> str:
    """A short, model-readable account of what was wrong with a reply."""
    if not isinstance(error, ValidationError):
        return f"not a JSON object ({error})"[:200]
    problems = [
        f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}"
        for e in error.errors(include_url=False)[:3]
    ]
    return "; ".join(problems) or json.dumps(str(error))[:200]
