"""Search latency over ten years of daily digests (3,650 of them, synthetic).

Builds a history of `--days` digests (5 topics with ~80-word analyses, 5 trending
titles each) in a temporary SQLite file through the real store, then times page-one
searches, as `digestbot search` and `/digest search` run them: words that are in
half the history (the worst case: every match is ranked) and words that are rare.

    python benchmarks/search.py [--days 3650] [--queries 300]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestbot.core.commands import search_page  # noqa: E402
from digestbot.core.models import (  # noqa: E402
    Analysis,
    AnalysisStatus,
    Digest,
    DigestMode,
    SourcePost,
    Topic,
    Trending,
)
from digestbot.storage.store import open_store  # noqa: E402

TERMS = [
    "lora", "transformer", "diffusion", "agent", "retrieval", "quantization", "benchmark",
    "alignment", "tokenizer", "distillation", "multimodal", "reasoning", "robotics", "speech",
    "vision", "sparse", "attention", "mixture", "experts", "pruning", "federated", "privacy",
    "watermark", "evaluation",
]  # fmt: skip


def words(rng: random.Random, vocabulary: list[str], count: int) -> str:
    return " ".join(rng.choice(vocabulary) for _ in range(count))


def synthetic(day: date, rng: random.Random, vocabulary: list[str]) -> Digest:
    moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=5, minutes=30)
    topics = tuple(
        Topic(
            post=SourcePost(
                id=f"{day}-{n}",
                source="reddit:MachineLearning",
                title=words(rng, vocabulary, 9),
                url=f"https://www.reddit.com/{day}/{n}",
                created_utc=moment,
            ),
            title=words(rng, vocabulary, 9),
            analysis=Analysis(
                AnalysisStatus.OK, words(rng, vocabulary, 80), words(rng, vocabulary, 80)
            ),
        )
        for n in range(5)
    )
    trending = tuple(
        Trending(f"{day}-t{n}", words(rng, vocabulary, 12), "https://example.org") for n in range(5)
    )
    return Digest(day, moment, "bench-model", DigestMode.FULL, topics, trending, ())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(5000)] + TERMS * 20  # terms are common, not everywhere
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        store = open_store(str(path))
        started = time.perf_counter()
        first = date(2016, 1, 1)
        for n in range(args.days):
            store.digests.save(synthetic(first + timedelta(days=n), rng, vocabulary), None)
        built = time.perf_counter() - started
        kinds = {
            "common word (in ~half the topics)": lambda: rng.choice(TERMS),
            "two common words": lambda: f"{rng.choice(TERMS)} {rng.choice(TERMS)}",
            "rarer word (in ~600 topics)": lambda: rng.choice(vocabulary[:5000]),
        }
        results = {}
        for kind, make in kinds.items():
            timings, totals = [], []
            for _ in range(args.queries):
                query = make()
                started = time.perf_counter()
                found = search_page(store, query)
                timings.append((time.perf_counter() - started) * 1000)
                totals.append(found.total)
            results[kind] = (timings, totals)
        size = path.stat().st_size / 1e6
        store.close()
    print(
        f"{args.days} digests ({args.days * 5} topics, {args.days * 5} trending titles): "
        f"built in {built:.1f} s, {size:.0f} MB"
    )
    print(f"{args.queries} searches of each kind, page one (10 results):")
    for kind, (timings, totals) in results.items():
        print(
            f"  {kind:<36} p50 {statistics.median(timings):5.1f} ms"
            f"   p95 {percentile(timings, 0.95):5.1f} ms   max {max(timings):5.1f} ms"
            f"   median matches {statistics.median(totals):.0f}"
        )


if __name__ == "__main__":
    main()
