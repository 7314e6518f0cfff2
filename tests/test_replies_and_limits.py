"""A model's reply read as it meant it, and the concurrency limit's rules."""

from __future__ import annotations

import asyncio
import json

import pytest

from digestbot.core.answers import TopicAnswer
from digestbot.core.limiter import ConcurrencyLimit
from digestbot.core.replies import EchoedSchema, parse_reply

SCHEMA = TopicAnswer.model_json_schema()


def test_a_plain_answer_is_itself() -> None:
    answer = {"benefits": "b", "ramifications": "r"}
    assert parse_reply(json.dumps(answer), SCHEMA) == answer
    assert parse_reply("```json\n" + json.dumps(answer) + "\n```", SCHEMA) == answer


@pytest.mark.parametrize(
    "echo",
    [
        {"type": "object", "properties": {"benefits": "b", "ramifications": "r"}},
        {"properties": {"benefits": {"type": "string", "value": "b"}, "ramifications": "r"}},
        {"title": "TopicAnswer", "type": "object", "required": ["benefits"],
         "properties": {"benefits": {"example": "b"}, "ramifications": {"default": "r"}}},
    ],
)  # fmt: skip
def test_an_echo_with_the_values_in_it_is_unwrapped(echo: dict) -> None:
    assert parse_reply(json.dumps(echo), SCHEMA) == {"benefits": "b", "ramifications": "r"}


def test_the_schema_itself_is_no_answer() -> None:
    with pytest.raises(EchoedSchema, match="repeated the JSON schema"):
        parse_reply(json.dumps(SCHEMA), SCHEMA)


def test_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_reply('{"benefits": "unfinished', SCHEMA)


async def test_a_fixed_limit_never_moves() -> None:
    limit = ConcurrencyLimit(3, cap=16, adaptive=False)
    async with limit.slot() as ticket:
        limit.answered(ticket, 0.1)
        limit.answered(ticket, 99.0)
        limit.struggled()
    assert limit.limit == 3 and not limit.learned


async def test_a_queueing_server_halves_the_limit_and_it_stays_down() -> None:
    limit = ConcurrencyLimit(4, cap=16, adaptive=True)
    async with limit.slot() as ticket:
        limit.answered(ticket, 1.0)  # the quickest first token
        limit.answered(ticket, 2.4)  # within 2x + 0.5 s: keeping pace
        assert limit.limit == 4
        limit.answered(ticket, 2.6)  # queued behind another call
        assert limit.limit == 2
        limit.answered(ticket, 9.0)
    assert limit.limit == 1 and limit.learned
    for _ in range(5):  # prompt answers with the limit in full use: no climb back
        async with limit.slot() as ticket:
            assert ticket.full
            limit.answered(ticket, 1.0)
    assert limit.limit == 1


async def test_prompt_answers_in_full_use_raise_the_limit_up_to_the_cap() -> None:
    limit = ConcurrencyLimit(1, cap=3, adaptive=True)

    async def call() -> None:
        async with limit.slot() as ticket:
            await asyncio.sleep(0)
            limit.answered(ticket, 1.0)

    await asyncio.gather(*(call() for _ in range(10)))
    assert limit.limit == 3 and not limit.learned


async def test_a_timeout_halves_the_limit() -> None:
    limit = ConcurrencyLimit(8, cap=16, adaptive=True)
    limit.struggled()
    assert limit.limit == 4


async def test_no_more_than_the_limit_run_at_once() -> None:
    limit = ConcurrencyLimit(2, cap=16, adaptive=False)
    running = peak = 0

    async def call() -> None:
        nonlocal running, peak
        async with limit.slot():
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            running -= 1

    await asyncio.gather(*(call() for _ in range(10)))
    assert peak == 2


def test_the_example_shape_sent_back_is_no_answer() -> None:
    with pytest.raises(EchoedSchema, match="repeated the example"):
        parse_reply('{"benefits": "...", "ramifications": "real words"}', SCHEMA)
