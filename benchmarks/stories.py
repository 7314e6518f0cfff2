"""Story recognition over a month of labelled candidates (November 2023, written for it).

Replays benchmarks/stories_month.txt day by day through the real selection and a real
SQLite store (each day's digest saved as `generate` saves it, after `--history` days of
older synthetic digests), for several thresholds, with [stories] on_repeat = "update", and
prints for each: repeats caught (of true repeats: the same post again, a repost, the same
link, another post of a story covered in the last `--lookback` days or shown higher today),
distinct stories wrongly merged, and trending titles that repeat a recent story. Then the
scorers compared on title pairs, and time per day against the old exact-title selection.

    python benchmarks/stories.py [--lookback 14] [--history 3650]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from digestbot.core.models import Digest, DigestMode, SourcePost, Topic, Trending  # noqa: E402
from digestbot.core.select import SelectionRules, select_topics, select_trending  # noqa: E402
from digestbot.core.stories import StoryRules, content_words, strip_flair, title_key  # noqa: E402
from digestbot.storage.store import open_store  # noqa: E402

MONTH = Path(__file__).with_name("stories_month.txt")
RULES = SelectionRules()


@dataclass(frozen=True)
class Item:
    day: int
    kind: str  # "m": a main candidate, "t": a trending one
    story: str
    post: SourcePost


def load() -> list[Item]:
    items, first_seen = [], {}
    for n, line in enumerate(MONTH.read_text().splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        day, kind, story, pid, score, link, title, body = (f.strip() for f in line.split("|"))
        pid = pid or f"p{n}"
        first_seen.setdefault(pid, int(day))
        created = collected(first_seen[pid]) - timedelta(hours=6)
        post = SourcePost(pid, "reddit:MachineLearning", title, f"https://www.reddit.com/{pid}",
                          created, body=body, link=link, score=int(score))  # fmt: skip
        items.append(Item(int(day), kind, story, post))
    return items


def collected(day: int) -> datetime:
    return datetime(2023, 11, day, 5, 30, tzinfo=UTC)


@dataclass
class Figures:
    repeats: int = 0
    caught: int = 0
    merged_wrongly: int = 0
    trending_repeats: int = 0  # trending titles shown that tell a recent story
    trending_left_out: int = 0  # trending titles left out that told none
    trending_caught: int = 0  # trending titles left out that told a recent story
    seconds: list[float] = field(default_factory=list)


def old_selection(store, day, main, trending):
    """The selection before stories: exact title keys, ids covered before."""
    # The queries it made: every covered id, and the recent trending titles.
    rows = store.db.rows("select post_id from digest_topics where day != ?", [day.isoformat()])
    covered_ids = {row["post_id"] for row in rows}
    since = day - timedelta(days=RULES.trending_lookback_days)
    rows = store.db.rows(
        "select title from digest_trending where day >= ? and day < ?",
        [since.isoformat(), day.isoformat()],
    )
    recent = {title_key(row["title"]) for row in rows}
    topics, seen, fresh = [], set(), timedelta(hours=RULES.max_age_hours)
    for post in sorted(main, key=lambda p: p.score, reverse=True):
        key, new = title_key(post.title), collected(day.day) - post.created_utc <= fresh
        if new and post.id not in covered_ids and key not in seen and len(topics) < RULES.topics:
            seen.add(key)
            topics.append(Topic(post=post, title=strip_flair(post.title)))
    excluded, picked = seen | recent, []
    for post in trending:
        key = title_key(post.title)
        if key not in excluded and len(picked) < RULES.trending_max:
            excluded.add(key)
            picked.append(Trending(post.id, post.title, post.url))
    return tuple(topics), tuple(picked)


def new_selection(store, day, main, trending, stories: StoryRules):
    ids = [p.id for p in main]
    covered = store.stories.covered(day, stories.lookback_days, RULES.trending_lookback_days, ids)
    topics = select_topics(main, covered, RULES, stories, now=collected(day.day))
    return topics, select_trending(trending, topics, covered, RULES, stories)


def replay(items: list[Item], stories: StoryRules | None, history: Path) -> Figures:
    """The month, day by day, on a copy of the history; `stories` None: the old selection."""
    label = {i.post.id: i.story for i in items}
    figures, seen = Figures(), Seen()
    lookback = stories.lookback_days if stories else 14
    path = history.with_name(f"replay-{time.monotonic_ns()}.db")
    path.write_bytes(history.read_bytes())
    with open_store(str(path)) as store:
        for n in range(1, 31):
            day = date(2023, 11, n)
            main = [i.post for i in items if i.day == n and i.kind == "m"]
            trending = [i.post for i in items if i.day == n and i.kind == "t"]
            started = time.perf_counter()
            if stories:
                topics, picked = new_selection(store, day, main, trending, stories)
            else:
                topics, picked = old_selection(store, day, main, trending)
            figures.seconds.append(time.perf_counter() - started)
            score_main(figures, seen, topics, main, label, n, lookback)
            score_trending(figures, seen, topics, trending, picked, label, n)
            seen.add(day, topics, picked, label)
            store.digests.save(
                Digest(day, collected(n), "", DigestMode.HEADLINES, topics, picked, ()), None
            )
    path.unlink()
    return figures


@dataclass
class Seen:
    """What the replay published so far, by true story."""

    topics: dict[str, list[int]] = field(default_factory=dict)  # story -> days, as a topic
    trending: dict[str, list[int]] = field(default_factory=dict)  # story -> days, trending
    titles: dict[tuple[date, str], set[str]] = field(default_factory=dict)  # topic -> stories
    ids: set[str] = field(default_factory=set)

    def add(self, day: date, topics, picked, label) -> None:
        for t in topics:
            self.titles[(day, t.title)] = {label[p.id] for p in t.posts}
            for p in t.posts:
                self.topics.setdefault(label[p.id], []).append(day.day)
                self.ids.add(p.id)
        for t in picked:
            self.trending.setdefault(label[t.post_id], []).append(day.day)


def score_main(figures, seen: Seen, topics, main, label, n: int, lookback: int) -> None:
    """Each candidate ranked above today's last topic, and each post merged into one."""
    heads = {t.post.id: t for t in topics}
    merged = {p.id: t for t in topics for p in t.also}
    fresh = timedelta(hours=RULES.max_age_hours)  # older posts are left out for their age
    ranked = [
        p for p in sorted(main, key=lambda p: -p.score) if collected(n) - p.created_utc <= fresh
    ]
    last = max((ranked.index(t.post) for t in topics), default=-1)
    today: set[str] = set()
    for post in [p for i, p in enumerate(ranked) if i <= last or p.id in merged]:
        story = label[post.id]
        told = any(n - lookback <= d < n for d in seen.topics.get(story, ()))
        repeat = told or story in today or post.id in seen.ids
        today.add(story)
        if post.id in heads and heads[post.id].update_of is None:
            figures.repeats += repeat  # shown as new: right, or a repeat missed
            continue
        if post.id in heads:  # an update: of the right story?
            first = heads[post.id].update_of
            right = story in seen.titles.get((first.day, first.title), ())
        elif post.id in merged:  # one of a topic's posts: of the right story?
            right = label[merged[post.id].post.id] == story
        else:  # left out: the same post as an earlier topic's, or the same title
            right = repeat
        figures.repeats += repeat or right
        figures.caught += right
        figures.merged_wrongly += not right


