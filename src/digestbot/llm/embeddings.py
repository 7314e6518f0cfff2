"""Embeddings of the stories' texts from the endpoint's /v1/embeddings, where it has them.

They are optional: an endpoint without embeddings (404, 400, 501, a refused connection, a
timeout, an answer that is not a list of vectors) leaves stories matched by their text
alone, and says so once; a run asks for each text once and keeps the vectors in memory."""

from __future__ import annotations

import math
from collections.abc import Sequence

import httpx2
import openai
from openai import AsyncOpenAI

from digestbot.core.stories import Similar, by_vectors
from digestbot.llm.server_facts import why_failed

BATCH = 512  # texts a request; a day's candidates and recent topics are one or two batches


class StoryEmbeddings:
    """The endpoint's embeddings for one run. `note` says why there are none, once."""

    def __init__(self, client: AsyncOpenAI, model: str, *, timeout: float = 20.0) -> None:
        self._client = client.with_options(timeout=timeout, max_retries=0)
        self._model = model
        self._timeout = timeout
        self._vectors: dict[str, list[float]] = {}
        self.note = ""

    async def similarity(self, texts: Sequence[str]) -> Similar | None:
        """A Similar over the embeddings of `texts` (core.stories.story_texts), or None
        when the endpoint has none: selection then compares text alone."""
        if self.note:
            return None
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        try:
            for start in range(0, len(missing), BATCH):
                await self._ask(missing[start : start + BATCH])
        except (openai.OpenAIError, ValueError, TypeError) as exc:
            self.note = f"stories matched by their text only: {self._reason(exc)}"
            return None
        return by_vectors(self._vectors)

    async def _ask(self, texts: list[str]) -> None:
        answer = await self._client.embeddings.create(
            model=self._model, input=texts, encoding_format="float"
        )
        data = sorted(answer.data or [], key=lambda item: item.index)
        vectors = [list(map(float, item.embedding)) for item in data]
        sizes = {len(v) for v in vectors}
        usable = len(vectors) == len(texts) and len(sizes) == 1 and not sizes & {0}
        if not usable or not all(math.isfinite(x) for v in vectors for x in v):
            raise ValueError("its answer is not one vector a text")
        self._vectors.update(zip(texts, vectors, strict=True))

    def _reason(self, exc: Exception) -> str:
        if isinstance(exc, openai.NotFoundError):
            return "the endpoint has no /v1/embeddings (404)"
        if isinstance(exc, openai.APIStatusError):
            return f"the endpoint's /v1/embeddings answered {exc.status_code}"
        if isinstance(exc, openai.APITimeoutError):
            return f"the endpoint's /v1/embeddings did not answer within {self._timeout:g} s"
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__
            why = why_failed(cause) if isinstance(cause, httpx2.HTTPError) else str(cause or exc)
            return f"the endpoint's /v1/embeddings could not be reached ({why})"
        return f"the endpoint's embeddings were not usable ({exc})"
