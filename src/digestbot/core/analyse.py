"""The LLM's part of a digest: every topic's analysis and the predictions, concurrently.

Calls run at once up to a limit that can adapt to the server (core/limiter.py); each
prompt is fitted into the model's context window; each answer is validated against a
schema and checked (core/asking.py), given one repair try, and cached in the store as
soon as it is good, so a run that dies half way resumes where it stopped. A topic
whose analysis fails is published headline-only.

An analysis rests on quotes from its source, checked word for word (core/grounding.py).
One whose quotes are still not found after the repair try is published with the quotes
that were found, labelled unverified, or left out (`unverified="leave_out"`: the topic
shows its source's excerpt). A prediction must name a year; one that still names none
after the repair try is left out, and the result's notes say how many.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from digestbot.core.answers import PredictionsAnswer, Pricing, TopicAnswer, names_year, yearless
from digestbot.core.asking import Asker
from digestbot.core.errors import LLMUnavailable
from digestbot.core.grounding import ground, repair_hint
from digestbot.core.limiter import ConcurrencyLimit
from digestbot.core.models import Analysis, AnalysisStatus, Prediction, Topic, Usage
from digestbot.core.ports import LLM, AnalysisCache, Prompt
from digestbot.core.text import one_line
from digestbot.core.topic_input import community, earlier_note, topic_input

MIN_SOURCE_TOKENS = 50  # less of the source than this is not worth an analysis
REPAIR_TOKENS = 160  # the repair request's own words, with the quotes it names
UNGROUNDED = "its quotes were not found in the source"
UNVERIFIED_POLICIES = ("label", "leave_out")


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    topics: tuple[Topic, ...]
    predictions: tuple[Prediction, ...]
    usage: Usage
    problems: tuple[str, ...]  # what failed and needs someone's attention
    model: str = ""  # the model the server says answered, when one did
    notes: tuple[str, ...] = ()  # what a reader of the record should know: what was left out

    @property
    def grounded(self) -> int:
        """Topics whose analysis rests on quotes found in the source, or that show the
        source's own words (no analysis)."""
        return sum(t.grounded for t in self.topics)

    @property
    def unverified(self) -> int:
        """Topics published with an analysis whose quotes were not all found."""
        return len(self.topics) - self.grounded


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
        unverified: str = "label",
    ) -> None:
        if unverified not in UNVERIFIED_POLICIES:
            raise ValueError(f"unverified must be one of {UNVERIFIED_POLICIES}, not {unverified!r}")
        self._asker = Asker(llm, cache, limit, pricing, max_output_tokens)
        self._topic_prompt = topic_prompt
        self._predictions_prompt = predictions_prompt
        self._budget = source_budget_tokens
        self._context = context_tokens
        self._max_output = max_output_tokens
        self._leave_out = unverified == "leave_out"

    async def run(
        self,
        topics: Sequence[Topic],
        events: Sequence[str],
        day: date,
        progress: ProgressCallback | None = None,
        language: str = "",
    ) -> AnalysisResult:
        """Every topic analysed (in `language`, if one is named: "German"; else as the
        prompt says), and the events' predictions, all at once."""
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

        jobs = [tracked(self._topic(t, language)) for t in topics]
        if events:
            jobs.append(tracked(self._predictions(events, day)))
        results = await asyncio.gather(*jobs)
        analysed: tuple[Topic, ...] = tuple(results[: len(topics)])
        predictions, predictions_error, yearless_left = (
            results[len(topics)] if events else ((), "", 0)
        )
        problems: list[str] = []
        failed = [
            t
            for t in analysed
            if t.analysis.status is AnalysisStatus.FAILED and t.analysis.error != UNGROUNDED
        ]
        if failed:
            problems.append(
                f"{len(failed)} of {len(analysed)} topics could not be analysed and went out "
                f"headline-only ({failed[0].analysis.error}); `digestbot generate --force` "
                "asks again for them only"
            )
        if predictions_error:
            problems.append(f"no predictions today: {predictions_error}")
        usage = sum(usages, Usage())
        notes = _notes(analysed, yearless_left)
        return AnalysisResult(
            analysed, predictions, usage, tuple(problems), self._asker.answered_by, notes
        )

    def _source_budget(self, prompt: Prompt, **variables: str) -> int:
        """Tokens the whole source (title, post, article, other posts) may take: the
        setting, or less where the context window must also hold the prompt, an answer,
        and a repair try with the first answer. Raises LLMUnavailable, naming the
        settings, when not even a little fits."""
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
        return min(self._budget, room)

    async def _topic(self, topic: Topic, language: str = "") -> tuple[Topic, Usage]:
        prompt = self._topic_prompt
        where = community(topic.post)
        empty = {"title": "", "community": where, "body": "", "earlier": earlier_note(topic)}
        try:
            budget = self._source_budget(prompt, **empty)
        except LLMUnavailable as exc:
            return replace(topic, analysis=Analysis(AnalysisStatus.FAILED, error=str(exc))), Usage()
        given = topic_input(topic, budget)
        messages = in_language(
            prompt.render(
                title=given.title, community=where, body=given.body, earlier=given.earlier
            ),
            language,
        )

        def unquoted(answer: TopicAnswer) -> str:
            return repair_hint(ground(answer.quotes, given.source), given.source)

        # Each language's analysis is cached on its own; the prompt's own language's under
        # the post's id alone, as before languages were asked for.
        subject = f"{topic.post.id}|{language}" if language else topic.post.id
        asked = await self._asker.answer(
            subject, "topic", prompt, messages, TopicAnswer, check=unquoted
        )
        if (answer := asked.answer) is None:
            failed = Analysis(AnalysisStatus.FAILED, error=asked.error)
            return replace(topic, analysis=failed), asked.usage
        grounding = ground(answer.quotes, given.source)
        if not grounding.verified and self._leave_out:
            failed = Analysis(AnalysisStatus.FAILED, error=UNGROUNDED)
            return replace(topic, analysis=failed), asked.usage
        analysis = Analysis(
            AnalysisStatus.OK,
            benefits=one_line(answer.benefits),
            ramifications=one_line(answer.ramifications),
            quotes=grounding.shown,
            verified=grounding.verified,
        )
        return replace(topic, analysis=analysis), asked.usage

    async def _predictions(
        self, events: Sequence[str], day: date
    ) -> tuple[tuple[tuple[Prediction, ...], str, int], Usage]:
        """The predictions (or none and why), how many were left out for naming no
        year, and what they cost."""
        prompt = self._predictions_prompt
        listed = "\n".join(f"- {one_line(e)}" for e in events)
        try:
            self._source_budget(prompt, today=day.isoformat(), events=listed)
        except LLMUnavailable as exc:
            return ((), str(exc), 0), Usage()
        messages = prompt.render(today=day.isoformat(), events=listed)
        subject = f"predictions:{day.isoformat()}:" + "|".join(events)
        asked = await self._asker.answer(
            subject, "predictions", prompt, messages, PredictionsAnswer, check=yearless
        )
        if (answer := asked.answer) is None:
            return ((), asked.error, 0), asked.usage
        by_event = {a.event.strip().casefold(): a for a in answer.predictions}
        predictions, left_out = [], 0
        for position, event in enumerate(events):
            # Match by name; a model that renamed the events is matched by position.
            match = by_event.get(event.casefold()) or (
                answer.predictions[position] if position < len(answer.predictions) else None
            )
            if match and not names_year(match.predicted):
                left_out += 1
            elif match:
                predictions.append(
                    Prediction(event, one_line(match.predicted), one_line(match.rationale))
                )
        return (tuple(predictions), "", left_out), asked.usage


