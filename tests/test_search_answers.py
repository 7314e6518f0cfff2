"""What search says: `digestbot search` (text and JSON), `history` with its topic counts,
and `/digest search` as Discord and Slack show it, inside their limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from digestbot.chat.discord import render as discord_render
from digestbot.chat.slack import render as slack_render
from digestbot.core.models import AnalysisStatus, Coverage, SearchHit, SearchPage
from tests.conftest import ConfigFactory, run_cli
from tests.limits import check_discord, check_slack, sections
from tests.test_search import edition, topic

SITE = "https://digest.example.org"


@pytest.fixture
def config(make_config: ConfigFactory):
    """A history of three days under a blog at SITE (its posts in /blog/, the folder's name)."""
    from digestbot.storage.store import open_store

    config = make_config(blog={"site_url": SITE})
    with open_store(config.settings.storage.database) as store:
        for day, made in [
            (
                date(2026, 11, 1),
                topic("QLoRA on one GPU", "Adapters cut memory.", link="https://arxiv.org/abs/1"),
            ),
            (date(2026, 11, 5), topic("A survey of agents", "It covers LoRA and more.")),
            (date(2026, 11, 9), topic("Weather models")),
        ]:
            store.digests.save(edition(day, made), None)
    return config


def search(config, *args: str):
    return run_cli("--config", str(config.path), "search", *args)


def test_the_first_line_says_when_it_was_last_covered(config) -> None:
    result = search(config, "lora")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == '"lora": last covered on 2026-11-05, in 2 digests (2 matches)'
    block = lines[lines.index("2026-11-01  QLoRA on one GPU") :]
    assert block[1:4] == [
        "            Adapters cut memory.",
        f"            {SITE}/blog/2026-11-01-ai-auto-summary/",
        "            " + topic("QLoRA on one GPU").post.url,
    ]
    assert block[4] == "            https://arxiv.org/abs/1"


def test_json_newest_first_with_links(config) -> None:
    found = json.loads(search(config, "lora", "--newest", "--json").stdout)
    assert {k: found[k] for k in ("query", "page", "pages", "total", "digests")} == {
        "query": "lora", "page": 1, "pages": 1, "total": 2, "digests": 2,
    }  # fmt: skip
    assert found["last_day"] == "2026-11-05"
    assert [r["day"] for r in found["results"]] == ["2026-11-05", "2026-11-01"]
    first = found["results"][0]
    assert set(first) >= {"day", "title", "kind", "snippet", "links"}
    assert first["links"][0] == f"{SITE}/blog/2026-11-05-ai-auto-summary/"
    assert first["links"][1].startswith("https://www.reddit.com/")
    assert found["hits"] == found["results"]  # the key scripts read before


def test_nothing_found_and_a_page_past_the_end(config) -> None:
    nothing = search(config, "zebra")
    assert nothing.exit_code == 0
    assert nothing.stdout == '"zebra": no matches in any digest\n'
    past = search(config, "lora", "--page", "5")
    assert past.exit_code == 1
    assert "page 5 of 1: no more results" in past.stderr
    assert past.stdout.startswith('"lora": last covered on 2026-11-05')


def test_history_counts_grounded_unverified_and_updates(make_config: ConfigFactory) -> None:
    from digestbot.core.models import Analysis
    from digestbot.storage.store import open_store

    config = make_config()
    ok = topic("Checked", "Good.")
    made = [
        ok,  # verified quotes: grounded
        replace(ok, analysis=replace(ok.analysis, verified=False)),  # unverified
        replace(ok, analysis=replace(ok.analysis, verified=None)),  # never checked
        replace(ok, analysis=Analysis(AnalysisStatus.FAILED, error="down")),  # the source's words
        replace(topic("Skipped"), update_of=Coverage(date(2026, 10, 1), "Before")),
    ]
    with open_store(config.settings.storage.database) as store:
        store.digests.save(
            edition(date(2026, 11, 2), *[replace(t, title=f"T{i}") for i, t in enumerate(made)]),
            None,
        )
        store.digests.save(edition(date(2026, 11, 3)), None)
    rows = json.loads(run_cli("--config", str(config.path), "history", "--json").stdout)
    counts = [
        {k: r[k] for k in ("day", "topics", "grounded", "unverified", "updates")} for r in rows
    ]
    assert counts == [
        {"day": "2026-11-03", "topics": 0, "grounded": 0, "unverified": 0, "updates": 0},
        {"day": "2026-11-02", "topics": 5, "grounded": 3, "unverified": 2, "updates": 1},
    ]
    text = run_cli("--config", str(config.path), "history").stdout
    assert "5 (3 grounded, 2 unverified, 1 failed, 1 updates)" in text


# -- /digest search in chat ------------------------------------------------------------

LONG_URL = "https://e.example/" + "a" * 494  # 512: the longest link that stays a link


def page(title: str, snippet: str, links: tuple[str, ...], hits: int = 10) -> SearchPage:
    found = tuple(
        SearchHit(
            date(2026, 11, 20 - n), title, links[1] if links[1:] else "", "topic", snippet, links
        )
        for n in range(hits)
    )
    return SearchPage("lora", 1, 4, 37, found, last_day=date(2026, 11, 20), digests=14)


def test_the_answer_in_chat() -> None:
    found = page(
        "QLoRA on one GPU",
        "Adapters cut memory.",
        (f"{SITE}/p/", "https://www.reddit.com/c/1/", "https://arxiv.org/abs/1"),
        1,
    )
    (message,) = discord_render.render_search(found)
    lines = message.content.split("\n")
    assert (
        lines[0]
        == '**"lora"**: last covered on 2026-11-20, in 14 digests (37 matches), page 1 of 4'
    )
    assert lines[1] == f"`2026-11-20` [QLoRA on one GPU](<{SITE}/p/>)"
    assert lines[2] == "> Adapters cut memory."
    assert (
        lines[3]
        == "↳ [reddit.com](<https://www.reddit.com/c/1/>) · [arxiv.org](<https://arxiv.org/abs/1>)"
    )
    slack = sections(slack_render.render_search(found))[0].split("\n")
    assert (
        slack[0] == '*"lora"*: last covered on 2026-11-20, in 14 digests (37 matches), page 1 of 4'
    )
    assert slack[1] == f"`2026-11-20` <{SITE}/p/|QLoRA on one GPU>"


def test_a_page_past_the_end_in_chat() -> None:
    past = SearchPage("lora", 5, 4, 37, (), last_day=date(2026, 11, 20), digests=14)
    (message,) = discord_render.render_search(past)
    assert message.content.endswith("\nPage 5 of 4: no more results.")
    nothing = SearchPage("zebra", 1, 1, 0, ())
    assert (
        discord_render.render_search(nothing)[0].content == '**"zebra"**: no matches in any digest'
    )


@pytest.mark.parametrize(
    "text",
    ["word " * 200, "x" * 1000, "@everyone <!channel> <@1> **bold** [a](http://b) & > # " * 20],
)
def test_a_full_page_fits_the_platforms(text: str) -> None:
    """Ten hits, every title and snippet long and every link the longest that stays one:
    Discord takes as many messages as it needs and loses no hit; so does Slack; untrusted text stays inert."""
    found = page(text, text, (LONG_URL, LONG_URL + "b", LONG_URL + "c"))
    messages = discord_render.render_search(found)
    check_discord(messages)
    lines = [line for m in messages for line in (m.content or "").split("\n")]
    assert [line[1:11] for line in lines if line.startswith("`")] == [
        h.day.isoformat() for h in found.hits
    ]
    assert "@everyone" not in "".join(lines) and "<@1>" not in "".join(lines)
    slack = slack_render.render_search(found)
    check_slack(slack)
    shown = "\n".join(sections(slack))
    assert "<!channel>" not in shown and "<@1>" not in shown
    assert [line[1:11] for line in shown.split("\n") if line.startswith("`")] == [
        h.day.isoformat() for h in found.hits
    ]  # every hit, over as many messages as it takes


def test_a_page_of_ordinary_hits_is_whole_in_one_slack_message() -> None:
    title = "A fairly long title of a topic about adapters for large language models, " * 2
    snippet = "…" + "words around the match " * 7 + "…"
    links = (
        f"{SITE}/posts/2026-11-20-ai-auto-summary/",
        "https://www.reddit.com/r/MachineLearning/comments/1abcdef/a_fairly_long_title_of_a_topic_about_adapters/",
        "https://arxiv.org/abs/2305.14314",
    )
    found = page(title, snippet, links)
    (slack,) = slack_render.render_search(found)
    check_slack([slack])
    shown = "\n".join(sections([slack])).split("\n")
    assert [line[1:11] for line in shown if line.startswith("`")] == [
        h.day.isoformat() for h in found.hits
    ]


async def test_chat_search_best_first_or_newest_first(config) -> None:
    from datetime import timedelta

    from digestbot.core.commands import DigestService
    from digestbot.core.models import DigestRequest, Want
    from digestbot.storage.store import open_store

    async def no_digest(day, force=False):  # a search makes no digest
        raise AssertionError("search made a digest")

    with open_store(config.settings.storage.database) as store:
        service = DigestService(store, no_digest, cooldown=timedelta(0))
        for text, days in [("search lora", ["2026-11-01", "2026-11-05"]),
                           ("search lora newest", ["2026-11-05", "2026-11-01"])]:  # fmt: skip
            reply = await service.handle_text(text, "U1", False)
            assert [h.day.isoformat() for h in reply.search.hits] == days
        asked = DigestRequest("U1", want=Want.SEARCH, query="lora", newest=True)
        assert (await service.handle(asked)).search.hits[0].day.isoformat() == "2026-11-05"
