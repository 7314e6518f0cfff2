"""The LLM side of a run, assembled: the endpoint's client, what the server is known to
take (its context window and slots as it says them, and what earlier runs learned of it),
and the Analyst over them. Imported only when an API key is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from openai import AsyncOpenAI

from digestbot.config.loader import Config
from digestbot.core.analyse import Analyst
from digestbot.core.answers import Pricing
from digestbot.core.errors import LLMUnavailable
from digestbot.core.limiter import ConcurrencyLimit
from digestbot.llm.openai_chat import STRICT, OpenAIChat
from digestbot.llm.pacing import MAX_CONCURRENCY, OPENAI_URL, starting_concurrency
from digestbot.llm.prompts import PromptTemplate
from digestbot.llm.server_facts import ServerFacts, server_facts
from digestbot.storage.store import Store

FACTS_TIMEOUT = 5.0


async def known_facts(base_url: str, key: str, model: str) -> tuple[ServerFacts, bool]:
    """What the server says of itself, and whether it refused the connection outright (it
    is down: each call then tries once and says so, instead of a minute of retries). A
    server that is only slow to answer (busy) is not down."""
    try:
        return await server_facts(base_url, key, model=model, timeout=FACTS_TIMEOUT), False
    except LLMUnavailable as exc:  # the calls themselves say what is wrong, in their place
        down = isinstance(exc.__cause__, httpx2.ConnectError)
        return ServerFacts(server="unknown", models=(), context_tokens=None, slots=None), down


@asynccontextmanager
async def open_analyst(
    config: Config, store: Store, prompts: tuple[PromptTemplate, PromptTemplate]
) -> AsyncIterator[Analyst]:
    s, key = config.settings.llm, config.secrets.openai_api_key
    assert key is not None
    endpoint = config.llm_base_url or OPENAI_URL
    learned = store.endpoints.get(endpoint, s.model) or {}
    facts, down = await known_facts(endpoint, key.get_secret_value(), s.model)
    adaptive = s.concurrency == "auto"
    start = (
        starting_concurrency(endpoint, facts.slots, learned.get("concurrency"))
        if adaptive
        else int(s.concurrency)
    )
    limit = ConcurrencyLimit(
        start,
        cap=MAX_CONCURRENCY,
        adaptive=adaptive,
        ceiling=learned.get("concurrency") or facts.slots,
    )
    context = s.context_tokens or facts.context_tokens
    # A small context window holds a shorter answer rather than none: at most a quarter.
    max_output = min(s.max_output_tokens, context // 4) if context else s.max_output_tokens

    def remember_level(level: str) -> None:
        store.endpoints.remember(endpoint, s.model, structured_output=level)

    async with AsyncOpenAI(
        api_key=key.get_secret_value(),
        base_url=config.llm_base_url,
        timeout=s.timeout_seconds,  # the longest wait for the next bytes of a streamed reply
        max_retries=0,  # retried in OpenAIChat, where every request is counted
    ) as client:
        llm = OpenAIChat(
            client,
            s.model,
            structured_output=s.structured_output,
            start_at=learned.get("structured_output") or STRICT,
            server=facts.server,
            remember=remember_level,
            temperature=s.temperature,
            max_output_tokens=max_output,
            max_retries=0 if down else s.max_retries,
        )
        yield Analyst(
            llm,
            store.cache,
            *prompts,
            limit=limit,
            source_budget_tokens=s.source_budget_tokens,
            pricing=Pricing(s.price_input_per_mtok, s.price_output_per_mtok),
            context_tokens=context,
            max_output_tokens=max_output,
            unverified=s.unverified,
        )
    if limit.learned:  # the most it takes, found the hard way: the next run starts there
        store.endpoints.remember(endpoint, s.model, concurrency=limit.limit)
