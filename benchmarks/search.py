"""Search latency over ten years of daily digests (3,650 of them, synthetic), against the
search before issue 11 in the same run.

Builds a history of `--days` digests through the real store: 5 topics a day with two
~80-word analyses and two quotes, 5 trending titles, in English-like text (common words
often, a long tail of rare ones, "model" in about half of the topics). Then times page one
of `/digest search` and `digestbot search` as they run (the count, the last-covered line,
the page, its snippets and links) for a common word, a rare word, a phrase and a part of
a word; and the same queries on the old query (porter indexes, every match ranked and
joined before the page was cut), built on the same rows, as the baseline.

    python benchmarks/search.py [--days 3650] [--queries 200]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
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
from digestbot.storage.store import Store, open_store  # noqa: E402

COMMON = """the of and to a in is that for it as with be on not this are by or can could
would from at an which more their they have will may than but its teams these other use
research open new data results work users make while also between smaller labs faster
costs help others people systems tools without access easier better risk risks before
safety training inference compute weights paper code release benchmark benchmarks
evaluation evaluations performance tasks task quality scale larger small large cheaper
harder review reviewers practice field progress methods method approach approaches
techniques problem problems questions answers hardware software memory latency budget
open-source community companies industry product products deployment deploy deployed
researchers engineers students developers hobbyists startups vendors regulators public
trust errors failures mistakes bias fairness privacy security attacks misuse abuse
language vision speech audio images video text documents agents agent retrieval search
reasoning planning learning reinforcement fine-tuning tuning pretraining dataset datasets
labels annotation synthetic generated generation generative predictions prediction
transformer transformers attention diffusion lora qlora quantization quantized
distillation mixture experts sparse pruning tokenizer tokenizers embedding embeddings
multimodal alignment rlhf llama mistral gpt claude gemini robotics federated watermark
interpretability autoencoders monosemantic long-context gpu gpus cuda kernels throughput
accuracy overfitting regularization optimizer adam gradient exploration AI ML RL"""
COMMON_WORDS = COMMON.split()
MODEL = ("model", "models", "modeling", "modelling")
# English letters by frequency (per mille), for the made-up words of the long tail.
LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
LETTER_WEIGHTS = (127, 91, 82, 75, 70, 67, 63, 61, 60, 43, 40, 28, 28, 24, 24, 22, 20, 20, 20, 15,
                  10, 8, 2, 2, 1, 1)  # fmt: skip


class Writer:
    """Words in Zipf's proportions: common English first, then a long tail of rare words
    made up of letters in English proportions; "model" (or its forms) at a fixed rate."""

    def __init__(self, rng: random.Random, model_rate: float = 0.0095) -> None:
        self.rng = rng
        tail = {
            "".join(rng.choices(LETTERS, LETTER_WEIGHTS, k=rng.randint(4, 10)))
            for _ in range(20_000)
        }
        self.words = [*COMMON_WORDS, *sorted(tail)]
        self.rare = sorted(tail)
        self.cumulative = list(itertools.accumulate(1 / (r + 2) for r in range(len(self.words))))
        self.model_rate = model_rate

    def word(self) -> str:
        if self.rng.random() < self.model_rate:
            return self.rng.choice(MODEL)
        return self.words[bisect.bisect(self.cumulative, self.rng.random() * self.cumulative[-1])]

    def sentence(self, count: int) -> str:
        text = " ".join(self.word() for _ in range(count))
        return text[:1].upper() + text[1:]

    def text(self, count: int) -> str:
        sentences = []
        while count > 0:
            length = min(count, self.rng.randint(8, 20))
            sentences.append(self.sentence(length) + ".")
            count -= length
        return " ".join(sentences)


def synthetic(day: date, writer: Writer, analysis_words: int = 80) -> Digest:
    """A full digest: 5 analysed topics (every other a link post), 5 trending titles."""
    moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=5, minutes=30)
    topics = tuple(
        Topic(
            post=SourcePost(
                id=f"{day:%Y%m%d}{n}",
                source="reddit:MachineLearning",
                title=writer.sentence(9),
                url=f"https://www.reddit.com/r/MachineLearning/comments/{day:%Y%m%d}{n}/",
                link=f"https://arxiv.org/abs/{day:%y%m}.{day.day:03d}{n:02d}" if n % 2 else "",
                created_utc=moment,
            ),
            title=writer.sentence(9),
            analysis=Analysis(
                AnalysisStatus.OK,
                writer.text(analysis_words),
                writer.text(analysis_words),
                quotes=(writer.sentence(12), writer.sentence(10)),
                verified=True,
            ),
        )
        for n in range(5)
    )
    trending = tuple(
        Trending(f"{day:%Y%m%d}t{n}", writer.sentence(12), f"https://www.reddit.com/t/{n}")
        for n in range(5)
    )
    return Digest(day, moment, "bench-model", DigestMode.FULL, topics, trending, ())


def build(store: Store, days: int, writer: Writer, analysis_words: int = 80) -> None:
    first = date(2016, 1, 1)
    for start in range(0, days, 100):
        with store.db.transaction():
            for n in range(start, min(start + 100, days)):
                store.digests.save(
                    synthetic(first + timedelta(days=n), writer, analysis_words), None
                )


# -- the search before issue 11, on porter indexes built here on the same rows ----------

OLD_HITS = """
    select t.day, t.title, coalesce(p.url, '') as url, 'topic' as kind,
           bm25(old_topics_fts, 10.0, 1.0, 1.0) as rank
    from old_topics_fts f
    join digest_topics t on t.rowid = f.rowid
    left join source_posts p on p.id = t.post_id
    where old_topics_fts match :match
    union all
    select r.day, r.title, r.url, 'trending' as kind, bm25(old_trending_fts) as rank
    from old_trending_fts f
    join digest_trending r on r.rowid = f.rowid
    where old_trending_fts match :match
