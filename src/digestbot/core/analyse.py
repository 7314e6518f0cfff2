"""The LLM's part of a digest: every topic's analysis and the predictions, concurrently.

Calls run at once up to a limit that can adapt to the server (core/limiter.py); each
prompt is fitted into the model's context window; each answer is validated against a
schema (an echo of the schema unwrapped), given one repair try, and cached in the store
as soon as it is good, so a run that dies half way resumes where it stopped. A topic
whose analysis fails is published headline-only.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from pydantic import ValidationError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from digestbot.core.answers import Answer, PredictionsAnswer, Pricing, TopicAnswer
from digestbot.core.errors import LLMBusy, LLMError, LLMOutputError, LLMUnavailable
from digestbot.core.limiter import ConcurrencyLimit
from digestbot.core.models import Analysis, AnalysisStatus, Prediction, Topic, Usage
from digestbot.core.ports import LLM, AnalysisCache, Completion, Prompt
from digestbot.core.replies import EchoedSchema, parse_reply
from digestbot.core.text import as_data, one_line

MIN_SOURCE_TOKENS = 50  # less of the source than this is not worth an analysis
REPAIR_TOKENS = 80  # the repair request's own words
BUSY_TRIES = 4  # a request dropped as busy is asked again, with fewer at once, this often
BUSY_WAIT = wait_exponential(multiplier=1, max=15)


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    topics: tuple[Topic, ...]
    predictions: tuple[Prediction, ...]
    usage: Usage
    problems: tuple[str, ...]
    model: str = ""  # the model the server says answered, when one did


ProgressCallback = Callable[[int, int], None]


class Analyst:
    def __init__(
        self,
        llm: LLM,
        cache: AnalysisCache,
        topic_prompt: Prompt,
        predictions_prompt: Prompt,
        *,
        limit: ConcurrencyLimit,
        source_budget_tokens: int,
        pricing: Pricing,
        context_tokens: int | None = None,
        max_output_tokens: int = 700,
    ) -> None:
        self._llm = llm
        self._cache = cache
        self._topic_prompt = topic_prompt
        self._predictions_prompt = predictions_prompt
        self.limit = limit
        self._budget = source_budget_tokens
        self._pricing = pricing
        self._context = context_tokens
        self._max_output = max_output_tokens
        self._answered_by = ""

    async def run(
        self,
        topics: Sequence[Topic],
        events: Sequence[str],
        day: date,
        progress: ProgressCallback | None = None,
    ) -> AnalysisResult:
        total = len(topics) + (1 if events else 0)
        done = 0
        usages: list[Usage] = []

        async def tracked(coro):
            nonlocal done
            value, usage = await coro
            usages.append(usage)
            done += 1
            if progress:
                progress(done, total)
            return value

        jobs = [tracked(self._topic(t)) for t in topics]
        if events:
            jobs.append(tracked(self._predictions(events, day)))
        results = await asyncio.gather(*jobs)
        analysed: tuple[Topic, ...] = tuple(results[: len(topics)])
        predictions, predictions_error = results[len(topics)] if events else ((), "")
        problems: list[str] = []
        if failed := [t for t in analysed if t.analysis.status is AnalysisStatus.FAILED]:
            problems.append(
                f"{len(failed)} of {len(analysed)} topics could not be analysed and went out "
                f"headline-only ({failed[0].analysis.error}); `digestbot generate --force` "
                "asks again for them only"
            )
        if predictions_error:
            problems.append(f"no predictions today: {predictions_error}")
        usage = sum(usages, Usage())
        return AnalysisResult(analysed, predictions, usage, tuple(problems), self._answered_by)

    def _source_budget(self, prompt: Prompt, **variables: str) -> int:
        """Tokens the source text may take: the setting, or less where the context window
        must also hold the prompt, an answer, and a repair try with the first answer.
        Raises LLMUnavailable, naming the settings, when not even a little fits."""
        if not self._context:
            return self._budget
        overhead = sum(len(m["content"]) for m in prompt.render(**variables)) // 4
        room = self._context - overhead - 2 * self._max_output - REPAIR_TOKENS
        if room < MIN_SOURCE_TOKENS:
            raise LLMUnavailable(
                f"the model's context window ({self._context} tokens) cannot hold a prompt "
                f"(~{overhead} tokens) and two answers of [llm] max_output_tokens "
                f"({self._max_output}): lower max_output_tokens, or give the server a larger "
                "context (llama.cpp: --ctx-size; Ollama: num_ctx) and set [llm] context_tokens",
                requests=0,
            )
        return min(self._budget, room // 2)  # the title and the body each get a share

    async def _topic(self, topic: Topic) -> tuple[Topic, Usage]:
        prompt = self._topic_prompt
        community = one_line(topic.post.source.partition(":")[2] or topic.post.source)
        try:
            budget = self._source_budget(prompt, title="", community=community, body="")
        except LLMUnavailable as exc:
            return replace(topic, analysis=Analysis(AnalysisStatus.FAILED, error=str(exc))), Usage()
        messages = prompt.render(
            title=as_data(topic.title, budget),
            community=community,
            body=as_data(topic.post.body or "(no text: a link post)", budget),
        )
        answer, usage, error = await self._answer(
            topic.post.id, "topic", prompt, messages, TopicAnswer
        )
        if answer is None:
            return replace(topic, analysis=Analysis(AnalysisStatus.FAILED, error=error)), usage
        analysis = Analysis(
            AnalysisStatus.OK,
            benefits=one_line(answer.benefits),
            ramifications=one_line(answer.ramifications),
        )
        return replace(topic, analysis=analysis), usage

    async def _predictions(
        self, events: Sequence[str], day: date
    ) -> tuple[tuple[tuple[Prediction, ...], str], Usage]:
        """The predictions (or none and why), and what they cost."""
        prompt = self._predictions_prompt
        listed = "\n".join(f"- {one_line(e)}" for e in events)
        try:
            self._source_budget(prompt, today=day.isoformat(), events=listed)
        except LLMUnavailable as exc:
            return ((), str(exc)), Usage()
        messages = prompt.render(today=day.isoformat(), events=listed)
        subject = f"predictions:{day.isoformat()}:" + "|".join(events)
        answer, usage, error = await self._answer(
            subject, "predictions", prompt, messages, PredictionsAnswer
        )
        if answer is None:
            return ((), error), usage
        by_event = {a.event.strip().casefold(): a for a in answer.predictions}
        predictions = []
        for position, event in enumerate(events):
            # Match by name; a model that renamed the events is matched by position.
            match = by_event.get(event.casefold()) or (
                answer.predictions[position] if position < len(answer.predictions) else None
            )
            if match:
                predictions.append(
                    Prediction(event, one_line(match.predicted), one_line(match.rationale))
                )
        return (tuple(predictions), ""), usage

    async def _complete(
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

    async def _answer(
        self,
        subject: str,
        kind: str,
        prompt: Prompt,
        messages: list[dict[str, str]],
        shape: type[Answer],
    ) -> tuple[Any | None, Usage, str]:
        """The validated answer (or None), what it cost, and why it failed if it did."""
        model = self._llm.model
        if (cached := self._cache.get(subject, model, prompt.version)) is not None:
            try:
                return shape.model_validate(cached), Usage(cache_hits=1), ""
            except ValidationError:
                pass  # a cache row from an older schema: ask again
        schema = shape.model_json_schema()
        usage = Usage()
        problem = ""
        for attempt in range(2):  # the answer, then one repair try
            reply = ""
            try:
                completion = await self._complete(messages, kind, schema)
            except LLMBusy as exc:
                return None, usage + Usage(calls=exc.requests), str(exc)
            except LLMOutputError as exc:
                usage += self._pricing.usage(
                    Completion("", exc.prompt_tokens, exc.completion_tokens, requests=exc.requests)
                )
                problem = str(exc)
            except LLMError as exc:
                self.limit.struggled()
                return None, usage + Usage(calls=exc.requests), str(exc)
            else:
                usage += self._pricing.usage(completion)
                self._answered_by = completion.model or self._answered_by
                try:
                    answer = shape.model_validate(parse_reply(completion.text, schema))
                except EchoedSchema as exc:
                    problem, reply = str(exc), completion.text
                except ValueError as exc:  # not JSON (pydantic's errors are ValueErrors too)
                    problem, reply = _describe(exc), completion.text
                else:
                    self._cache.put(
                        subject, kind, model, prompt.version, answer.model_dump(), usage
                    )
                    return answer, usage, ""
            if attempt == 0:
                # The first reply is at most max_output_tokens: it fits the room kept for it.
                previous = [{"role": "assistant", "content": reply[: 4 * self._max_output]}]
                messages = [
                    *messages,
                    *(previous if reply else []),
                    {
                        "role": "user",
                        "content": f"That reply was not usable ({problem}). Reply again "
                        "with only the JSON object, every field filled in.",
                    },
                ]
        return None, usage, f"no usable answer after a repair try: {problem}"


def _describe(error: ValueError) -> str:
    """A short, model-readable account of what was wrong with a reply."""
    if not isinstance(error, ValidationError):
        return f"not a JSON object ({error})"[:200]
    problems = [
        f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}"
        for e in error.errors(include_url=False)[:3]
    ]
    return "; ".join(problems) or json.dumps(str(error))[:200]
