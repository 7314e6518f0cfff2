"""The blog's archive: `import` old posts into history, `export` posts from history."""

from __future__ import annotations

import argparse

from digestbot.cli import args as checked
from digestbot.cli.output import EXIT_DEGRADED, EXIT_FAILED, EXIT_OK, configure_logging, say, warn

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.cli.parser import Commands


def register(commands: Commands) -> None:
    if import_ := commands.add(
        "import", help="read the blog's old posts into history", handler=import_command,
        description="Read old Hugo posts (files, or folders of .md files) into history, "
        "marked as imported. A post that cannot be read is reported by file and line; the "
        "rest still imports. Importing again changes nothing.",
    ):  # fmt: skip
        import_.add_argument("paths", nargs="+", type=checked.existing_path, metavar="PATH")

    if export := commands.add(
        "export", help="write posts again from history", handler=export_command,
        description="Write posts again from history, byte for byte the same on every run.",
    ):  # fmt: skip
        which = export.add_mutually_exclusive_group(required=True)
        which.add_argument("--date", dest="day", type=checked.day, metavar="YYYY-MM-DD")
        which.add_argument("--since", type=checked.day, metavar="YYYY-MM-DD")
        export.add_argument(
            "--out", type=checked.folder, metavar="DIR",
            help="folder for the posts (default: the configured blog folder)",
        )  # fmt: skip


def import_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from digestbot.app.archive import import_posts
    from digestbot.app.wiring import Wiring
    from digestbot.core.errors import DigestbotError

    config = checked.load_config(args)
    configure_logging(args.verbose)
    report = import_posts(Wiring(config), [Path(p) for p in args.paths])
    if not report.files:
        raise DigestbotError(f"no .md posts in {', '.join(args.paths)}")
    for line in report.failed:
        warn("unreadable", line, colour="red")
    for line in report.warnings:
        warn("left out", line)
    for line in report.kept:
        warn("kept", line)
    say(
        "imported",
        f"{report.imported} of {report.files} posts ({report.unchanged} already in history, "
        f"{len(report.failed)} unreadable)",
    )
    if report.imported + report.unchanged == 0:
        return EXIT_FAILED
    return EXIT_DEGRADED if report.failed else EXIT_OK


def export_command(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from digestbot.app.archive import export
    from digestbot.app.wiring import Wiring
    from digestbot.cli.digest import exit_code
    from digestbot.core.errors import MissingDigest

    config = checked.load_config(args)
    configure_logging(args.verbose)
    since, until = args.day or args.since, args.day
    folder = Path(args.out) if args.out else None
    written = asyncio.run(export(Wiring(config), since=since, until=until, folder=folder))
    if not written:
        raise MissingDigest("there is no digest in history for that range")
    for published in written:
        say("written", published.summary)
        for problem in published.problems:
            warn("problem", problem, colour="red")
    return exit_code(written)
