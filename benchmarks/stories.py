"""Story recognition over months of labelled candidates (November and December 2023,
written for it: two months of other stories, so that a rule fitting one shows in the other).

Replays each benchmarks/stories_YYYY-MM.txt day by day through the real selection and a real
SQLite store (each day's digest saved as `generate` saves it, after `--history` days of
older synthetic digests), for several thresholds, with [stories] on_repeat = "update", and
prints for each: repeats caught (of true repeats: the same post again, a repost, the same
link, another post of a story covered in the last `--lookback` days or shown higher today),
distinct stories wrongly merged, and trending titles that repeat a recent story. Then the
scorers compared on title pairs, and time per day against the old exact-title selection.

    python benchmarks/stories.py [--lookback 14] [--history 3650] [--month 2023-12]
"""

from __future__ import annotations

import argparse
import calendar
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
from digestbot.core.stories import (  # noqa: E402
    CoveredTopic,
    StoryRules,
    Telling,
    covered_telling,
    same_story,
    strip_flair,
    title_key,
)
from digestbot.storage.store import open_store  # noqa: E402

MONTHS = sorted(Path(__file__).parent.glob("stories_????-??.txt"))
RULES = SelectionRules()


@dataclass(frozen=True)
class Item:
    day: int
    kind: str  # "m": a main candidate, "t": a trending one
    story: str
    post: SourcePost


@dataclass(frozen=True)
class Month:
    name: str  # YYYY-MM
    items: tuple[Item, ...]

    @property
    def first(self) -> date:
        return date.fromisoformat(f"{self.name}-01")

    @property
    def days(self) -> int:
        return calendar.monthrange(self.first.year, self.first.month)[1]

    def collected(self, day: int) -> datetime:
        return datetime.combine(self.first.replace(day=day), datetime.min.time(), UTC).replace(
            hour=5, minute=30
        )


