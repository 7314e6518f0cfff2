"""A day's digest from the command line: `generate`, `publish`, `collect`."""

from __future__ import annotations

import argparse
import sys

from digestbot.cli import args as checked
from digestbot.cli.output import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    configure_logging,
    say,
    warn,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from digestbot.cli.parser import Commands
    from digestbot.core.models import Digest
    from digestbot.core.pipeline import Outcome
    from digestbot.core.ports import Published


def register(commands: Commands) -> None:
    if generate := commands.add(
        "generate", help="make the day's digest and publish it", handler=generate_command,
        description="Collect, select, analyse, store, write the post and deliver it to the "
        "configured channels. A day that has a digest keeps it, and whatever of it is "
        "missing (the post, a channel) is delivered; --force makes it anew.",
    ):  # fmt: skip
        generate.add_argument(
            "--date", dest="day", type=checked.day, metavar="YYYY-MM-DD",
            help="the digest's day (default: today, UTC)",
        )  # fmt: skip
        generate.add_argument(
            "--from", dest="replay_file", type=checked.existing_file, metavar="FILE",
            help="replay posts saved by `digestbot collect --save` instead of fetching",
        )  # fmt: skip
        generate.add_argument(
            "--dry-run", action="store_true",
            help="print the post; store, write and send nothing (not even a database)",
        )  # fmt: skip
        generate.add_argument("--force", action="store_true", help="make the day's digest anew")
        generate.add_argument("--no-post", action="store_true", help="write the blog post only")

    if publish := commands.add(
        "publish", help="deliver a stored digest to chat", handler=publish_command,
        description="Post a stored digest to every configured Discord and Slack channel "
        "that lacks it, over REST only (for cron and CI). Safe to repeat.",
    ):  # fmt: skip
        publish.add_argument(
            "--date", dest="day", type=checked.day, metavar="YYYY-MM-DD",
            help="the digest's day (default: today, UTC)",
        )  # fmt: skip

    if collect := commands.add(
        "collect", help="save today's source posts to a file", handler=collect_command,
        description="Fetch today's source posts and save them, without analysing anything; "
        "replay them with `generate --from FILE`.",
    ):  # fmt: skip
        collect.add_argument(
            "--save", dest="save_to", type=checked.new_file, required=True, metavar="FILE",
            help="where to write the posts (JSON)",
        )  # fmt: skip


