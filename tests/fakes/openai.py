"""A fake OpenAI-compatible chat completions endpoint that answers our prompts in kind.

It reads what a real model would: the requested response format, the topic title and
the listed events in the prompt. `latency` delays every answer; `script()` sets how the
next answers to prompts holding some text go wrong ("malformed", "refusal", "blank",
"truncated"); `strict_schemas` False makes it reject json_schema as local servers do.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer, json_response


class FakeOpenAI(FakeServer):
    def __init__(self, latency: float = 0.0, strict_schemas: bool = True) -> None:
        self.latency = latency
        self.strict_schemas = strict_schemas
        self._scripts: dict[str, deque[str]] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self._count_lock = threading.Lock()
        super().__init__()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._complete)

    def script(self, prompt_text: str, *kinds: str) -> None:
        self._scripts.setdefault(prompt_text, deque()).extend(kinds)

    def _scripted(self, prompt: str) -> str:
        with self._count_lock:
            for text, kinds in self._scripts.items():
                if text in prompt and kinds:
                    return kinds.popleft()
        return "good"

    @property
    def completions(self) -> list[Any]:
        return [r.json() for r in self.seen("/v1/chat/completions")]

    async def _complete(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization", "") != "Bearer test-key":
            return json_response(
                {
                    "error": {
                        "message": "Incorrect API key",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
                status=401,
            )
        payload = await request.json()
        response_format = payload.get("response_format", {})
        if response_format.get("type") == "json_schema" and not self.strict_schemas:
            return json_response(
                {
                    "error": {
                        "message": "response_format json_schema is not supported",
                        "type": "invalid_request_error",
                    }
                },
                status=400,
            )
        with self._count_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency)
        finally:
            with self._count_lock:
                self.in_flight -= 1
        prompt = "\n".join(m["content"] for m in payload["messages"])
        kind = self._scripted(prompt)
        content: str | None = self._answer(prompt)
        finish, refusal = "stop", None
        if kind == "malformed":
            content = '{"benefits": "unfinished'
        elif kind == "blank":
            content = json.dumps({"benefits": " ", "ramifications": ""})
        elif kind == "refusal":
            content, refusal = None, "I can't help with that."
        elif kind == "truncated":
            finish = "length"
        prompt_tokens = len(prompt) // 4
        return json_response(
            {
                "id": f"chatcmpl-{time.monotonic_ns()}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": payload["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": refusal},
                        "finish_reason": finish,
                        "logprobs": None,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": 120,
                    "total_tokens": prompt_tokens + 120,
                },
            }
        )

    @staticmethod
    def _answer(prompt: str) -> str:
        if "predictions" in prompt and (events := re.findall(r"^- (.+)$", prompt, re.M)):
            return json.dumps(
                {
                    "predictions": [
                        {
                            "event": e,
                            "predicted": "2031",
                            "rationale": f"Steady progress makes {e.lower()} plausible by then.",
                        }
                        for e in events
                    ]
                }
            )
        title = m[1] if (m := re.search(r"Title: (.*)", prompt)) else "this topic"
        return json.dumps(
            {
                "benefits": f"Work on {title} could make models cheaper to train.",
                "ramifications": f"{title} also raises questions of cost and misuse.",
            },
            ensure_ascii=False,
        )