def score_trending(figures, seen: Seen, topics, trending, picked, label, n: int) -> None:
    """Each trending candidate up to the last one picked."""
    recent = {label[p.id] for t in topics for p in t.posts}
    recent |= {s for s, days in seen.topics.items() if any(n - 7 <= d < n for d in days)}
    recent |= {s for s, days in seen.trending.items() if any(n - 7 <= d < n for d in days)}
    chosen = [t.post_id for t in picked]
    considered = trending
    if len(picked) == RULES.trending_max:
        considered = trending[: [p.id for p in trending].index(chosen[-1]) + 1]
    for post in considered:
        story = label[post.id]
        if post.id in chosen:
            figures.trending_repeats += story in recent
            recent.add(story)
        elif story not in recent:
            figures.trending_left_out += 1
        else:
            figures.trending_caught += 1


def build_history(path: Path, days: int) -> None:
    """`days` digests before the month, of made-up words: the history the queries read."""
    with open_store(str(path)) as store:
        for n in range(days, 0, -1):
            day = date(2023, 11, 1) - timedelta(days=n)
            moment = datetime.combine(day, datetime.min.time(), UTC)
            posts = [
                SourcePost(f"h{n}-{k}", "reddit:MachineLearning", f"w{n} w{k} x{n * k % 97}",
                           f"https://www.reddit.com/h{n}-{k}", moment, body=f"w{n} " * 40,
                           link=f"https://example.org/{n}/{k}")
                for k in range(7)
            ]  # fmt: skip
            merged = Topic(posts[4], posts[4].title, also=(posts[5], posts[6]))
            topics = (*(Topic(p, p.title) for p in posts[:4]), merged)
            trending = tuple(Trending(f"t{n}-{k}", f"v{n} v{k}", "") for k in range(5))
            store.digests.save(
                Digest(day, moment, "", DigestMode.HEADLINES, topics, trending, ()), None
            )


