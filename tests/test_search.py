"""Full-text search over history: the CLI, /digest search, and the store beneath them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from digestbot.app.archive import import_posts
from digestbot.app.digests import App
from digestbot.chat.discord import render as discord_render
from digestbot.chat.slack import render as slack_render
from digestbot.core.commands import DigestService, search_page
from digestbot.core.models import Want
from tests.conftest import ConfigFactory, run_cli
from tests.test_store import digest

POSTS = Path(__file__).parent / "fixtures" / "posts"


@pytest.fixture
def app(make_config: ConfigFactory) -> App:
    app = App(make_config())
    import_posts(app.wiring, [POSTS])
    return app


def test_search_finds_titles_and_analyses_best_first(app: App) -> None:
    with app.wiring.open_store() as store:
        found = search_page(store, "quantized")
        assert [(h.day, h.kind) for h in found.hits] == [(date(2023, 6, 19), "topic")]
        # A title match ranks above a match in the analysis only.
        titles = [h.title for h in search_page(store, "benchmark").hits]
        assert titles[0] == "[R] A benchmark for agents that book travel end to end"
        assert "Benchmark Shows Retrieval Beats Long Context on Multi-Hop Questions" in titles
        # Stems and prefixes: "model" finds "Models"; case does not matter.
        assert search_page(store, "MODEL").total >= 2


@pytest.mark.parametrize("query", ['"', "lora OR", "a AND (b", "*", "title:x", "NEAR(", "'; drop"])
def test_any_query_is_safe(app: App, query: str) -> None:
    with app.wiring.open_store() as store:
        found = search_page(store, query)
    assert found.total >= 0


def test_results_are_paged(app: App) -> None:
    with app.wiring.open_store() as store:
        for n in range(25):
            day = date(2020, 1, 1) + timedelta(days=n)
            store.digests.save(
                replace(
                    digest(day, [f"x{n}"]),
                    topics=tuple(
                        replace(t, title=f"Paging test topic {n}")
                        for t in digest(day, [f"x{n}"]).topics
                    ),
                ),
                None,
            )
        first, third = search_page(store, "paging"), search_page(store, "paging", 3)
    assert (first.total, first.pages, len(first.hits)) == (25, 3, 10)
    assert len(third.hits) == 5
    assert not {h.title for h in first.hits} & {h.title for h in third.hits}


def test_search_command(app: App) -> None:
    result = run_cli("--config", str(app.config.path), "search", "open", "weights")
    assert result.exit_code == 0
    assert "Open weights for a 70B code model" in result.output and "2025-03-04" in result.output


async def test_digest_search_in_chat(app: App) -> None:
    with app.wiring.open_store() as store:
        service = DigestService(store, app.digest_for, cooldown=timedelta(0))
        reply = await service.handle_text("search open weights page 1", "U1", False)
    assert reply.search is not None and reply.search.hits[0].title.startswith("Open weights")
    discord = discord_render.render_search(reply.search)[0].content
    assert "`2025-03-04` Open weights for a 70B code model" in discord
    slack = slack_render.render_search(reply.search)
    assert "Open weights for a 70B code model" in slack.blocks[0]["text"]["text"]


def test_search_words_are_what_is_asked() -> None:
    from digestbot.core.commands import parse_text

    request = parse_text("search lora adapters page 2", "U1", False)
    assert (request.want, request.query, request.page) == (Want.SEARCH, "lora adapters", 2)


def test_a_word_in_a_title_outweighs_the_same_word_often_in_an_analysis(app: App) -> None:
    from digestbot.core.models import Analysis, AnalysisStatus

    day = date(2021, 5, 5)
    base = digest(day, ["in-title", "in-text"])
    titled, texted = base.topics
    topics = (
        replace(titled, title="Sparse gates for routing"),
        replace(
            texted,
            title="A survey of routing",
            analysis=Analysis(AnalysisStatus.OK, "gates " * 8, "gates and more gates"),
        ),
    )
    with app.wiring.open_store() as store:
        store.digests.save(replace(base, topics=topics), None)
        hits = search_page(store, "gates").hits
    assert [h.title for h in hits[:2]] == ["Sparse gates for routing", "A survey of routing"]
