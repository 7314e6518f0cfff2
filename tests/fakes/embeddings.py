"""A fake OpenAI-compatible /v1/embeddings: each text's vector counts its words, each word
hashed to one of `dims` places, so texts with words in common are alike, deterministically.
`available` False answers 404 there, as an endpoint without embeddings does; scripted
faults (FakeServer.fail) give any other status or a delay."""

from __future__ import annotations

import re
import zlib

from aiohttp import web

from tests.fakes.server import FakeServer, json_response


def vector(text: str, dims: int) -> list[float]:
    counts = [0.0] * dims
    for word in re.findall(r"\w+", text.casefold()):
        counts[zlib.crc32(word.encode()) % dims] += 1.0
    return counts


class FakeEmbeddings(FakeServer):
    def __init__(self, dims: int = 64, available: bool = True) -> None:
        self.dims = dims
        self.available = available
        super().__init__()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/embeddings", self._embed)

    async def _embed(self, request: web.Request) -> web.Response:
        if not self.available:
            raise web.HTTPNotFound()
        asked = await request.json()
        texts = asked["input"] if isinstance(asked["input"], list) else [asked["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": vector(text, self.dims)}
            for i, text in enumerate(texts)
        ]
        tokens = sum(len(t) // 4 for t in texts)
        return json_response(
            {
                "object": "list",
                "data": data,
                "model": asked["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    def texts_asked(self) -> list[str]:
        return [t for seen in self.seen("/v1/embeddings") for t in seen.json()["input"]]
