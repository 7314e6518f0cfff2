"""A day of ten sources collected at once, against the same ten fetched one after another.

Ten `[[sources]]` of mixed kinds (six web feeds, two arXiv categories, Hacker News, a
subreddit's RSS) in a settings file, opened by `open_sources` as a run opens them and
fetched by the real adapters from local fakes, each fake answering after a delay of its
own (50..500 ms; Hacker News, a listing then its stories, takes two round trips of half
its delay). The fakes run in a process of their own, as the real sites are elsewhere, so
their work does not share the measured event loop.

Prints the median over the repetitions of: the slowest source collected alone (the
floor), the ten collected at once (`concurrency=10`) and one after another
(`concurrency=1`), all measured in the same run; the figures are the ratios concurrent /
slowest (goal: about 1) and concurrent / sequential (about slowest / sum of delays).

    python benchmarks/collect.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestbot.app.sources import open_sources  # noqa: E402
from digestbot.config import loader  # noqa: E402
from digestbot.core.collect import NamedSource, collect  # noqa: E402

# (name, kind, what to read, the delay before its fake answers, in seconds)
SOURCES = (
    ("Lab blog", "feed", "/blog/feed.xml", 0.05),
    ("arXiv cs.LG", "arxiv", "cs.LG", 0.10),
    ("Trainer releases", "feed", "/example/trainer/releases.atom", 0.15),
    ("r/MachineLearning", "reddit", "MachineLearning", 0.20),
    ("Journal", "feed", "/journal/rss", 0.25),
    ("arXiv stat.ML", "arxiv", "stat.ML", 0.30),
    ("Hacker News", "hackernews", "top", 0.35),
    ("Other lab blog", "feed", "/blog/feed.xml", 0.40),
    ("Project releases", "feed", "/example/trainer/releases.atom", 0.45),
    ("Slow journal", "feed", "/journal/rss", 0.50),
)
SLOWEST = max(SOURCES, key=lambda s: s[3])[0]


def serve_fakes(pipe) -> None:
    """One fake per source, in a process of their own: sends their URLs, then waits."""
    from tests.fakes.feed_server import FakeFeeds
    from tests.fakes.hackernews import FakeHackerNews
    from tests.fakes.reddit import FakeReddit, reddit_post

    with ExitStack() as running:
        urls = []
        for _, kind, _, delay in SOURCES:
            if kind == "reddit":
                posts = [reddit_post(f"Post {i}", score=100 - i) for i in range(25)]
                fake = FakeReddit({"MachineLearning": posts})
            elif kind == "hackernews":
                fake, delay = FakeHackerNews(), delay / 2  # the listing, then its stories
            else:
                fake = FakeFeeds()
            fake.delay = delay
            urls.append(running.enter_context(fake).url)
        pipe.send(urls)
        pipe.recv()  # the benchmark is done


def settings(folder: Path, urls: list[str]) -> Path:
    tables = []
    for (name, kind, what, _), url in zip(SOURCES, urls, strict=True):
        where = {
            "feed": f'url = "{url}{what}"',
            "arxiv": f'category = "{what}"\napi_url = "{url}/api"',
            "reddit": f'subreddit = "{what}"\napi_url = "{url}"',
            "hackernews": f'listing = "{what}"\napi_url = "{url}/v0"',
        }[kind]
        tables.append(f'[[sources]]\nkind = "{kind}"\nname = "{name}"\n{where}\n')
    path = folder / "digestbot.toml"
    path.write_text(
        f'[storage]\ndatabase = "{folder / "history.db"}"\nblog_dir = "{folder / "blog"}"\n\n'
        + "\n".join(tables)
    )
    return path


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def measure(sources: list[NamedSource], repeats: int) -> dict[str, list[float]]:
    """Each way timed `repeats` times, the three interleaved so that drift hits all alike."""
    now = datetime.now(UTC)
    slowest = [s for s in sources if s.name == SLOWEST]
    collection = await collect(sources, now, concurrency=10)  # warm-up, and a check
    if collection.problems:
        raise SystemExit(f"a source failed: {collection.problems}")
    counts = {s.name: sum(p.source == s.name for p in collection.main) for s in sources}
    print("posts per source:", ", ".join(f"{n} {c}" for n, c in counts.items()))
    walls: dict[str, list[float]] = {"slowest": [], "concurrent": [], "sequential": []}
    for _ in range(repeats):
        walls["slowest"].append(await timed(lambda: collect(slowest, now, concurrency=1)))
        walls["concurrent"].append(await timed(lambda: collect(sources, now, concurrency=10)))
        walls["sequential"].append(await timed(lambda: collect(sources, now, concurrency=1)))
    return walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    fakes = multiprocessing.Process(target=serve_fakes, args=(theirs,), daemon=True)
    fakes.start()
    try:
        urls = ours.recv()
        with tempfile.TemporaryDirectory() as tmp:
            config = loader.load(str(settings(Path(tmp), urls)), env_file=None, environ={})
            walls = asyncio.run(measure(open_sources(config), args.repeats))
    finally:
        ours.send("done")
        fakes.join(10)
    slowest, concurrent, sequential = (
        statistics.median(walls[k]) for k in ("slowest", "concurrent", "sequential")
    )
    delays = sorted(s[3] for s in SOURCES)
    print(
        f"{len(SOURCES)} sources (6 feeds, 2 arXiv, Hacker News, Reddit RSS), fakes answer "
        f"after {delays[0] * 1000:.0f}..{delays[-1] * 1000:.0f} ms (sum {sum(delays):.2f} s); "
        f"median of {args.repeats}"
    )
    print(f"{f'slowest alone ({SLOWEST})':<30}{slowest:.3f} s")
    print(
        f"{'concurrent (10 at once)':<30}{concurrent:.3f} s   {concurrent / slowest:.2f}x the "
        f"slowest, {concurrent / sequential:.2f}x sequential"
    )
    print(
        f"{'sequential (1 at a time)':<30}{sequential:.3f} s   "
        f"{sequential / slowest:.2f}x the slowest"
    )


if __name__ == "__main__":
    main()
