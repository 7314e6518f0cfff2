"""The model servers people run at home, with default settings: the real openai client
against the fake in its llama-cpp-python and llama.cpp flavours (one slot, a strict
schema refused with a 500, a small context, a reply cut by its length)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from openai import AsyncOpenAI

from digestbot.app.digests import App
from digestbot.core.models import AnalysisStatus
from digestbot.core.pipeline import Outcome
from digestbot.storage.store import open_store
from tests.conftest import EXAMPLE, ConfigFactory, until
from tests.fakes.openai import FakeOpenAI

SERVED = "qwen2.5-coder-0.5b-instruct"


@pytest.fixture
def one_slot() -> Iterator[FakeOpenAI]:
    with FakeOpenAI.llama_cpp_python(service_time=0.1, served_model=SERVED) as server:
        yield server


async def make(make_config: ConfigFactory, server: FakeOpenAI, **llm: object) -> Outcome:
    config = make_config(llm={"base_url": f"{server.url}/v1", **llm})
    return await App(config).generate(replay_file=EXAMPLE, post=False, force=True)


def formats(server: FakeOpenAI) -> list[str]:
    """The response format of every completion request, in order."""
    return [(r.get("response_format") or {}).get("type", "") for r in server.completions]


async def test_defaults_on_a_one_slot_server_analyse_everything_without_a_storm(
    make_config: ConfigFactory, one_slot: FakeOpenAI, tmp_path: Path
) -> None:
    outcome = await make(make_config, one_slot)
    digest = outcome.digest
    assert outcome.problems == ()
    assert all(t.analysis.status is AnalysisStatus.OK for t in digest.topics)
    assert len(digest.predictions) == 2
    assert digest.model == SERVED  # as the server names what answered
    requests = formats(one_slot)
    # One strict request, refused at once (no retries), then JSON mode for each call;
    # a stream dropped as busy costs a request and lowers the concurrency to 1.
    assert requests.count("json_schema") == 1
    assert len(requests) <= 1 + len(digest.topics) + 1 + 2
    assert digest.usage.calls == len(requests)  # every request counted
    assert one_slot.abandoned == 0 and one_slot.max_in_flight == 1
    with open_store(str(tmp_path / "history.db")) as store:
        (learned,) = store.db.rows("select * from endpoints")
    assert learned["structured_output"] == "json_object_schema"
    assert learned["concurrency"] == 1 and one_slot.dropped == 0  # its one slot, kept to


async def test_the_next_run_starts_in_json_mode_one_call_at_a_time(
    make_config: ConfigFactory, one_slot: FakeOpenAI, tmp_path: Path
) -> None:
    await make(make_config, one_slot)
    with open_store(str(tmp_path / "history.db")) as store:
        store.db.execute("delete from analyses")  # a new day: new topics to analyse
        store.endpoints.remember(f"{one_slot.url}/v1", "test-model", concurrency=1)
    one_slot.requests.clear()
    dropped = one_slot.dropped
    outcome = await make(make_config, one_slot)
    assert outcome.problems == () and len(one_slot.completions) == 6
    assert "json_schema" not in formats(one_slot)  # remembered: no strict request
    assert one_slot.dropped == dropped  # one call at a time from the start


async def test_a_context_too_small_is_said_with_the_settings_to_change(
    make_config: ConfigFactory,
) -> None:
    with FakeOpenAI(flavour="llama.cpp", context_tokens=300, api_key=None) as server:
        outcome = await make(make_config, server)
        assert server.completions == []  # nothing sent that could not fit
    assert all(t.analysis.status is AnalysisStatus.FAILED for t in outcome.digest.topics)
    problem = outcome.problems[0]
    assert "context window (300 tokens)" in problem and "max_output_tokens" in problem
    assert "--ctx-size" in problem


async def test_a_reply_cut_by_the_length_limit_is_reported_as_such(
    make_config: ConfigFactory, one_slot: FakeOpenAI
) -> None:
    outcome = await make(make_config, one_slot, max_output_tokens=64)
    assert any("cut off at max_output_tokens (64)" in p for p in outcome.problems)


@pytest.mark.parametrize(("style", "echoes"), [("stuffed", 3), ("verbatim", 1)])
async def test_an_echoed_schema_in_json_mode_is_unwrapped_or_repaired(
    make_config: ConfigFactory, one_slot: FakeOpenAI, style: str, echoes: int
) -> None:
    one_slot.echo_schema, one_slot.echo_style = echoes, style
    outcome = await make(make_config, one_slot, structured_output="json_object")
    assert all(t.analysis.status is AnalysisStatus.OK for t in outcome.digest.topics)
    repairs = [
        m for r in one_slot.completions for m in r["messages"] if "not usable" in m["content"]
    ]
    if style == "stuffed":  # the values are in the echo: unwrapped, no repair needed
        assert repairs == []
    else:
        assert repairs, "no repair try"
        for repair in repairs:
            assert "repeated the example" in repair["content"], repair["content"]


async def test_a_request_given_up_is_cancelled_not_left_running(
    make_config: ConfigFactory,
) -> None:
    """A stop mid-answer (a shutdown) closes the stream: the server stops the work."""
    with FakeOpenAI(flavour="llama.cpp", service_time=30, api_key=None, slots=1) as server:
        run = asyncio.create_task(make(make_config, server))
        await until(lambda: server.in_flight == 1)
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        await until(lambda: server.cancelled == 1 and server.in_flight == 0)
        assert server.served == 0 and server.wasted_seconds < 5  # not the 30 s of work


async def test_a_server_that_sends_nothing_for_the_timeout_is_named_so(
    make_config: ConfigFactory,
) -> None:
    busy = FakeOpenAI(
        flavour="llama.cpp", service_time=30, api_key=None, slots=1, on_disconnect="cancel"
    )
    with busy as server:
        async with AsyncOpenAI(api_key="x", base_url=f"{server.url}/v1") as other:
            hog = asyncio.create_task(
                other.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": "x"}]
                )
            )
            await until(lambda: server.in_flight == 1)
            outcome = await make(make_config, server, timeout_seconds=0.5, max_retries=0)
            hog.cancel()
            with contextlib.suppress(asyncio.CancelledError, openai.APIError):
                await hog
    assert any("sent nothing for [llm] timeout_seconds" in p for p in outcome.problems)


async def test_ollama_is_given_the_schema_where_it_constrains_json_mode(
    make_config: ConfigFactory,
) -> None:
    with FakeOpenAI(flavour="ollama", schema_refusal=400, api_key=None) as server:
        outcome = await make(make_config, server)
        json_mode = [r for r in server.completions if r["response_format"]["type"] == "json_object"]
    assert outcome.problems == () and json_mode
    assert all(r["format"]["properties"] for r in json_mode)  # Ollama's own field


async def test_streams_a_busy_server_drops_are_asked_again_later_not_stormed(
    make_config: ConfigFactory,
) -> None:
    """llama-cpp-python ends a stream it cannot serve now; three at once (a number fixes
    the concurrency) make it drop some: each is asked again, a little later, a few times."""
    with FakeOpenAI.llama_cpp_python(service_time=0.3) as server:
        outcome = await make(make_config, server, concurrency=3)
    assert server.dropped >= 1
    assert len(server.completions) <= 1 + 6 * 4  # at most BUSY_TRIES a call: no storm
    assert outcome.digest.usage.calls == len(server.completions)  # every request counted
    assert all("concurrency above its slots" in p for p in outcome.problems)


async def test_an_endpoint_that_is_down_is_said_at_once_not_after_a_minute_of_retries(
    make_config: ConfigFactory,
) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = make_config(llm={"base_url": f"http://127.0.0.1:{port}/v1", "max_retries": 3})
    outcome = await App(config).generate(replay_file=EXAMPLE, post=False)
    assert outcome.digest.usage.calls == len(outcome.digest.topics) + 1  # one try each
    assert "cannot reach the LLM endpoint" in outcome.problems[0]
    assert "connection refused" in outcome.problems[0].lower()
