"""The long-running bot: `run`, and `discord-sync` to register its slash command."""

from __future__ import annotations

import argparse

from digestbot.cli import args as checked
from digestbot.cli.output import EXIT_OK, configure_logging, say

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.cli.parser import Commands


def register(commands: Commands) -> None:
    commands.add(
        "run", help="run the bot: the daily schedule and /digest", handler=run_command,
        description="Run the bot: the daily digest on schedule, /digest in Discord and Slack. "
        "Stops cleanly on Ctrl-C or SIGTERM: a running digest gets "
        "schedule.shutdown_grace_seconds to finish, and what it could not deliver goes out "
        "at the next start.",
    )  # fmt: skip
    if sync := commands.add(
        "discord-sync", help="register /digest with Discord", handler=discord_sync_command,
        description="Register the /digest command with Discord. Run it once, and after "
        "upgrades.",
    ):  # fmt: skip
        sync.add_argument(
            "--guild", type=checked.snowflake, metavar="ID",
            help="register in this server only (shows at once; global takes up to an hour)",
        )  # fmt: skip


def run_command(args: argparse.Namespace) -> int:
    import signal

    # A stop asked for while the bot is still starting (importing takes a moment) is
    # kept, and honoured as soon as the loop runs: the same clean stop, exit code 0.
    early: list[int] = []
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda number, _: early.append(number))

    import asyncio

    from digestbot.app.digests import App
    from digestbot.app.runner import BotRunner

    config = checked.load_config(args)
    configure_logging(args.verbose, "INFO")
    app = App(config)

    async def until_stopped() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        if early:
            stop.set()
        await BotRunner(app).run(stop)
        _leave_blocked_threads()

    asyncio.run(until_stopped())
    return EXIT_OK


def _leave_blocked_threads() -> None:
    """End the process now if worker threads remain: a blocking request (praw) cannot be
    cancelled, and the interpreter would wait for it at exit, past the shutdown grace.
    Everything of ours is closed and recorded by now."""
    import logging
    import os
    import sys
    import threading

    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        logging.getLogger("digestbot").info("stopped")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_OK)


def discord_sync_command(args: argparse.Namespace) -> int:
    import asyncio

    from digestbot.app.digests import App
    from digestbot.app.discord_sync import sync_discord_commands

    config = checked.load_config(args)
    configure_logging(args.verbose)
    names = asyncio.run(sync_discord_commands(App(config), args.guild))
    where = f" in {args.guild}" if args.guild else ""
    say("registered", ", ".join(f"/{name}" for name in names) + where)
    return EXIT_OK
