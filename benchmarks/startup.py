"""How much CPU time and memory a command costs to start, against `python -c pass`.

Runs each command many times, interleaved with `python -c pass` on the same interpreter,
in a temporary folder holding a small history (one digest), and prints the median CPU
time (user + system) of each, its ratio to `python -c pass`, and its peak memory.
The goal (issue 8): --help, history, search and config check within 3x, under 50 MB.

    python benchmarks/startup.py [--runs 30]

Run it with the interpreter of the installation to measure: the digestbot command next
to it is used (as a user runs it), else `python -m digestbot`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "2026-11-20-collection.json"
COMMANDS = [["--help"], ["history"], ["search", "mixture"], ["config", "check"]]


def digestbot() -> list[str]:
    script = Path(sys.executable).with_name("digestbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "digestbot"]


def cost(command: list[str], folder: str) -> tuple[float, float]:
    """CPU seconds and peak MB of one run of `command`."""
    process = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed in {folder}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    base = [sys.executable, "-c", "pass"]
    cases = {"python -c pass": base} | {
        "digestbot " + " ".join(c): [*digestbot(), *c] for c in COMMANDS
    }
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(EXAMPLE, folder)
        subprocess.run(
            [*digestbot(), "generate", "--from", EXAMPLE.name],
            cwd=folder,
            check=True,
            capture_output=True,
            env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
        )
        seconds: dict[str, list[float]] = {name: [] for name in cases}
        peaks: dict[str, float] = dict.fromkeys(cases, 0.0)
        for _ in range(runs):  # interleaved, so a busy moment costs every case alike
            for name, command in cases.items():
                cpu, peak = cost(command, folder)
                seconds[name].append(cpu)
                peaks[name] = max(peaks[name], peak)
    baseline = statistics.median(seconds["python -c pass"])
    print(f"{sys.executable}, {runs} runs each, median CPU time")
    print(f"{'command':<28} {'CPU ms':>7} {'ratio':>6} {'peak MB':>8}")
    for name in cases:
        median = statistics.median(seconds[name])
        print(f"{name:<28} {median * 1000:7.1f} {median / baseline:5.2f}x {peaks[name]:8.1f}")


if __name__ == "__main__":
    main()
