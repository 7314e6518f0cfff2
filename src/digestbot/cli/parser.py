"""The command line's grammar, built for the one command being run.

Start-up time is the cost here: defining every command's options would cost more than
running `history`. So every command is listed (for `-h` and for spelling mistakes) but
only the chosen one gets its options, and help text is laid out without importing
shutil until it is shown.
"""

from __future__ import annotations

import argparse
import os
import sys

from digestbot import __version__
from digestbot.cli.output import EXIT_USAGE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    Handler = Callable[[argparse.Namespace], int]


def _terminal_width() -> int:
    """What shutil.get_terminal_size() says, without importing shutil."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        super().__init__(prog, indent_increment, max_help_position, _terminal_width() - 2)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error said in one line and a pointer to the help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} -h)\n")
        raise SystemExit(EXIT_USAGE)


class Commands:
    """Adds commands to a parser; only the chosen command's parser is handed back, to
    receive its options. `words` are the words of the command line that are not options:
    the first names the command, the next one an action under it (`config check`)."""

    def __init__(
        self, parent: argparse.ArgumentParser, words: Sequence[str], title: str = "commands"
    ) -> None:
        # `prog` given: argparse would otherwise lay out a usage line to find it.
        self._commands = parent.add_subparsers(
            title=title, metavar=title[:-1].upper(), required=True, prog=parent.prog
        )
        self._words = words
        self._common = _common(defaults=False)
        self._others: list[tuple[str, str]] = []  # (name, help) of the commands not chosen

    def add(
        self, name: str, *, help: str, description: str, handler: Handler | None = None
    ) -> argparse.ArgumentParser | None:
        if not self._words or name != self._words[0]:
            self._others.append((name, help))
            return None
        parser = self._commands.add_parser(
            name, help=help, description=description, parents=[self._common]
        )
        if handler is not None:
            parser.set_defaults(handler=handler)
        return parser

    def actions(self, parser: argparse.ArgumentParser) -> Commands:
        """The actions under a chosen command, such as `check` under `config`."""
        return Commands(parser, self._words[1:], title="actions")

    def finish(self) -> None:
        """Without a valid choice (`-h`, a typo), list every command, so that the help or
        the error can name them all."""
        if not self._commands.choices:  # no command was chosen
            for name, help in self._others:
                self._commands.add_parser(name, help=help, add_help=False)


def _common(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name. Only the top level
    has defaults: a command's own copy must not overwrite what was given before it."""
    common = Parser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        default=None if defaults else argparse.SUPPRESS,
        help="TOML settings file (default: $DIGESTBOT_CONFIG, else ./digestbot.toml if present)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=False if defaults else argparse.SUPPRESS,
        help="log everything (DEBUG), and show the traceback of an error",
    )  # fmt: skip
    return common


def plain_words(argv: Sequence[str]) -> list[str]:
    """The words of `argv` that are neither options nor an option's value."""
    words, given = [], iter(argv)
    for word in given:
        if word == "--config":
            next(given, None)
        elif not word.startswith("-"):
            words.append(word)
    return words


def build_parser(argv: Sequence[str], groups: Sequence[Any]) -> argparse.ArgumentParser:
    parser = Parser(
        prog="digestbot",
        description="A daily digest of a field's news: collected, analysed by an LLM, "
        "published to Discord, Slack and a Hugo blog, and remembered in SQLite.",
        parents=[_common(defaults=True)],
        epilog="Exit codes: 0 done, 1 failed (nothing published), 2 wrong usage, "
        "3 published with problems. `digestbot COMMAND -h` explains a command.",
    )
    parser.add_argument("--version", action="version", version=f"digestbot {__version__}")
    commands = Commands(parser, plain_words(argv))
    for group in groups:
        group.register(commands)
    commands.finish()
    return parser
