"""What an endpoint says about itself (llama.cpp, Ollama, vLLM, LM Studio, or none of
them), and `digestbot config check --probe` against fakes of each.

The fakes here answer only what the probe reads, in the shapes the servers' sources and
documents give (see src/digestbot/llm/probe.py), and a short chat completion to any
request; the shared fake (tests/fakes/openai.py) plays whole runs."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web

from digestbot.core.errors import LLMUnavailable
from digestbot.llm.probe import refuses_schema
from digestbot.llm.server_facts import ServerFacts, server_facts
from tests.conftest import ConfigFactory, run_cli
from tests.fakes.server import FakeServer, Fault, json_response

# What llama-cpp-python's server (0.3.36) answers a strict json_schema request.
LITERAL_ERROR = json.dumps(
    {
        "error": {
            "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
            "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
            "'input': 'json_schema'}",
            "type": "internal_server_error",
            "param": None,
            "code": None,
        }
    }
)
CONTEXT_ERROR = (
    "This model's maximum context length is 4096 tokens. However, you requested 5210 "
    "tokens (5000 in the messages, 210 in the response_format schema)."
)
FAILURE_WORDS = re.compile(r"cannot|refus|fail|error|broken|traceback", re.I)


@pytest.mark.parametrize(
    ("status", "body", "refused"),
    [
        (400, '{"error": {"message": "json_schema is not supported"}}', True),
        (400, '{"error": {"message": "Unsupported value for type"}}', True),
        (422, '{"detail": [{"loc": ["body", "response_format"]}]}', True),
        (422, "Unprocessable Entity", True),
        (500, LITERAL_ERROR, True),
        (500, "could not compile the JSON Schema to a grammar", True),
        (502, "response_format not understood", True),
        (500, "Internal Server Error", False),
        (503, '{"error": {"message": "the server is loading the model"}}', False),
        (400, CONTEXT_ERROR, False),  # too long a prompt: its schema counted, not refused
        (400, "request (5210 tokens) exceeds the available context size (4096 tokens)", False),
        (401, '{"error": {"message": "invalid api key for json_schema"}}', False),
        (404, '{"error": "model \\"llama3.1\\" not found, try pulling it first"}', False),
        (429, "rate limited on response_format requests", False),
    ],
)
def test_a_refused_schema_is_told_from_an_outage(status: int, body: str, refused: bool) -> None:
    assert refuses_schema(status, body) is refused


class ModelServer(FakeServer):
    """A model server: what it answers on its own endpoints ({("GET", "/props"): JSON, or
    text to answer as an HTML page}), and a short chat completion to every request;
    `strict_schemas` False refuses json_schema as llama-cpp-python does."""

    def __init__(
        self, answers: dict[tuple[str, str], Any] | None = None, *, strict_schemas: bool = True
    ) -> None:
        self.answers = answers or {}
        self.strict_schemas = strict_schemas
        super().__init__()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._complete)
        for (method, path), answer in self.answers.items():
            app.router.add_route(method, path, _answering(answer))

    @property
    def completions(self) -> list[Any]:
        return [r.json() for r in self.seen("/v1/chat/completions")]

    async def _complete(self, request: web.Request) -> web.Response:
        payload = await request.json()
        if payload["response_format"]["type"] == "json_schema" and not self.strict_schemas:
            return web.Response(status=500, text=LITERAL_ERROR, content_type="application/json")
        return json_response(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": payload["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": '{"words": ["cup", "pan"]}'},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42},
            }
        )


def _answering(answer: Any) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        if isinstance(answer, str):
            return web.Response(text=answer, content_type="text/html")
        return json_response(answer)

    return handler


def listing(*ids: str, owned_by: str, **fields: Any) -> dict[str, Any]:
    """GET /v1/models as the servers answer it."""
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "owned_by": owned_by, **fields} for i in ids],
    }


MODELS = ("GET", "/v1/models")
PROPS = ("GET", "/props")
SHOW = ("POST", "/api/show")
OLLAMA_PARAMETERS = (
    'num_ctx                        8192\nstop                           "<|eot_id|>"'
)
LLAMA_INFO = {"general.architecture": "llama", "llama.context_length": 131072}
LLAMA_CPP = {
    MODELS: listing("qwen", owned_by="llamacpp", meta={"n_ctx_train": 32768}),
    PROPS: {"default_generation_settings": {"n_ctx": 4096}, "total_slots": 1},
}

KINDS = {
    "llama.cpp": (LLAMA_CPP, "qwen", ("llama.cpp", ("qwen",), 4096, 1, "/props")),
    "llama.cpp, 4 slots, another name": (
        {**LLAMA_CPP, PROPS: {"default_generation_settings": {"n_ctx": 2048}, "total_slots": 4}},
        "anything",
        ("llama.cpp", ("qwen",), 2048, 4, "/props"),
    ),
    "llama.cpp, /props a web page": (
        {**LLAMA_CPP, PROPS: "<html>llama.cpp</html>"},
        "qwen",
        ("llama.cpp", ("qwen",), None, None, ""),
    ),
    "llama-cpp-python": (
        {MODELS: listing("qwen2.5-coder-0.5b-instruct", owned_by="me", permissions=[])},
        "qwen2.5-coder-0.5b-instruct",
        ("llama.cpp", ("qwen2.5-coder-0.5b-instruct",), None, 1, ""),
    ),
    "llama-cpp-python, another name": (
        {MODELS: listing("qwen2.5-coder-0.5b-instruct", owned_by="me", permissions=[])},
        "test-model",
        ("llama.cpp", ("qwen2.5-coder-0.5b-instruct",), None, 1, ""),
    ),
    "vllm, another name": (
        {MODELS: listing("Qwen/Qwen2.5-7B-Instruct", owned_by="vllm", max_model_len=32768)},
        "qwen",
        ("vllm", ("Qwen/Qwen2.5-7B-Instruct",), None, None, ""),
    ),
    "ollama, num_ctx": (
        {
            MODELS: listing("llama3.1:latest", "qwen2.5:0.5b", owned_by="library"),
            SHOW: {"parameters": OLLAMA_PARAMETERS, "model_info": LLAMA_INFO},
        },
        "llama3.1",
        ("ollama", ("llama3.1:latest", "qwen2.5:0.5b"), 8192, None, "num_ctx in /api/show"),
    ),
    "ollama, loaded": (
        {
            MODELS: listing("llama3.1:latest", owned_by="library"),
            SHOW: {"parameters": 'stop "<|eot_id|>"', "model_info": LLAMA_INFO},
            ("GET", "/api/ps"): {
                "models": [
                    {"name": "qwen2.5:0.5b", "context_length": 2048},
                    {"name": "llama3.1:latest", "context_length": 4096},
                ]
            },
        },
        "llama3.1",
        ("ollama", ("llama3.1:latest",), 4096, None, "/api/ps"),
    ),
    "ollama, the model's own": (
        {MODELS: listing("llama3.1:latest", owned_by="library"), SHOW: {"model_info": LLAMA_INFO}},
        "llama3.1:latest",
        ("ollama", ("llama3.1:latest",), 131072, None, "llama.context_length in /api/show"),
    ),
    "ollama, a model of another namespace": (
        {
            MODELS: listing("bartowski/qwen:Q4", owned_by="bartowski"),
            ("GET", "/api/version"): {"version": "0.5.7"},
            SHOW: {"parameters": OLLAMA_PARAMETERS},
        },
        "bartowski/qwen:Q4",
        ("ollama", ("bartowski/qwen:Q4",), 8192, None, "num_ctx in /api/show"),
    ),
    "vllm": (
        {MODELS: listing("Qwen/Qwen2.5-7B-Instruct", owned_by="vllm", max_model_len=32768)},
        "Qwen/Qwen2.5-7B-Instruct",
        ("vllm", ("Qwen/Qwen2.5-7B-Instruct",), 32768, None, "max_model_len in /models"),
    ),
    "lm studio, loaded": (
        {
            MODELS: listing("qwen2.5-7b-instruct", "llama-3.2-1b", owned_by="organization_owner"),
            ("GET", "/api/v0/models"): {
                "object": "list",
                "data": [
                    {"id": "llama-3.2-1b", "state": "not-loaded", "max_context_length": 131072},
                    {
                        "id": "qwen2.5-7b-instruct",
                        "state": "loaded",
                        "max_context_length": 32768,
                        "loaded_context_length": 8192,
                    },
                ],
            },
        },
        "qwen2.5-7b-instruct",
        (
            "lm studio",
            ("qwen2.5-7b-instruct", "llama-3.2-1b"),
            8192,
            None,
            "loaded_context_length in /api/v0/models",
        ),
    ),
    "lm studio, not loaded": (
        {
            MODELS: listing("llama-3.2-1b", owned_by="organization_owner"),
            ("GET", "/api/v0/models"): {
                "data": [{"id": "llama-3.2-1b", "state": "not-loaded", "max_context_length": 2048}]
            },
        },
        "llama-3.2-1b",
        ("lm studio", ("llama-3.2-1b",), 2048, None, "max_context_length in /api/v0/models"),
    ),
    "lm studio, found by its own endpoint": (
        {
            MODELS: listing("m", owned_by="someone"),
            ("GET", "/api/v0/models"): {"data": [{"id": "m", "max_context_length": 4096}]},
        },
        "m",
        ("lm studio", ("m",), 4096, None, "max_context_length in /api/v0/models"),
    ),
    "llama.cpp, found by its own endpoint": (
        {MODELS: listing("m", owned_by="someone"), PROPS: LLAMA_CPP[PROPS]},
        "m",
        ("llama.cpp", ("m",), 4096, 1, "/props"),
    ),
    "unknown, no listing": ({}, "test-model", ("unknown", (), None, None, "")),
    "unknown, a listing": (
        {MODELS: listing("gpt-x", owned_by="someone")},
        "gpt-x",
        ("unknown", ("gpt-x",), None, None, ""),
    ),
}


@pytest.mark.parametrize(("answers", "model", "expected"), KINDS.values(), ids=KINDS)
async def test_each_server_kind_says_what_it_knows(
    answers: dict[tuple[str, str], Any], model: str, expected: tuple[Any, ...]
) -> None:
    with ModelServer(answers) as server:
        facts = await server_facts(f"{server.url}/v1/", "test-key", model=model, timeout=5)
    assert (
        facts.server,
        facts.models,
        facts.context_tokens,
        facts.slots,
        facts.context_from,
    ) == expected
    assert facts.listed is (MODELS in answers)
    assert not server.seen("/v1/chat")  # the facts cost no completion


def test_a_model_is_served_under_its_name_or_as_its_latest() -> None:
    facts = ServerFacts("ollama", ("llama3.1:latest", "qwen"), None, None, listed=True)
    assert facts.serves("llama3.1") and facts.serves("llama3.1:latest") and facts.serves("qwen")
    assert facts.serves("llama3") is False
    assert ServerFacts("unknown", (), None, None).serves("qwen") is None  # nothing listed


async def test_an_endpoint_that_does_not_answer_is_unavailable() -> None:
    with pytest.raises(
        LLMUnavailable, match=r"cannot reach the LLM endpoint .*: connection refused"
    ):
        await server_facts(f"http://127.0.0.1:{closed_port()}/v1", "k", model="m", timeout=5)
    with ModelServer({}) as server:
        server.fail("/v1/models", Fault(200, delay=1.0))
        with pytest.raises(LLMUnavailable, match=r"did not answer within 0\.3 s"):
            await server_facts(f"{server.url}/v1", "k", model="m", timeout=0.3)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server() -> Iterator[ModelServer]:
    """An OpenAI-compatible endpoint that says nothing of itself."""
    with ModelServer() as server:
        yield server


def probe_cli(
    make_config: ConfigFactory, server: ModelServer | None, **llm: Any
) -> tuple[int, dict[str, str], str]:
    """`config check --probe` on `server`: the exit code, the probe's lines by label (after
    "mode"), and what it printed besides the settings (the folder's name holds the test's)."""
    if server:
        llm["base_url"] = f"{server.url}/v1"
    result = run_cli("config", "check", "--probe", "--config", make_config(llm=llm).path)
    after_mode = result.stdout.split("\nmode ", 1)[-1].splitlines()[1:]
    probe_lines = [line for line in after_mode if not line.startswith("probe ")]  # sources
    lines = {line[:13].strip(): line[13:] for line in probe_lines}
    return result.exit_code, lines, "\n".join(probe_lines) + result.stderr


def test_probe_of_an_endpoint_that_takes_a_strict_schema(
    make_config: ConfigFactory, server: ModelServer
) -> None:
    code, lines, output = probe_cli(make_config, server, concurrency="auto")
    assert code == 0
    assert lines["endpoint"] == (
        f"server of unknown kind at {server.url}/v1; slots not said, "
        "concurrency auto, starting at 2; JSON schema"  # a local server: a few at once
    )
    assert lines["models"] == "not listed (GET /models gives no list)"
    assert lines["context"] == "not said by the server ([llm] context_tokens sets it)"
    assert re.fullmatch(r"about [\d.]+ tokens/s \(12 tokens in [\d.]+ s\)", lines["speed"])
    assert not FAILURE_WORDS.search(output), output
    (asked,) = server.completions  # one short completion, in a strict schema
    assert asked["response_format"]["type"] == "json_schema"
    assert asked["max_tokens"] <= 64 and asked["model"] == "test-model"
    assert server.seen("/v1/models")[0].headers["Authorization"] == "Bearer test-key"


def test_a_schema_refused_with_a_500_means_json_mode(make_config: ConfigFactory) -> None:
    with ModelServer(LLAMA_CPP, strict_schemas=False) as server:
        code, lines, output = probe_cli(make_config, server, concurrency="auto")
    assert code == 0
    assert lines["endpoint"] == (
        f"llama.cpp at {server.url}/v1; 1 slot, concurrency auto, starting at 1; "
        "JSON mode (it does not take a strict schema: HTTP 500)"
    )
    assert lines["models"] == "qwen"
    assert lines["warning"] == "the model test-model is not among the models it lists"
    assert lines["context"] == "4096 tokens (from /props)"
    assert "speed" in lines
    assert not FAILURE_WORDS.search(output), output
    kinds = [c["response_format"]["type"] for c in server.completions]
    assert kinds == ["json_schema", "json_object"]


def test_json_mode_when_the_settings_say_so(
    make_config: ConfigFactory, server: ModelServer
) -> None:
    code, lines, _ = probe_cli(make_config, server, structured_output="json_object")
    assert code == 0
    assert lines["endpoint"].endswith("; JSON mode (structured_output = json_object)")
    assert [c["response_format"]["type"] for c in server.completions] == ["json_object"]


def test_a_strict_schema_forced_on_a_server_that_refuses_it_is_broken(
    make_config: ConfigFactory, server: ModelServer
) -> None:
    server.strict_schemas = False
    code, lines, _ = probe_cli(make_config, server, structured_output="json_schema")
    assert code == 1
    assert lines["endpoint"].endswith("; JSON schema (structured_output = json_schema)")
    assert lines["broken"].startswith(
        'structured_output = "json_schema", but the server refuses a strict schema (HTTP 500: '
    )
    assert lines["broken"].endswith('set structured_output = "auto"')


def test_an_outage_is_no_refusal(make_config: ConfigFactory, server: ModelServer) -> None:
    server.fail("/v1/chat/completions", Fault(503, '{"error": {"message": "loading model"}}'))
    code, lines, _ = probe_cli(make_config, server)
    assert code == 1
    assert lines["broken"] == "no reply from the LLM endpoint: HTTP 503: loading model"
    assert lines["endpoint"].endswith("; JSON schema or mode not known")
    assert len(server.completions) == 1  # not asked again in JSON mode
    assert "speed" not in lines


def test_a_reply_slower_than_the_timeout(make_config: ConfigFactory, server: ModelServer) -> None:
    server.fail("/v1/chat/completions", Fault(200, delay=1.0))
    code, lines, _ = probe_cli(make_config, server, timeout_seconds=0.3)
    assert code == 1
    assert lines["broken"] == (
        "no reply from the LLM endpoint: no reply within 0.3 s (timeout_seconds)"
    )


def test_a_number_still_fixes_the_concurrency(make_config: ConfigFactory) -> None:
    answers = {**LLAMA_CPP, MODELS: listing("test-model", owned_by="llamacpp")}
    with ModelServer(answers) as server:
        code, lines, _ = probe_cli(make_config, server, concurrency=3, context_tokens=8192)
    assert code == 0
    assert lines["endpoint"] == (
        f"llama.cpp at {server.url}/v1; 1 slot, concurrency 3 (a number still fixes it): "
        "2 at a time wait in the server's queue; JSON schema"
    )
    assert "warning" not in lines  # test-model is listed
    assert lines["context"] == "8192 tokens ([llm] context_tokens); the server says 4096"


def test_an_endpoint_that_does_not_answer(make_config: ConfigFactory) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    code, lines, output = probe_cli(make_config, None, base_url=url)
    assert code == 1
    assert lines == {"endpoint": f"cannot reach the LLM endpoint {url}: connection refused"}
    assert "Traceback" not in output and "error:" not in output


def test_without_a_key_nothing_is_asked(make_config: ConfigFactory, server: ModelServer) -> None:
    config = make_config(llm_key=False, llm={"base_url": f"{server.url}/v1"})
    result = run_cli("config", "check", "--probe", "--config", config.path)
    assert result.exit_code == 0
    assert "endpoint     not asked: the LLM is not configured (OPENAI_API_KEY)" in result.stdout
    assert not server.requests


def test_without_probe_nothing_is_asked(make_config: ConfigFactory, server: ModelServer) -> None:
    result = run_cli(
        "config", "check", "--config", make_config(llm={"base_url": f"{server.url}/v1"}).path
    )
    assert result.exit_code == 0
    assert not re.search(r"^endpoint ", result.stdout, re.M)
    assert not server.requests