def load(path: Path) -> Month:
    month = Month(path.stem.removeprefix("stories_"), ())
    items, first_seen = [], {}
    for n, line in enumerate(path.read_text().splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        day, kind, story, pid, score, link, title, body = (f.strip() for f in line.split("|"))
        pid = pid or f"p{n}"
        first_seen.setdefault(pid, int(day))
        created = month.collected(first_seen[pid]) - timedelta(hours=6)
        post = SourcePost(pid, "reddit:MachineLearning", title, f"https://www.reddit.com/{pid}",
                          created, body=body, link=link, score=int(score))  # fmt: skip
        items.append(Item(int(day), kind, story, post))
    return Month(month.name, tuple(items))


@dataclass
class Figures:
    repeats: int = 0
    caught: int = 0
    merged_wrongly: int = 0
    trending_repeats: int = 0  # trending titles shown that tell a recent story
    trending_left_out: int = 0  # trending titles left out that told none
    trending_caught: int = 0  # trending titles left out that told a recent story
    seconds: list[float] = field(default_factory=list)


def old_selection(store, day, main, trending, now: datetime):
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
        key, new = title_key(post.title), now - post.created_utc <= fresh
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


def new_selection(store, day, main, trending, now: datetime, stories: StoryRules):
    ids = [p.id for p in main]
    covered = store.stories.covered(day, stories.lookback_days, RULES.trending_lookback_days, ids)
    topics = select_topics(main, covered, RULES, stories, now=now)
    return topics, select_trending(trending, topics, covered, RULES, stories)


def replay(month: Month, stories: StoryRules | None, history: Path) -> Figures:
    """The month, day by day, on a copy of the history; `stories` None: the old selection."""
    items = month.items
    label = {i.post.id: i.story for i in items}
    figures, seen = Figures(), Seen()
    lookback = stories.lookback_days if stories else 14
    path = history.with_name(f"replay-{time.monotonic_ns()}.db")
    path.write_bytes(history.read_bytes())
    with open_store(str(path)) as store:
        for n in range(1, month.days + 1):
            day, now = month.first.replace(day=n), month.collected(n)
            main = [i.post for i in items if i.day == n and i.kind == "m"]
            trending = [i.post for i in items if i.day == n and i.kind == "t"]
            started = time.perf_counter()
            if stories:
                topics, picked = new_selection(store, day, main, trending, now, stories)
            else:
                topics, picked = old_selection(store, day, main, trending, now)
            figures.seconds.append(time.perf_counter() - started)
            score_main(figures, seen, topics, main, label, now, lookback)
            score_trending(figures, seen, topics, trending, picked, label, n)
            seen.add(day, topics, picked, label)
            store.digests.save(Digest(day, now, "", DigestMode.HEADLINES, topics, picked, ()), None)
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


def score_main(figures, seen: Seen, topics, main, label, now: datetime, lookback: int) -> None:
    """Each candidate ranked above today's last topic, and each post merged into one."""
    heads = {t.post.id: t for t in topics}
    merged = {p.id: t for t in topics for p in t.also}
    fresh = timedelta(hours=RULES.max_age_hours)  # older posts are left out for their age
    ranked = [p for p in sorted(main, key=lambda p: -p.score) if now - p.created_utc <= fresh]
    n = now.day
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


def build_history(path: Path, days: int, before: date) -> None:
    """`days` digests before the months, of made-up words: the history the queries read."""
    with open_store(str(path)) as store:
        for n in range(days, 0, -1):
            day = before - timedelta(days=n)
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


def archive_pairs(folder: Path, lookback: int) -> None:
    """The titles of a blog's posts (topics and trending) that the matcher joins within
    `lookback` days of each other, for a person to judge: the archive has no labels."""
    from digestbot.blog.importer import parse_post
    from digestbot.core.errors import PostError

    titles: dict[tuple[date, str], Telling] = {}
    for path in sorted(folder.glob("*.md")):
        try:
            digest = parse_post(path.read_text(encoding="utf-8")).digest
        except PostError:
            continue
        for title in [t.title for t in digest.topics] + [t.title for t in digest.trending]:
            titles[(digest.day, title)] = covered_telling(CoveredTopic(digest.day, title))
    joined = [
        (why, day_a, a, day_b, b)
        for ((day_a, a), ta), ((day_b, b), tb) in itertools.combinations(titles.items(), 2)
        if abs((day_a - day_b).days) <= lookback and a != b
        and (why := same_story(ta, tb, StoryRules()))
    ]  # fmt: skip
    print(f"\n{len(joined)} pairs joined among {len(titles)} titles of {folder}:")
    for why, day_a, a, day_b, b in joined:
        print(f"  {why:<5} {day_a} {a[:70]}\n        {day_b} {b[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookback", type=int, default=14)
    parser.add_argument("--history", type=int, default=3650)
    parser.add_argument("--month", action="append", help="YYYY-MM (default: every month)")
    parser.add_argument(
        "--archive", type=Path, help="a folder of blog posts: list the titles joined there"
    )
    args = parser.parse_args()
    months = [load(path) for path in MONTHS]
    months = [m for m in months if not args.month or m.name in args.month]
    thresholds = list(itertools.product((0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7), (0.6, 0.7, 0.8)))
    baseline: dict[str, Figures] = {}
    grid: dict[tuple[float, float], dict[str, Figures]] = {k: {} for k in thresholds}
    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "history.db"
        build_history(history, args.history, min(m.first for m in months))
        for month in months:
            baseline[month.name] = replay(month, None, history)
            for title, text in thresholds:
                rules = StoryRules(
                    lookback_days=args.lookback, title_similarity=title, text_similarity=text
                )
                grid[(title, text)][month.name] = replay(month, rules, history)
    print(
        f"{args.history} older digests in the history; lookback {args.lookback} days; for each "
        "month: repeats caught of true repeats, stories wrongly merged, and trending titles "
        "(repeats left out, shown; left out wrongly)"
    )
    for month in months:
        main_count = sum(i.kind == "m" for i in month.items)
        print(
            f"{month.name}: {main_count} main and {len(month.items) - main_count} trending "
            f"candidates over {month.days} days"
        )
    print("title  text  " + "".join(f"{m.name:>34}" for m in months))
    for (title, text), figures in [(("old", ""), baseline), *grid.items()]:
        cells = [figures[m.name] for m in months]
        print(
            f"{title:<6} {text:<5}"
            + "".join(
                f"{f.caught:>7} of {f.repeats:<3} {f.merged_wrongly:>3}"
                f"   {f.trending_caught:>3}, {f.trending_repeats:>3}; {f.trending_left_out:<2}"
                for f in cells
            )
        )

    def fitness(key: tuple[float, float]) -> tuple:
        """No wrong merge first (a wrong merge hides news; a repeat missed only shows a
        story again), then the most repeats caught, topics and trending titles."""
        cells = grid[key].values()
        wrong = sum(f.merged_wrongly + f.trending_left_out for f in cells)
        return -wrong, sum(f.caught + f.trending_caught for f in cells), key

    best = max(grid, key=fitness)
    print(
        f"chosen default: title_similarity = {best[0]}, text_similarity = {best[1]} (no "
        "story wrongly merged in any month, then the most repeats caught, topics and trending "
        "titles; then the stricter thresholds)"
    )
    for month in months:
        old_ms = statistics.median(baseline[month.name].seconds) * 1000
        new_ms = statistics.median(grid[best][month.name].seconds) * 1000
        print(
            f"{month.name}: time per day (history read and selection), median: {new_ms:.2f} ms "
            f"against {old_ms:.2f} ms for the old exact-title selection ({new_ms / old_ms:.2f}x)"
        )
    if args.archive:
        archive_pairs(args.archive, args.lookback)


if __name__ == "__main__":
    main()
