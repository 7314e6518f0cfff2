"""What the LLM is asked to answer, as schemas its replies are validated against, and
what a call costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from digestbot.core.models import Usage
from digestbot.core.ports import Completion


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _not_blank(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty")
        return value


class TopicAnswer(Answer):
    benefits: str
    ramifications: str


class PredictionAnswer(Answer):
    event: str
    predicted: str
    rationale: str


class PredictionsAnswer(Answer):
    predictions: list[PredictionAnswer]


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
