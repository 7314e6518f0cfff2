"""A digest on a one-slot model server: its wall time against the sum of the service
times of its calls (the least a one-slot server can take), with default settings.

The server is the tests' fake in its llama-cpp-python flavour (one slot, a strict schema
refused with a 500, a stream that finds the slot busy ended unfinished), each call taking
`--service` seconds; or, with `--url`, a real server (e.g. ../shared/tools/local-llm).
Prints both runs of a day: the first finds its way (JSON mode, one call at a time), the
second starts there.

    python benchmarks/local_llm.py [--service 0.5] [--url http://127.0.0.1:8080/v1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestbot.app.digests import App  # noqa: E402
from digestbot.config import loader  # noqa: E402
from tests.fakes.openai import FakeOpenAI  # noqa: E402

EXAMPLE = ROOT / "examples" / "2026-11-20-collection.json"


async def one_run(path: Path) -> tuple[float, int, int]:
    """Seconds, LLM requests, and topics analysed of a digest made anew."""
    app = App(loader.load(str(path), env_file=None))
    started = time.perf_counter()
    outcome = await app.generate(replay_file=EXAMPLE, post=False, force=True)
    analysed = sum(t.analysis.error == "" for t in outcome.digest.topics)
    return time.perf_counter() - started, outcome.digest.usage.calls, analysed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", type=float, default=0.5, help="seconds per call (fake)")
    parser.add_argument("--url", help="a real server's /v1 URL instead of the fake")
    args = parser.parse_args()
    os.environ["OPENAI_API_KEY"] = "local"
    fake = None if args.url else FakeOpenAI.llama_cpp_python(service_time=args.service)
    with fake or nullcontext(), tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"{fake.url}/v1"
        path = Path(tmp) / "digestbot.toml"
        path.write_text(
            f'[storage]\ndatabase = "{tmp}/h.db"\nblog_dir = "{tmp}/blog"\n'
            f'[llm]\nbase_url = "{url}"\nmodel = "qwen2.5-coder-0.5b-instruct"\n'
            "timeout_seconds = 300\n"
        )
        print(f"server: {'fake one-slot, ' + str(args.service) + ' s a call' if fake else url}")
        for run in ("first run", "second run"):
            busy_before = fake.busy_seconds if fake else 0.0
            with sqlite3.connect(f"{tmp}/h.db") as db:
                if run == "second run":
                    db.execute("delete from analyses")  # new topics: every call made again
            seconds, requests, analysed = asyncio.run(one_run(path))
            line = f"{run:<11} {seconds:6.2f} s, {requests} requests, {analysed}/5 topics"
            if fake:
                work = fake.busy_seconds - busy_before
                line += f"; calls' service time {work:.2f} s: {seconds / work:.2f}x"
            print(line)


if __name__ == "__main__":
    main()
