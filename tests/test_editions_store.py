"""A channel's edition is kept whole and comes back equal, whatever it holds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Article,
    Coverage,
    Digest,
    DigestMode,
    Prediction,
    SourcePost,
    Topic,
    Trending,
    Usage,
)
from digestbot.storage.editions import Editions, from_json, to_json
from digestbot.storage.store import open_store

DAY = date(2026, 11, 20)
MOMENT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)


def post(n: int, **extra: object) -> SourcePost:
    return SourcePost(
        f"p{n}", "Hacker News", f"Title {n} «ü»", f"https://x.example/{n}", MOMENT, **extra
    )


def edition() -> Digest:
    full = Topic(
        post(1, body="Body.", link="https://a.example/1", score=5, nsfw=False),
        "Title 1",
        Analysis(AnalysisStatus.OK, "Vorteile.", "Folgen.", quotes=("q1", "q2"), verified=True),
        Article("https://a.example/1", "Text.", "T", ""),
        also=(post(2),),
        update_of=Coverage(date(2026, 11, 10), "Earlier", "https://blog.example/p/"),
    )
    bare = Topic(post(3), "Title 3", Analysis(AnalysisStatus.FAILED, error="timeout"))
    return Digest(
        day=DAY,
        generated_at=MOMENT,
        model="m",
        mode=DigestMode.FULL,
        topics=(full, bare, Topic(post(4), "Title 4")),
        trending=(Trending("t1", "Trend", "https://t.example"),),
        predictions=(Prediction("AGI", "2040", "Because."),),
        usage=Usage(3, 1, 100, 50, 0.01),
        notes=("a note",),
        problems=("a problem",),
        wanted_topics=3,
        url="https://blog.example/posts/x/",
        headline_reason="",
    )


def test_an_edition_comes_back_equal() -> None:
    assert from_json(to_json(edition())) == edition()


def test_a_days_editions_are_replaced_whole(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "h.db")) as store:
        editions = Editions(store.db)
        editions.save(
            DAY, {"slack:C0000000111": edition(), "discord:123456789012345678": edition()}
        )
        editions.save(DAY, {"slack:C0000000111": edition()})
        assert editions.load(DAY) == {"slack:C0000000111": edition()}
        assert editions.load(date(2026, 11, 21)) == {}


def test_an_editions_links_follow_the_blogs_address() -> None:
    from dataclasses import replace

    from digestbot.core.links import with_links

    day = replace(edition(), editions=(("slack:C0000000111", edition()),))
    linked = with_links(day, lambda d: f"https://blog.example/posts/{d}/")
    own = linked.edition_for("slack", "C0000000111")
    assert own.url == linked.url == "https://blog.example/posts/2026-11-20/"
    assert own.topics[0].update_of is not None
    assert own.topics[0].update_of.url == "https://blog.example/posts/2026-11-10/"
