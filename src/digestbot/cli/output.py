"""What a command shows: labelled lines and tables for people, JSON for scripts, a
progress line on a terminal, and the exit codes the README documents.

Plain text on purpose: nothing here wraps or folds, so a link stays whole and a post
printed by `--dry-run` is byte for byte the post.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from collections.abc import Sequence
    from typing import Any, TextIO

EXIT_OK = 0  # done, complete, delivered everywhere it was meant to go
EXIT_FAILED = 1  # nothing was published, or the command could not do its job
EXIT_USAGE = 2  # the command line was wrong: an unknown option, a bad date or path
EXIT_DEGRADED = 3  # published, with problems: a topic without analysis, a channel, the post

_COLOURS = {"red": "31", "yellow": "33", "green": "32", "bold": "1"}


def say(label: str, value: object, *, colour: str = "bold", stream: TextIO | None = None) -> None:
    """One "label  value" line; the value is shown as it is and never cut."""
    out = stream or sys.stdout
    head = f"{label:<13}"
    if colour in _COLOURS and out.isatty() and not os.environ.get("NO_COLOR"):
        head = f"\x1b[{_COLOURS[colour]}m{head}\x1b[0m"
    out.write(f"{head}{value}\n")


def warn(label: str, value: object, colour: str = "yellow") -> None:
    say(label, value, colour=colour, stream=sys.stderr)


def table(
    rows: Sequence[Sequence[object]], header: Sequence[str], right: Sequence[int] = ()
) -> None:
    """Columns padded to their widest cell; the last column (often a link) is never padded
    or cut. `right` lists the columns to align right (numbers)."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        padded = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row[:-1])
        ]
        sys.stdout.write("  ".join([*padded, row[-1]]).rstrip() + "\n")


def print_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


class TerminalProgress:
    """The pipeline's progress as one line on stderr that rewrites itself; shown on a
    terminal only, so logs and pipes never see it."""

    def __init__(self) -> None:
        self._stage = ""
        self._shown = False

    def stage(self, description: str) -> None:
        self._stage = description
        self._show(description)

    def analysed(self, done: int, total: int) -> None:
        self._show(f"{self._stage}: {done}/{total}")

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    def _show(self, text: str) -> None:
        self._shown = True
        sys.stderr.write(f"\r\x1b[K{text}…")
        sys.stderr.flush()


def configure_logging(verbose: bool, level: str = "WARNING") -> None:
    """Log lines with a timestamp on stderr; `-v` shows everything (DEBUG)."""
    import logging

    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        stream=sys.stderr,
        force=True,
    )
    if verbose:  # the HTTP clients' own debug lines would drown ours
        for noisy in ("httpcore", "httpx", "hpack", "urllib3", "prawcore", "discord.http"):
            logging.getLogger(noisy).setLevel(logging.INFO)
    else:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_plain)


LIBRARIES = ("discord", "slack_sdk", "slack_bolt", "apscheduler", "aiohttp")
# What the libraries say at every start that is no news to a digestbot user.
NOISE = ("voice will NOT be supported", "`token` will be unused")


def _plain(record: logging.LogRecord) -> bool:
    """Without -v: the libraries' INFO lines (each reconnect, each retry) are ours to
    tell, and an error is one line, as their tracebacks (discord.py and slack_sdk log
    one at every reconnect) shrink to the exception's name and text."""
    quiet = record.levelno < 30 or any(n in str(record.msg) for n in NOISE)  # 30: WARNING
    if quiet and record.name.startswith(LIBRARIES):
        return False
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"[:1000]
        record.args = None
        record.exc_info = record.exc_text = None
    record.stack_info = None
    return True
