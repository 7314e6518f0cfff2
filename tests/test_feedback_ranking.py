"""`selection.learn_from_feedback`: what the team voted for weighs the next days'
ranking, through the real history: a day's digest delivered, votes on its topic's
message, and the next day's candidates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from digestbot.app.digests import App
from digestbot.core.models import Collection, Digest, DigestMode, SourcePost, Topic
from digestbot.sources import replay
from tests.conftest import ConfigFactory

VOTED_DAY = date(2026, 11, 19)
NOW = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)


def post(id: str, title: str, source: str, score: int) -> SourcePost:
    created = NOW - timedelta(hours=2)
    return SourcePost(id, source, title, f"https://x.example/{id}", created, score=score)


def voted_history(app: App) -> None:
    """Yesterday's topic about robots, from Hacker News, liked by five people in Slack."""
    liked = post("hn:1", "Robots learn to fold laundry", "Hacker News", 300)
    digest = Digest(
        VOTED_DAY,
        NOW - timedelta(days=1),
        "",
        DigestMode.HEADLINES,
        (Topic(liked, liked.title),),
        (),
        (),
    )
    with app.wiring.open_store() as store:
        store.digests.save(digest, None)
        store.ledger.mark_sending(VOTED_DAY, "slack", "C0000000111", 1, "k1", "f1", "hn:1")
        store.ledger.mark_sent(
            VOTED_DAY, "slack", "C0000000111", 1, "1764460800.000100", "f1", "hn:1"
        )
        for user in range(5):
            assert store.votes.record(
                "slack", "C0000000111", "1764460800.000100", f"U{user}", "+1", 1
            )


def todays_first(app: App, tmp_path: Path) -> str:
    candidates = (
        post("a", "A faster tokenizer for every language", "r/MachineLearning", 100),
        post("b", "Robots learn to stack boxes", "r/MachineLearning", 70),
    )
    day = tmp_path / "day.json"
    day.write_text(replay.dumps(Collection(NOW, candidates, ())))
    return asyncio_run(app.generate(replay_file=day, dry_run=True)).digest.topics[0].post.id


def asyncio_run(coro):
    import asyncio

    return asyncio.run(coro)


def test_a_liked_subject_ranks_a_post_first_only_when_learning(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    selection = {"topics": 1, "max_age_hours": 72}
    learning = App(
        make_config(llm_key=False, selection={**selection, "learn_from_feedback": True}),
        clock=lambda: NOW,
    )
    voted_history(learning)
    assert todays_first(learning, tmp_path) == "b"  # the robots, liked yesterday
    # The same history (make_config writes the same database's path), learning off.
    off = App(make_config(llm_key=False, selection=selection), clock=lambda: NOW)
    assert todays_first(off, tmp_path) == "a"  # by score, as without votes
