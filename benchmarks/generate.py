"""How long a 5-topic digest takes when every LLM call takes `--latency` seconds.

Runs the real pipeline (openai client, SQLite, Hugo writer) on the shipped example day
against the fake OpenAI-compatible server of the tests. Prints wall time, LLM calls and
tokens for a first run, for a second run of the same day (answers come from the cache),
and for a first run with one call at a time, to show what concurrency buys.

    python benchmarks/generate.py [--latency 1.0] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestbot.app.digests import App  # noqa: E402
from digestbot.config import loader  # noqa: E402
from tests.fakes.openai import FakeOpenAI  # noqa: E402

EXAMPLE = ROOT / "examples" / "2026-11-20-collection.json"


def settings_file(folder: Path, llm_url: str, concurrency: int) -> Path:
    path = folder / "digestbot.toml"
    path.write_text(
        f'[storage]\ndatabase = "{folder / "history.db"}"\nblog_dir = "{folder / "blog"}"\n'
        f'[llm]\nbase_url = "{llm_url}/v1"\nmodel = "bench-model"\n'
        f"concurrency = {concurrency}\n"
    )
    return path


async def one_run(config: loader.Config, force: bool) -> tuple[float, int, int, int]:
    started = time.perf_counter()
    outcome = await App(config).generate(replay_file=EXAMPLE, force=force)
    usage = outcome.digest.usage
    return time.perf_counter() - started, usage.calls, usage.total_tokens, usage.cache_hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per LLM call")
    parser.add_argument("--concurrency", type=int, default=6)
    args = parser.parse_args()
    os.environ["OPENAI_API_KEY"] = "test-key"
    print(f"5 topics + 1 predictions call, {args.latency:g} s per LLM call")
    print(f"{'run':<34}{'wall s':>8}{'calls':>7}{'tokens':>8}{'cached':>8}")
    with FakeOpenAI(latency=args.latency) as llm:
        for label, concurrency, force in [
            (f"first run, concurrency {args.concurrency}", args.concurrency, False),
            ("second run, same day (--force)", args.concurrency, True),
            ("first run, one call at a time", 1, False),
        ]:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                config = loader.load(
                    str(settings_file(folder, llm.url, concurrency)), env_file=None
                )
                if force:  # the same day again, in the same history
                    asyncio.run(one_run(config, force=False))
                wall, calls, tokens, cached = asyncio.run(one_run(config, force))
            print(f"{label:<34}{wall:>8.2f}{calls:>7}{tokens:>8}{cached:>8}")


if __name__ == "__main__":
    main()
