"""What the LLM is asked to answer, as schemas its replies are validated against, and
what a call costs.

The schemas stay within what every structured-output mode takes (a strict json_schema
refuses some keywords, such as maxLength). A topic's quotes are not bounded here: quotes
that fail are the grounding check's business (core/grounding.py), which labels the
analysis instead of losing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from digestbot.core.models import Usage
from digestbot.core.ports import Completion
from digestbot.core.text import one_line
from digestbot.core.trends import predicted_year

MAX_PREDICTED_CHARS = 40  # "between Q3 2030 and 2032" fits; a sentence of hedging does not
YEARS = range(2000, 3000)  # a year a forecast may plausibly name


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _not_blank(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty")
        return value


class TopicAnswer(Answer):
    # The quotes come last: a small model asked for them first copies the example's "..."
    # into the paragraphs that follow (Qwen2.5 0.5B did, for half the topics).
    benefits: str
    ramifications: str
    quotes: list[str]

    @field_validator("quotes", mode="before")
    @classmethod
    def _a_list(cls, quotes: Any) -> Any:
        """One quote given as a string is a list of one; blank ones are no quotes."""
        quotes = [quotes] if isinstance(quotes, str) else quotes
        if not isinstance(quotes, list):
            return quotes
        return [q for q in quotes if not isinstance(q, str) or q.strip()]


class PredictionAnswer(Answer):
    event: str
    predicted: str
    rationale: str


class PredictionsAnswer(Answer):
    predictions: list[PredictionAnswer]


def names_year(predicted: str) -> bool:
    """Whether `predicted` is a date the chart can place: a plausible year, alone or with
    a month or quarter ("2035", "March 2030", "Q3 2027", "2030-2035"), not a paragraph."""
    text = one_line(predicted)
    year = predicted_year(text) if len(text) <= MAX_PREDICTED_CHARS else None
    return year is not None and int(year) in YEARS


def yearless(answer: PredictionsAnswer) -> str:
    """What is wrong with the predictions that name no year ("" when all do), in words
    a model can act on."""
    bad = [p.predicted for p in answer.predictions if not names_year(p.predicted)]
    if not bad:
        return ""
    shown = one_line(bad[0])[:60]
    return (
        f'"predicted" must be a year, or a month or quarter and a year (for example 2031, '
        f'March 2031 or Q3 2031), and nothing else: {len(bad)} did not name one ("{shown}")'
    )


@dataclass(frozen=True, slots=True)
class Pricing:
    """US dollars per million tokens, as the provider bills them."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0

    def usage(self, completion: Completion) -> Usage:
        cost = (
            completion.prompt_tokens * self.input_per_mtok
            + completion.completion_tokens * self.output_per_mtok
        ) / 1_000_000
        return Usage(
            calls=completion.requests,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            cost_usd=cost,
        )