def generate_command(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from digestbot.app.digests import App
    from digestbot.cli.output import TerminalProgress
    from digestbot.core.errors import SourceError

    config = checked.load_config(args)
    configure_logging(args.verbose)
    progress = TerminalProgress() if sys.stderr.isatty() else None
    app = App(config, progress=progress)
    try:
        outcome = asyncio.run(
            app.generate(
                args.day,
                Path(args.replay_file) if args.replay_file else None,
                force=args.force,
                dry_run=args.dry_run,
                post=not args.no_post,
            )
        )
    except SourceError as exc:
        raise SourceError(f"no digest: {exc}") from exc
    finally:
        if progress:
            progress.close()
    if args.dry_run:
        sys.stdout.write(app.wiring.blog().render(outcome.digest))
        sys.stdout.flush()
    _summary(outcome)
    if args.dry_run:
        return EXIT_OK
    return {"ok": EXIT_OK, "degraded": EXIT_DEGRADED}.get(outcome.status, EXIT_FAILED)


def _summary(outcome: Outcome) -> None:
    from digestbot.core.models import AnalysisStatus, DigestMode

    digest = outcome.digest
    if not outcome.created:
        warn(
            "kept",
            f"a digest for {digest.day} already exists (made "
            f"{digest.generated_at:%Y-%m-%d %H:%M}Z); --force makes it anew",
        )
    ok = sum(t.analysis.status is AnalysisStatus.OK for t in digest.topics)
    if digest.mode is DigestMode.HEADLINES:
        reason = digest.headline_reason or "no LLM configured"
        topics = f"{len(digest.topics)} (headlines and excerpts: {reason})"
    else:
        topics = f"{len(digest.topics)} ({ok} analysed"
        topics += f", {digest.failed_topics} headline-only)" if digest.failed_topics else ")"
    usage = digest.usage
    rows = [
        ("day", str(digest.day)),
        ("mode", digest.mode.value + (f" ({digest.model})" if digest.model else "")),
        ("topics", topics),
        ("grounded", _grounding(digest)),
        ("trending", str(len(digest.trending))),
        ("predictions", str(len(digest.predictions))),
        ("LLM calls", f"{usage.calls} ({usage.cache_hits} answers from cache)"),
        (
            "tokens",
            f"{usage.total_tokens:,} ({usage.prompt_tokens:,} in, {usage.completion_tokens:,} out)",
        ),
        ("cost", f"${usage.cost_usd:.4f}"),
        ("time", f"{outcome.seconds:.1f} s"),
    ]
    rows += [_published_row(p.summary) for p in outcome.published]
    for key, value in rows:
        warn(key, value, colour="bold")
    for problem in outcome.problems:
        warn("problem", problem, colour="red")
    for note in digest.notes:
        warn("note", note)
    for topic in digest.topics:
        if topic.analysis.status is AnalysisStatus.FAILED:
            warn("no analysis", f"{topic.title[:80]} ({topic.analysis.error})")


def _published_row(summary: str) -> tuple[str, str]:
    """Where the digest went; approval's line ("approval: ...") says so instead."""
    label, _, rest = summary.partition(": ")
    return ("approval", rest) if label == "approval" else ("published", summary)


def _grounding(digest: Digest) -> str:
    """How many topics rest visibly on their source, how many are unverified, and updates."""
    grounded = sum(t.grounded for t in digest.topics)
    text = f"{grounded} of {len(digest.topics)} ({len(digest.topics) - grounded} unverified)"
    if updates := sum(t.update_of is not None for t in digest.topics):
        text += f"; {updates} updates of stories covered before"
    return text


def publish_command(args: argparse.Namespace) -> int:
    import asyncio
    from datetime import UTC, datetime

    from digestbot.app.digests import App
    from digestbot.core.errors import ConfigError

    config = checked.load_config(args)
    configure_logging(args.verbose)
    app = App(config)
    if not app.wiring.has_chat():
        raise ConfigError(
            "no chat channels to publish to: set discord.channels or slack.channels, "
            "and DISCORD_TOKEN or SLACK_BOT_TOKEN"
        )
    results = asyncio.run(app.publish(args.day or datetime.now(UTC).date()))
    for result in results:
        say("published", result.summary)
        for problem in result.problems:
            warn("problem", problem, colour="red")
    return exit_code(results)


def exit_code(results: tuple[Published, ...] | list[Published]) -> int:
    """0 when everything went everywhere; 1 when nothing went anywhere; else 3."""
    if all(r.complete for r in results):
        return EXIT_OK
    return EXIT_DEGRADED if any(r.delivered for r in results) else EXIT_FAILED


def collect_command(args: argparse.Namespace) -> int:
    import asyncio

    from digestbot.app.digests import App
    from digestbot.core.errors import DigestbotError
    from digestbot.sources import replay

    config = checked.load_config(args)
    configure_logging(args.verbose)
    collection = asyncio.run(App(config).collect())
    try:
        with open(args.save_to, "w", encoding="utf-8") as handle:
            handle.write(replay.dumps(collection))
    except OSError as exc:
        raise DigestbotError(f"cannot write {args.save_to}: {exc.strerror}") from None
    from collections import Counter

    for name, count in Counter(p.source for p in (*collection.main, *collection.trending)).items():
        warn("source", f"{name}: {count} post{'s' if count != 1 else ''}")
    for note in collection.notes:
        warn("note", note)
    for problem in collection.problems:
        warn("problem", problem, colour="red")
    warn(
        "saved",
        f"{len(collection.main)} main and {len(collection.trending)} trending posts "
        f"to {args.save_to}",
        colour="bold",
    )
    return EXIT_OK