"""


def build_old_indexes(store: Store) -> None:
    with store.db.transaction():
        for name, table, columns in (
            ("old_topics_fts", "digest_topics", "title, benefits, ramifications"),
            ("old_trending_fts", "digest_trending", "title"),
        ):
            store.db.execute(
                f"create virtual table {name} using fts5({columns}, content = {table}, "
                "tokenize = porter)"
            )
            store.db.execute(f"insert into {name}({name}) values ('rebuild')")


def old_search(store: Store, query: str) -> int:
    """The count and page one as the search before issue 11 made them."""
    import re

    words = re.findall(r"\w+", query)
    match = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
    args = {"match": match, "limit": 10, "offset": 0}
    total = store.db.one(f"select count(*) as n from ({OLD_HITS})", args)
    store.db.rows(
        f"select day, title, url, kind from ({OLD_HITS}) order by rank, day desc "
        "limit :limit offset :offset",
        args,
    )
    return total["n"] if total else 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(run, queries: list[str]) -> tuple[list[float], list[int]]:
    timings, totals = [], []
    for query in queries:
        started = time.perf_counter()
        totals.append(run(query))
        timings.append((time.perf_counter() - started) * 1000)
    return timings, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    writer = Writer(rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        store = open_store(str(path))
        started = time.perf_counter()
        build(store, args.days, writer)
        built = time.perf_counter() - started
        build_old_indexes(store)
        texts = [r["benefits"] for r in store.db.rows("select benefits from digest_topics")]
        kinds = {
            'common word ("model")': lambda: "model",
            "rare word": lambda: rng.choice(writer.rare),
            "phrase (two words of a topic)": lambda: phrase(rng, texts),
            'part of a word ("odel", "ransfo", ...)': lambda: rng.choice(PARTS),
        }
        post_url = "https://digest.example.org/posts/{}-ai-auto-summary/".format
        print(
            f"{args.days} digests ({args.days * 5} topics, {args.days * 5} trending titles): "
            f"built in {built:.1f} s, {path.stat().st_size / 1e6:.0f} MB"
        )
        print(f"{args.queries} searches of each kind, page one (10 results), in ms:")
        for kind, make in kinds.items():
            queries = [make() for _ in range(args.queries)]
            new, totals = timed(lambda q: search_page(store, q, post_url=post_url).total, queries)
            old, _ = timed(lambda q: old_search(store, q), queries)
            p95, before = percentile(new, 0.95), percentile(old, 0.95)
            print(
                f"  {kind:<40} p50 {statistics.median(new):5.1f}  p95 {p95:5.1f}"
                f"  max {max(new):5.1f}   before: p50 {statistics.median(old):6.1f}"
                f"  p95 {before:6.1f} ({before / p95:.0f}x)"
                f"   median matches {statistics.median(totals):.0f}"
            )
        store.close()


PARTS = ("odel", "ransfo", "istill", "eason", "ntion", "ptimiz", "uant", "mbedd", "xplor")


def phrase(rng: random.Random, texts: list[str]) -> str:
    words = rng.choice(texts).rstrip(".").split()
    start = rng.randrange(len(words) - 1)
    return '"' + " ".join(words[start : start + 2]).strip(".") + '"'


if __name__ == "__main__":
    main()
