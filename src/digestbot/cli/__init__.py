"""`digestbot`: thin commands over the app, one module per group of commands.

Start-up is part of the interface: every command imports only what it uses, and the
modules on the way to a command (this one, the groups' argument definitions, the
settings) import nothing heavy. `tests/test_startup.py` keeps it so.

This is also the one place that speaks to the user about errors: a DigestbotError is
one line and exit code 1 (2 for a usage error); anything else is one line that asks for
`-v`, which shows the traceback.
"""

from __future__ import annotations

import argparse
import sys

from digestbot import __version__
from digestbot.cli import archive, bot, config, digest, history
from digestbot.cli.output import EXIT_FAILED, EXIT_USAGE
from digestbot.core.errors import DigestbotError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

GROUPS = (digest, bot, history, archive, config)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error said in one line and a pointer to the help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} -h)\n")
        raise SystemExit(EXIT_USAGE)


def _common(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name. Only the top level
    has defaults: a command's own copy must not overwrite what was given before it."""
    common = argparse.ArgumentParser(add_help=False)
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


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="digestbot",
        description="A daily digest of a field's news: collected, analysed by an LLM, "
        "published to Discord, Slack and a Hugo blog, and remembered in SQLite.",
        parents=[_common(defaults=True)],
        epilog="Exit codes: 0 done, 1 failed (nothing published), 2 wrong usage, "
        "3 published with problems. `digestbot COMMAND -h` explains a command.",
    )
    parser.add_argument("--version", action="version", version=f"digestbot {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    common = _common(defaults=False)
    for group in GROUPS:
        group.register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as exc:
        return _fail(str(exc), args.verbose, EXIT_USAGE)
    except DigestbotError as exc:
        return _fail(str(exc), args.verbose, EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", args.verbose, 130)
    except BrokenPipeError:  # the reader of our output went away (`| head`): nothing to say
        sys.stderr.close()
        return EXIT_FAILED
    except Exception as exc:
        hint = "" if args.verbose else " (run with -v for the traceback)"
        return _fail(f"unexpected {type(exc).__name__}: {exc}{hint}", args.verbose, EXIT_FAILED)


def _fail(message: str, verbose: bool, code: int) -> int:
    """The error in one line on stderr (after its traceback with -v); returns `code`."""
    if verbose:
        import traceback

        traceback.print_exc()
    sys.stderr.write(f"digestbot: error: {' '.join(message.split())}\n")
    return code
