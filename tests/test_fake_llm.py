"""The fake LLM server against the real openai client: a local server's slots and queue,
abandoned and cancelled work, schema refusals, echoes and constrained output, the context
window, length cuts, streaming, and the endpoints that say what the server is. The shapes
it answers with are the ones captured from the real servers (tests/fixtures/llm)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import openai
import pytest

from tests.conftest import until
from tests.fakes import llm_server
from tests.fakes.openai import FakeOpenAI

SCHEMA = {
    "type": "object",
    "properties": {"benefits": {"type": "string"}, "ramifications": {"type": "string"}},
    "required": ["benefits", "ramifications"],
}
TOPIC = [{"role": "user", "content": "Title: Cheap GPUs\nWrite the benefits and ramifications."}]
SHOWN = [{"role": "user", "content": TOPIC[0]["content"] + "\nFollow " + json.dumps(SCHEMA)}]
REAL = llm_server.SHAPES


def client(fake: FakeOpenAI, **options: Any) -> openai.AsyncOpenAI:
    options = {"max_retries": 0, "timeout": 10, **options}
    return openai.AsyncOpenAI(base_url=f"{fake.url}/v1", api_key="test-key", **options)


async def ask(fake: FakeOpenAI, messages=TOPIC, **options: Any):
    async with client(fake) as llm:
        return await llm.chat.completions.create(model="test-model", messages=messages, **options)


async def chunks(fake: FakeOpenAI, messages=TOPIC, **options: Any) -> list[Any]:
    async with client(fake) as llm:
        stream = await llm.chat.completions.create(
            model="test-model", messages=messages, stream=True, **options
        )
        return [chunk async for chunk in stream]


async def get(url: str, method: str = "GET", **kwargs: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.request(method, url, **kwargs) as r:
        return r.status, json.loads(await r.text())


async def test_one_slot_serves_one_request_at_a_time_and_queues_the_rest() -> None:
    with FakeOpenAI(slots=1, service_time=0.2) as fake:
        replies = await asyncio.gather(*(ask(fake) for _ in range(3)))
        assert all(r.choices[0].finish_reason == "stop" for r in replies)
        assert (fake.served, fake.max_in_flight, fake.max_queued) == (3, 1, 2)
        assert fake.busy_seconds >= 3 * 0.2 and fake.abandoned == fake.wasted_seconds == 0


async def test_without_slots_everything_is_computed_at_once() -> None:
    with FakeOpenAI(service_time=0.2) as fake:
        await asyncio.gather(*(ask(fake) for _ in range(3)))
        assert (fake.served, fake.max_in_flight, fake.max_queued) == (3, 3, 0)


async def test_a_request_given_up_is_computed_to_its_end_and_holds_the_slot() -> None:
    with FakeOpenAI(slots=1, service_time=0.6) as fake:
        async with client(fake, timeout=0.15) as impatient:
            with pytest.raises(openai.APITimeoutError):
                await impatient.chat.completions.create(model="m", messages=TOPIC)
        after = await ask(fake)  # queued behind the work nobody waits for any more
        assert after.choices[0].finish_reason == "stop"
        assert (fake.served, fake.abandoned, fake.cancelled, fake.max_queued) == (1, 1, 0, 1)
        assert fake.wasted_seconds >= 0.6
        assert fake.tokens_computed == 2 * (after.usage.total_tokens)  # both were computed


@pytest.mark.parametrize(
    ("on_disconnect", "skipped", "computed"), [("finish", 1, 1), ("finish_all", 0, 2)]
)
async def test_a_queued_request_given_up_is_dropped_or_computed_as_told(
    on_disconnect: str, skipped: int, computed: int
) -> None:
    with FakeOpenAI(slots=1, service_time=0.5, on_disconnect=on_disconnect) as fake:
        async with client(fake) as patient, client(fake, timeout=0.15) as impatient:
            first = asyncio.create_task(patient.chat.completions.create(model="m", messages=TOPIC))
            await until(lambda: fake.in_flight == 1)
            with pytest.raises(openai.APITimeoutError):
                await impatient.chat.completions.create(model="m", messages=TOPIC)
            tokens = (await first).usage.total_tokens
        await until(lambda: fake.abandoned == 1 and fake.in_flight == 0 and not fake.queued)
        assert (fake.served, fake.skipped, fake.cancelled) == (1, skipped, 0)
        await until(lambda: fake.tokens_computed == computed * tokens)


async def test_cancel_stops_work_whose_client_left() -> None:
    with FakeOpenAI(slots=1, service_time=5, on_disconnect="cancel") as fake:
        async with client(fake, timeout=0.15) as impatient:
            with pytest.raises(openai.APITimeoutError):
                await impatient.chat.completions.create(model="m", messages=TOPIC)
        await until(lambda: fake.cancelled == 1 and fake.in_flight == 0)
        assert fake.abandoned == 1 and fake.served == 0 and fake.wasted_seconds < 5


async def test_a_stream_whose_client_leaves_is_cancelled_and_frees_its_slot() -> None:
    with FakeOpenAI(slots=1, service_time=5) as fake:
        async with client(fake) as llm:
            stream = await llm.chat.completions.create(model="m", messages=TOPIC, stream=True)
            async with stream:
                first = await anext(aiter(stream))  # and no more: the client leaves
            assert first.choices[0].delta.role == "assistant"
            await until(lambda: fake.cancelled == 1 and fake.in_flight == 0)
            assert (fake.abandoned, fake.served) == (1, 0) and fake.wasted_seconds < 5
            fake.service_time = 0
            reply = await ask(fake)  # the slot is free
            assert reply.choices[0].finish_reason == "stop" and fake.max_queued == 0


async def test_a_llama_cpp_python_stream_answers_at_once_and_pings_while_queued() -> None:
    with FakeOpenAI.llama_cpp_python(
        service_time=0.6, ping_seconds=0.05, drops_busy_streams=False
    ) as fake:
        async with client(fake) as llm, client(fake, timeout=0.3) as streaming:
            busy = asyncio.create_task(llm.chat.completions.create(model="m", messages=TOPIC))
            await until(lambda: fake.in_flight == 1)
            stream = await streaming.chat.completions.create(model="m", messages=TOPIC, stream=True)
            assert fake.queued == 1  # the headers came before the slot
            got = [chunk async for chunk in stream]  # waits longer than its read timeout
            assert got[-1].choices[0].finish_reason == "stop" and fake.served == 2
            await busy


async def test_a_llama_cpp_python_stream_that_finds_the_slot_busy_ends_unfinished() -> None:
    with FakeOpenAI.llama_cpp_python(service_time=0.6) as fake:
        async with client(fake) as llm, client(fake) as streaming:
            busy = asyncio.create_task(llm.chat.completions.create(model="m", messages=TOPIC))
            await until(lambda: fake.in_flight == 1)
            stream = await streaming.chat.completions.create(model="m", messages=TOPIC, stream=True)
            got = [chunk async for chunk in stream]
            assert [c.choices[0].finish_reason for c in got] == [None] and fake.dropped == 1
            await busy
        assert fake.served == 1


async def test_a_strict_schema_refused_with_the_real_servers_body() -> None:
    strict = {"type": "json_schema", "json_schema": {"name": "a", "strict": True, "schema": SCHEMA}}
    with FakeOpenAI.llama_cpp_python() as fake:
        with pytest.raises(openai.InternalServerError) as refused:
            await ask(fake, response_format=strict)
        assert refused.value.status_code == 500
        assert (
            json.loads(refused.value.response.text)
            == REAL["llama_cpp_python"]["schema_refused_500"]
        )
        assert "response_format" in refused.value.response.text and fake.served == 0
    with (
        FakeOpenAI(schema_refusal=400) as fake,
        pytest.raises(openai.BadRequestError, match="json_schema"),
    ):
        await ask(fake, response_format=strict)
    with FakeOpenAI(flavour="llama.cpp") as fake:  # llama-server takes it and keeps to it
        reply = await ask(fake, response_format=strict)
        assert json.loads(reply.choices[0].message.content).keys() == {"benefits", "ramifications"}


async def test_json_mode_echoes_the_schema_but_constrained_output_never_does() -> None:
    json_mode = {"type": "json_object"}
    with FakeOpenAI(echo_schema=1) as fake:
        echoed = json.loads(
            (await ask(fake, SHOWN, response_format=json_mode)).choices[0].message.content
        )
        assert echoed["type"] == "object"
        assert echoed["properties"]["benefits"].startswith("Work on Cheap GPUs")
        again = json.loads(
            (await ask(fake, SHOWN, response_format=json_mode)).choices[0].message.content
        )
        assert again.keys() == {"quotes", "benefits", "ramifications"}  # one echo, as asked
        fake.echo_style = "verbatim"
        fake.script("Cheap GPUs", *["echo"] * 4)
        verbatim = await ask(fake, SHOWN, response_format=json_mode)
        assert json.loads(verbatim.choices[0].message.content) == SCHEMA
        for where in (
            {"response_format": {"type": "json_object", "schema": SCHEMA}},  # llama.cpp
            {"extra_body": {"format": SCHEMA}},  # Ollama
            {"extra_body": {"guided_json": SCHEMA}},  # vLLM
        ):
            reply = await ask(fake, SHOWN, **where)
            assert (
                json.loads(reply.choices[0].message.content).keys() == SCHEMA["properties"].keys()
            )
    with FakeOpenAI(echo_schema=0.5) as fake:
        replies = [await ask(fake, SHOWN, response_format=json_mode) for _ in range(4)]
        echoes = ["type" in json.loads(r.choices[0].message.content) for r in replies]
        assert echoes == [False, True, False, True]


async def test_constrained_output_fits_any_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "greeting": {"type": "string"},
            "count": {"type": "integer"},
            "mood": {"enum": ["calm", "glad"]},
            "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
        },
        "$defs": {"item": {"type": "object", "properties": {"x": {"type": "boolean"}}}},
    }
    with FakeOpenAI() as fake:
        reply = await ask(fake, response_format={"type": "json_object", "schema": schema})
        answer = json.loads(reply.choices[0].message.content)
        assert answer == {"greeting": "text", "count": 1, "mood": "calm", "items": []}


SOURCED = [
    {"role": "system", "content": "Quote the text between the <source> tags."},
    {
        "role": "user",
        "content": "Community: ML\n<source>\nTitle: Cheap GPUs\n\nThe linked page (a.example):\n"
        "Prices fell by half this year. Supply is up.\n</source>\n",
    },
]


async def test_the_fake_quotes_its_source_or_makes_quotes_up() -> None:
    def quotes(reply) -> list[str]:
        return json.loads(reply.choices[0].message.content)["quotes"]

    with FakeOpenAI() as fake:
        assert quotes(await ask(fake, SOURCED)) == ["Prices fell by half this year."]
        bare = "<source>\nTitle: Cheap GPUs\n\n(No text: only the title is known.)\n</source>"
        assert quotes(await ask(fake, [{"role": "user", "content": bare}])) == ["Cheap GPUs"]
        fake.script("Cheap GPUs", "invented")
        assert quotes(await ask(fake, SOURCED)) == [
            "This changes everything we knew about Cheap GPUs"
        ]
    with FakeOpenAI(quotes="invented_once") as fake:
        assert "changes everything" in quotes(await ask(fake, SOURCED))[0]
        repair = [*SOURCED, {"role": "user", "content": "That reply was not usable (...)."}]
        assert quotes(await ask(fake, repair)) == ["Prices fell by half this year."]
        fake.quotes = "invented"
        assert "changes everything" in quotes(await ask(fake, repair))[0]


async def test_the_fake_can_leave_a_prediction_without_a_year() -> None:
    events = [{"role": "user", "content": "Give predictions.\nEvents:\n- AGI\n- Fusion"}]
    with FakeOpenAI() as fake:
        fake.script("Events:", "yearless")
        first, second = (
            [p["predicted"] for p in json.loads(r.choices[0].message.content)["predictions"]]
            for r in [await ask(fake, events), await ask(fake, events)]
        )
    assert first[0].startswith("It is hard to say") and first[1] == "2031"
    assert second == ["2031", "2031"]


async def test_a_prompt_over_the_context_gets_the_servers_error() -> None:
    long = [{"role": "user", "content": "word " * 100}]  # 125 tokens
    with FakeOpenAI.llama_cpp_python(context_tokens=100) as fake:
        with pytest.raises(openai.BadRequestError) as refused:
            await ask(fake, long, max_tokens=10)
        assert json.loads(refused.value.response.text)["error"]["message"] == (
            "This model's maximum context length is 100 tokens. However, you requested 135 "
            "tokens (125 in the messages, 10 in the completion). Please reduce the length of "
            "the messages or completion."
        )
        async with client(fake) as llm:  # streamed, the same prompt gets an empty stream,
            stream = await llm.chat.completions.create(model="m", messages=long, stream=True)
            assert [chunk async for chunk in stream] == []
            with pytest.raises(openai.APIConnectionError):  # and its connection a reset
                await llm.chat.completions.create(model="m", messages=TOPIC)
    with FakeOpenAI(flavour="llama.cpp", context_tokens=100) as fake:
        for streamed in (False, True):
            with pytest.raises(openai.BadRequestError, match="exceeds the available context"):
                await (chunks(fake, long) if streamed else ask(fake, long))
    # The bodies are the real servers', word for word.
    real = REAL["llama_cpp_python"]["context_exceeded_400"]
    made = llm_server.context_exceeded("llama-cpp-python", 5030, 10, 4096)
    assert json.loads(made.body) == real["body"]
    made = llm_server.context_exceeded("llama.cpp", 5030, 10, 4096)
    assert json.loads(made.body) == REAL["llama_server"]["context_exceeded_400"]


async def test_a_reply_is_cut_at_max_tokens_or_at_the_end_of_the_context() -> None:
    with FakeOpenAI(context_tokens=100) as fake:
        whole = await ask(fake)
        assert whole.choices[0].finish_reason == "stop" and whole.usage.completion_tokens > 5
        cut = await ask(fake, max_tokens=5)
        assert (cut.choices[0].finish_reason, cut.usage.completion_tokens) == ("length", 5)
        assert cut.choices[0].message.content == whole.choices[0].message.content[:20]
        fake.context_tokens = whole.usage.prompt_tokens + 3  # fits, with room for 3 tokens
        cut = await ask(fake)
        assert (cut.choices[0].finish_reason, cut.usage.completion_tokens) == ("length", 3)
        fake.context_tokens = None
        fake.script("Cheap GPUs", "truncated")
        truncated = await ask(fake)
        assert truncated.choices[0].finish_reason == "length"
        with pytest.raises(json.JSONDecodeError):
            json.loads(truncated.choices[0].message.content)


async def test_streaming_sends_the_reply_in_chunks_and_usage_when_asked() -> None:
    with FakeOpenAI(served_model="qwen2.5-0.5b") as fake:
        whole = await ask(fake)
        got = await chunks(fake, stream_options={"include_usage": True})
        text = "".join(c.choices[0].delta.content or "" for c in got if c.choices)
        assert text == whole.choices[0].message.content and len(got) > 5
        assert [c.choices[0].finish_reason for c in got if c.choices][-1] == "stop"
        assert got[-1].choices == [] and got[-1].usage == whole.usage
        assert {c.model for c in got} == {"qwen2.5-0.5b"} == {whole.model}
        fake.script("Cheap GPUs", "refusal")
        refused = await chunks(fake)
        assert "".join(c.choices[0].delta.refusal or "" for c in refused if c.choices)
    with FakeOpenAI.llama_cpp_python() as fake:  # which never sends usage
        got = await chunks(fake, stream_options={"include_usage": True})
        assert all(c.usage is None for c in got) and got[-1].choices[0].finish_reason
        assert {c.model for c in got} == {"test-model"}  # the model asked for


async def test_what_the_servers_say_of_themselves() -> None:
    with FakeOpenAI(flavour="llama.cpp", slots=1, context_tokens=2048, model="qwen") as fake:
        status, props = await get(f"{fake.url}/props")
        assert status == 200 and props["default_generation_settings"]["n_ctx"] == 2048
        assert props["total_slots"] == 1 and props["model_path"].endswith("qwen.gguf")
        assert (await get(f"{fake.url}/health"))[1] == {"status": "ok"}
        assert [s["is_processing"] for s in (await get(f"{fake.url}/slots"))[1]] == [False]
        async with client(fake) as llm:
            assert [m.id async for m in llm.models.list()] == ["qwen"]
        assert (await ask(fake)).model == "qwen"  # llama-server names its own model
    with FakeOpenAI.llama_cpp_python(model="qwen", service_time=0.3) as fake:
        assert await get(f"{fake.url}/props") == (404, {"detail": "Not Found"})
        async with client(fake) as llm:
            busy = asyncio.create_task(ask(fake))
            await until(lambda: fake.in_flight == 1)
            assert [m.id async for m in llm.models.list()] == ["qwen"]
            assert fake.served == 1  # /v1/models waited for the slot
            await busy
    with FakeOpenAI(flavour="ollama", context_tokens=8192, model="llama3.1") as fake:
        status, show = await get(f"{fake.url}/api/show", "POST", json={"model": "llama3.1"})
        assert status == 200 and show["parameters"] == "num_ctx 8192"
        assert (await get(f"{fake.url}/api/tags"))[1]["models"][0]["name"] == "llama3.1"
        assert (await get(f"{fake.url}/api/show", "POST", json={"model": "x"}))[0] == 404
        key = {"Authorization": "Bearer test-key"}
        assert (await get(f"{fake.url}/v1/models", headers=key))[1]["data"][0][
            "owned_by"
        ] == "library"
    with FakeOpenAI() as fake:  # a hosted API has none of these
        async with aiohttp.ClientSession() as session, session.get(f"{fake.url}/props") as r:
            assert r.status == 404
