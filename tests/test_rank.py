"""One ranking across sources: a source's own order kept, scores of different scales made
comparable, weights and freshness deciding between sources. A fixed `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from digestbot.core.models import SourcePost
from digestbot.core.rank import FRESHNESS_HOURS, ranked

NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)


def post(id: str, source: str, score: int = 0, hours_old: float = 1) -> SourcePost:
    return SourcePost(
        id=id,
        source=source,
        title=id.upper(),
        url=f"https://example.org/{id}",
        created_utc=NOW - timedelta(hours=hours_old),
        score=score,
    )


def ids(posts: list[SourcePost]) -> list[str]:
    return [p.id for p in posts]


one_source = st.lists(
    st.tuples(st.integers(-50, 5000), st.floats(0, 72), st.floats(0, 5)), max_size=30
)


@given(one_source)
def test_one_source_by_score_is_todays_stable_sort(items: list[tuple[int, float, float]]) -> None:
    posts = [post(f"p{i}", "r/x", score, age) for i, (score, age, _) in enumerate(items)]
    weight = items[0][2] if items else 1.0
    today = sorted(posts, key=lambda p: p.score, reverse=True)
    assert ranked(posts, {"r/x": weight}, NOW, by_score=True) == today


@given(one_source)
def test_one_source_in_listing_order_keeps_it(items: list[tuple[int, float, float]]) -> None:
    posts = [post(f"p{i}", "Trends", score, age) for i, (score, age, _) in enumerate(items)]
    assert ranked(posts, {}, NOW, by_score=False) == posts


def test_scores_in_thousands_do_not_swamp_scores_in_tens() -> None:
    reddit = [post("r1", "r/ml", 5000), post("r2", "r/ml", 2000), post("r3", "r/ml", 500)]
    hn = [post("h1", "Hacker News", 40), post("h2", "Hacker News", 30)]
    # Shares: r1 1, r2 .4, r3 .1; h1 1, h2 .75.
    assert ids(ranked([*reddit, *hn], {}, NOW, by_score=True)) == ["r1", "h1", "h2", "r2", "r3"]


def test_a_source_without_scores_ranks_by_its_place() -> None:
    feed = [post(f"f{i}", "blog.example") for i in range(4)]  # shares 1, .75, .5, .25
    hn = [post("h1", "Hacker News", 100), post("h2", "Hacker News", 60)]  # 1, .6
    assert ids(ranked([*feed, *hn], {}, NOW, by_score=True)) == ["f0", "h1", "f1", "h2", "f2", "f3"]


def test_a_heavier_source_moves_up_and_weight_zero_puts_it_last() -> None:
    a = [post("a1", "A", 100), post("a2", "A", 50)]
    b = [post("b1", "B", 10), post("b2", "B", 8)]
    both = [*a, *b]
    assert ids(ranked(both, {}, NOW, by_score=True)) == ["a1", "b1", "b2", "a2"]
    assert ids(ranked(both, {"A": 3}, NOW, by_score=True)) == ["a1", "a2", "b1", "b2"]
    assert ids(ranked(both, {"B": 2}, NOW, by_score=True)) == ["b1", "b2", "a1", "a2"]
    assert ids(ranked(both, {"A": 0}, NOW, by_score=True)) == ["b1", "b2", "a1", "a2"]


def test_freshness_decides_between_equal_shares() -> None:
    old = post("old", "A", 100, hours_old=30)
    new = post("new", "B", 7, hours_old=2)
    assert ids(ranked([old, new], {}, NOW, by_score=True)) == ["new", "old"]
    assert ids(ranked([new, old], {}, NOW, by_score=True)) == ["new", "old"]
    # A day older is worth about half: twice the weight just makes up for it.
    day_old = post("day", "A", 100, hours_old=FRESHNESS_HOURS + 1)
    fresh = post("fresh", "B", 7, hours_old=1)
    assert ids(ranked([fresh, day_old], {"A": 2}, NOW, by_score=True)) == ["day", "fresh"]
    assert ids(ranked([day_old, fresh], {"A": 1.9}, NOW, by_score=True)) == ["fresh", "day"]


def test_a_source_keeps_its_own_order_however_old_its_best() -> None:
    # A's best is old and its next is fresh: the fresh one may not pass its better, so B's
    # middling post comes between neither of them.
    a = [post("a1", "A", 100, hours_old=47), post("a2", "A", 90, hours_old=0)]
    b = [post("b1", "B", 10, hours_old=0), post("b2", "B", 5, hours_old=0)]
    result = ids(ranked([*a, *b], {}, NOW, by_score=True))
    assert result.index("a1") < result.index("a2")
    assert result == ["b1", "b2", "a1", "a2"]


def test_trending_lists_keep_their_listing_order_and_interleave() -> None:
    news = [post("n1", "News", 0), post("n2", "News", 900), post("n3", "News", 0)]
    hn = [post("h1", "Hacker News", 300), post("h2", "Hacker News", 200)]
    result = ids(ranked([*news, *hn], {}, NOW, by_score=False))
    assert result == ["n1", "h1", "n2", "h2", "n3"]


def test_negative_scores_count_as_nothing() -> None:
    a = [post("a1", "A", 10), post("a2", "A", -30)]
    b = [post("b1", "B", 1), post("b2", "B", 0)]
    assert ids(ranked([*a, *b], {}, NOW, by_score=True)) == ["a1", "b1", "a2", "b2"]


def test_the_teams_liking_may_reorder_a_sources_own_posts() -> None:
    a, b, c = post("a", "r/ml", 100), post("b", "r/ml", 90), post("c", "r/ml", 80)
    liked = {"c": 2.0, "a": 0.5}
    shown = ranked([a, b, c], {}, NOW, by_score=True, liking=lambda p: liked.get(p.id, 1.0))
    assert ids(shown) == ["c", "b", "a"]  # 1.6, 0.9, 0.5 of the best
    assert ids(ranked([a, b, c], {}, NOW, by_score=True)) == ["a", "b", "c"]
