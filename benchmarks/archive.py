"""How long the blog's archive takes to go out and come back: `digestbot export` of ten
years of daily digests (3,650 posts, synthetic) and `digestbot import` of those posts into
a new history, then the same import again (nothing changes). The baseline is an import
as it was before issue 11, one transaction per post, timed on the first `--baseline`
posts in the same run and scaled to all of them.

    python benchmarks/archive.py [--days 3650] [--baseline 365]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from search import Writer, build  # noqa: E402

from digestbot.app.archive import export, import_posts, post_files  # noqa: E402
from digestbot.app.wiring import Wiring  # noqa: E402
from digestbot.blog.importer import parse_post  # noqa: E402
from digestbot.config import loader  # noqa: E402
from digestbot.storage.store import open_store  # noqa: E402


def wiring(folder: Path, database: str) -> Wiring:
    path = folder / f"{database}.toml"
    path.write_text(
        f'[storage]\ndatabase = "{folder / database}"\nblog_dir = "{folder / "posts"}"\n'
    )
    return Wiring(loader.load(str(path), env_file=None))


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def one_transaction_per_post(folder: Path, files: list[Path]) -> float:
    """The import before issue 11: each post read, compared and saved on its own."""
    with open_store(str(folder / "baseline.db")) as store:
        started = time.perf_counter()
        for file in files:
            digest = parse_post(file.read_text(encoding="utf-8")).digest
            if store.digests.load(digest.day) != digest:
                store.digests.save(digest, run_id=None, imported=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--baseline", type=int, default=365, help="posts (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = wiring(folder, "source.db")
        with source.open_store() as store:
            build(store, args.days, Writer(random.Random(7)), analysis_words=45)
        written = timed(lambda: asyncio.run(export(source, None, None)))
        files = post_files([folder / "posts"])
        size = sum(f.stat().st_size for f in files) / 1e6
        target = wiring(folder, "imported.db")
        imported = timed(lambda: import_posts(target, [folder / "posts"]))
        report = import_posts(target, [folder / "posts"])
        again = timed(lambda: import_posts(target, [folder / "posts"]))
        print(f"{len(files)} posts, {size:.1f} MB:")
        print(f"  export                      {written:6.1f} s")
        print(f"  import into a new history   {imported:6.1f} s")
        print(f"  import again (unchanged)    {again:6.1f} s   {report.unchanged} unchanged")
        if args.baseline:
            sample = files[: args.baseline]
            scaled = one_transaction_per_post(folder, sample) * len(files) / len(sample)
            print(
                f"  before: one transaction a post, {len(sample)} posts scaled to "
                f"{len(files)}: {scaled:6.1f} s ({scaled / imported:.0f}x the import)"
            )


if __name__ == "__main__":
    main()
