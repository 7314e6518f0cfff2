"""`digestbot`: thin commands over the app, one module per group of commands.

Start-up is part of the interface: every command imports only what it uses, and the
modules on the way to a command (this one, the groups' argument definitions, the
settings) import nothing heavy. `tests/test_startup.py` keeps it so.

This is also the one place that speaks to the user about errors: a DigestbotError is
one line and exit code 1 (2 for a usage error); anything else is one line that asks for
`-v`, which shows the traceback.
"""

from __future__ import annotations

import sys

from digestbot.cli import archive, bot, channels, config, digest, feedback, history
from digestbot.cli.output import EXIT_FAILED, EXIT_USAGE
from digestbot.cli.parser import build_parser
from digestbot.core.errors import DigestbotError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

GROUPS = (digest, bot, history, archive, config, feedback, channels)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv, GROUPS).parse_args(argv)
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
