"""Checked command-line values: each turns text into a value or says, in one line, what a
good one looks like. argparse reports them as usage errors (exit code 2)."""

from __future__ import annotations

import argparse
import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from digestbot.config.loader import Config

YEARS = (1970, 2100)  # the days digestbot works with
_ISO_DAY = r"\d{4}-\d{2}-\d{2}"


def day(text: str) -> date:
    """A day as YYYY-MM-DD, between 1970 and 2100."""
    from datetime import date

    if not re.fullmatch(_ISO_DAY, text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23 (YYYY-MM-DD)")
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a real day of the calendar") from None
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise argparse.ArgumentTypeError(
            f"{text!r} is out of range: digestbot works with days from 1970 to 2100"
        )
    return value


def count(low: int, high: int) -> Callable[[str], int]:
    """A whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: use {low} to {high}")
        return value

    return parse


def existing_file(text: str) -> str:
    if not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"{text} does not exist")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    return text


def existing_path(text: str) -> str:
    if not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"{text} does not exist")
    return text


def new_file(text: str) -> str:
    """A file to write: its folder must exist, and it must not be a folder itself."""
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a folder: name a file inside it")
    folder = os.path.dirname(text) or "."
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"cannot write {text}: the folder {folder} does not exist")
    return text


def folder(text: str) -> str:
    """A folder to write into: created if missing, but it must not be a file."""
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return text


def snowflake(text: str) -> str:
    if not re.fullmatch(r"[1-9]\d{16,19}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a Discord server id (17 to 20 digits)")
    return text


def load_config(args: argparse.Namespace) -> Config:
    """The settings named by --config (or the defaults' places), checked whole."""
    from digestbot.config.loader import load

    return load(args.config)