def compare_scorers(items: list[Item]) -> None:
    """Title pairs within two weeks, by scorer and threshold: same-story pairs found, and
    pairs of two stories taken for one (with the matcher's two-words-in-common rule)."""
    from rapidfuzz import fuzz

    scorers = {
        "token_set_ratio": fuzz.token_set_ratio,
        "token_sort_ratio": fuzz.token_sort_ratio,
        "WRatio": fuzz.WRatio,
        "partial_ratio": fuzz.partial_ratio,
        "ratio": fuzz.ratio,
    }
    unique = {(i.day, i.post.title): i for i in items}.values()
    pairs = [
        (content_words(a.post.title), content_words(b.post.title), a.story == b.story)
        for a, b in itertools.combinations(unique, 2)
        if abs(a.day - b.day) <= 14 and a.post.title != b.post.title
    ]
    pairs = [(a, b, same) for a, b, same in pairs if len(set(a.split()) & set(b.split())) >= 2]
    thresholds = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
    print(
        f"\nscorers on {len(pairs)} title pairs sharing two words "
        f"({sum(s for *_, s in pairs)} of one story): found / taken wrongly for one"
    )
    print(" " * 18 + "".join(f"{t:>10}" for t in thresholds))
    for name, scorer in scorers.items():
        scores = [(scorer(a, b) / 100, same) for a, b, same in pairs]
        cells = [
            f"{sum(s >= t and y for s, y in scores)}/{sum(s >= t and not y for s, y in scores)}"
            for t in thresholds
        ]
        print(f"{name:<18}" + "".join(f"{c:>10}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookback", type=int, default=14)
    parser.add_argument("--history", type=int, default=3650)
    args = parser.parse_args()
    items = load()
    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "history.db"
        build_history(history, args.history)
        baseline = replay(items, None, history)
        grid = {}
        for title, text in itertools.product(
            (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9), (0.5, 0.6, 0.7, 0.8)
        ):
            rules = StoryRules(
                lookback_days=args.lookback, title_similarity=title, text_similarity=text
            )
            grid[(title, text)] = replay(items, rules, history)
    main_count = sum(i.kind == "m" for i in items)
    print(
        f"{main_count} main and {len(items) - main_count} trending candidates over 30 days; "
        f"{args.history} older digests in the history; lookback {args.lookback} days\n"
        "title  text   repeats caught   wrongly merged   trending: repeats left out, shown; "
        "left out wrongly"
    )
    for (title, text), f in [(("old", ""), baseline), *grid.items()]:
        print(
            f"{title:<6} {text:<6} {f.caught:>6} of {f.repeats:<7} {f.merged_wrongly:>14}"
            f"   {f.trending_caught:>18}, {f.trending_repeats:>5}; {f.trending_left_out}"
        )
    best = max(grid, key=lambda k: (-grid[k].merged_wrongly - grid[k].trending_left_out,
                                    grid[k].caught, k))  # fmt: skip
    print(
        f"chosen default: title_similarity = {best[0]}, text_similarity = {best[1]} (fewest "
        "wrong merges, then most repeats caught, then the stricter thresholds)"
    )
    old_ms = statistics.median(baseline.seconds) * 1000
    new_ms = statistics.median(grid[best].seconds) * 1000
    print(
        f"time per day (history read and selection), median: {new_ms:.2f} ms against "
        f"{old_ms:.2f} ms for the old exact-title selection ({new_ms / old_ms:.2f}x)"
    )
    compare_scorers(items)


if __name__ == "__main__":
    main()