def in_language(messages: list[dict[str, str]], language: str) -> list[dict[str, str]]:
    """The prompt's messages, told to write the analysis in `language` (a language's name,
    checked as such by the settings) and to copy quotes as the source has them; as they
    are without one. Said in the system message: some chat templates take only one."""
    if not language:
        return messages
    ask = (
        f"Write the benefits and the ramifications in {language}. Copy the quotes exactly as "
        "the source writes them, in the source's own language."
    )
    if messages and messages[0]["role"] == "system":
        first = messages[0]
        return [{**first, "content": f"{first['content']}\n\n{ask}"}, *messages[1:]]
    return [{"role": "system", "content": ask}, *messages]


def _notes(topics: tuple[Topic, ...], yearless_left: int) -> tuple[str, ...]:
    """What was labelled or left out, and why."""
    notes = []
    ok = [t for t in topics if t.analysis.status is AnalysisStatus.OK]
    if unverified := sum(not t.analysis.verified for t in ok):
        notes.append(
            f"{unverified} of {len(topics)} analyses are labelled unverified: their quotes "
            "were not found in the source"
        )
    if left := sum(t.analysis.error == UNGROUNDED for t in topics):
        notes.append(
            f"{left} of {len(topics)} analyses were left out, their quotes not found in the "
            'source ([llm] unverified = "leave_out"): those topics show their source\'s excerpt'
        )
    if yearless_left:
        s = "s" if yearless_left > 1 else ""
        notes.append(f"{yearless_left} prediction{s} left out: no year named, after a repair try")
    return tuple(notes)
