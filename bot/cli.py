"""`digestbot`: thin commands over bot.app, one per job."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from adapters.chart import prediction_chart
from bot import config as config_module
from bot import replay, trends
from bot.app import App
from bot.commands import search_page
from bot.models import AnalysisStatus, Digest, DigestMode
from bot.pipeline import Outcome
from bot.ports import DeliveryError, SourceError
from bot.prompts import PromptError, load_prompt
from bot.runner import CHART_TITLE, BotRunner, sync_discord_commands

out = Console()
err = Console(stderr=True)


class RichProgress:
    """The pipeline's progress as a live display on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("starting", total=None)

    def stage(self, description: str) -> None:
        self._progress.update(self._task, description=description, total=None, completed=0)

    def analysed(self, done: int, total: int) -> None:
        self._progress.update(self._task, total=total, completed=done)


def _say(console: Console, label: str, value: object, style: str = "bold") -> None:
    """One "label  value" line; the value is shown as is (no markup) and never cut."""
    console.print(f"[{style}]{label:<13}[/]{escape(str(value))}", soft_wrap=True, highlight=False)


def _load(ctx: click.Context) -> config_module.Config:
    try:
        return config_module.load(ctx.obj["config_path"])
    except config_module.ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-23") from exc


@click.group()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML settings file (default: $DIGESTBOT_CONFIG, else ./digestbot.toml if present).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for debugging.")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """A daily digest of a field's news: collected, analysed by an LLM, published."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = {"config_path": config_path}


@main.group("config")
def config_group() -> None:
    """Inspect the settings."""


@config_group.command("check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Say what is configured, what is missing, and what a run will do."""
    config = _load(ctx)
    app = App(config)
    modes = app.modes()
    s = config.settings
    _say(out, "config file", config.path or "none: built-in defaults")
    _say(out, "sources", modes.source)
    _say(
        out,
        "",
        f"main r/{s.reddit.main_subreddit}, trending r/{s.reddit.trending_subreddit}"
        f" ({s.reddit.trending_listing})",
    )
    _say(out, "LLM", modes.llm)
    _say(out, "database", s.storage.database)
    _say(out, "blog posts", s.storage.blog_dir / s.storage.post_filename)
    for chat in modes.chat or ("none (discord.channels, slack.channels)",):
        _say(out, "chat", chat)
    schedule = s.schedule
    _say(
        out,
        "schedule",
        f"{schedule.time} {schedule.days} {schedule.timezone} (digestbot run)"
        if schedule.enabled
        else "off",
    )
    if not modes.uses_reddit_api:
        _say(
            out,
            "missing",
            "REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (optional: RSS is used)",
            "yellow",
        )
    if not modes.uses_llm:
        _say(out, "missing", "OPENAI_API_KEY (optional: headline digests without it)", "yellow")
    problems = 0
    for prompt in ("topic_analysis", "predictions"):
        try:
            _say(out, "prompt", f"{prompt} v{load_prompt(s.prompts_dir, prompt).version}")
        except PromptError as exc:
            problems += 1
            _say(out, "broken", exc, "red")
    _say(out, "mode", f"generate makes a {'full' if modes.uses_llm else 'headline'} digest")
    if problems:
        raise SystemExit(1)


def _summary(outcome: Outcome) -> None:
    digest: Digest = outcome.digest
    if not outcome.created:
        err.print(
            f"A digest for {digest.day} already exists (made "
            f"{digest.generated_at:%Y-%m-%d %H:%M}Z); kept it. Use --force to make it again."
        )
    ok = sum(t.analysis.status is AnalysisStatus.OK for t in digest.topics)
    if digest.mode is DigestMode.HEADLINES:
        topics = f"{len(digest.topics)} (headlines and excerpts: no LLM configured)"
    else:
        topics = f"{len(digest.topics)} ({ok} analysed"
        topics += f", {digest.failed_topics} headline-only)" if digest.failed_topics else ")"
    usage = digest.usage
    rows = [
        ("day", str(digest.day)),
        ("mode", digest.mode.value + (f" ({digest.model})" if digest.model else "")),
        ("topics", topics),
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
    rows += [("published", p.summary) for p in outcome.published]
    for key, value in rows:
        _say(err, key, value)
    for problem in outcome.problems:
        _say(err, "problem", problem, "red")
    for note in digest.notes:
        _say(err, "note", note, "yellow")
    for topic in digest.topics:
        if topic.analysis.status is AnalysisStatus.FAILED:
            _say(err, "headline-only", f"{topic.title[:80]} ({topic.analysis.error})", "yellow")


@main.command()
@click.option("--date", "day", help="The digest's day, YYYY-MM-DD (default: today, UTC).")
@click.option(
    "--from",
    "replay_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Replay source posts saved by `digestbot collect --save` instead of fetching.",
)
@click.option("--dry-run", is_flag=True, help="Print the post; store and write nothing.")
@click.option("--force", is_flag=True, help="Replace the day's digest if it exists.")
@click.option("--no-post", is_flag=True, help="Write the blog post only; post to no chat.")
@click.pass_context
def generate(
    ctx: click.Context,
    day: str | None,
    replay_file: Path | None,
    dry_run: bool,
    force: bool,
    no_post: bool,
) -> None:
    """Build the day's digest: collect, select, analyse, store, write the post."""
    config = _load(ctx)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    ) as bar:
        app = App(config, progress=RichProgress(bar))
        try:
            outcome = asyncio.run(
                app.generate(_day(day), replay_file, force=force, dry_run=dry_run, post=not no_post)
            )
        except (SourceError, replay.ReplayError, PromptError) as exc:
            raise click.ClickException(f"no digest: {exc}") from exc
    if dry_run:
        out.print(app.blog().render(outcome.digest), markup=False, highlight=False, end="")
    _summary(outcome)


@main.command()
@click.option("--date", "day", help="The digest's day (default: today, UTC).")
@click.pass_context
def publish(ctx: click.Context, day: str | None) -> None:
    """Post a stored digest to every configured Discord and Slack channel that lacks it.

    Uses the platforms' REST APIs only, so it suits cron and CI. Safe to repeat: what a
    channel already has is never posted twice.
    """
    app = App(_load(ctx))
    chosen = _day(day) or datetime.now(UTC).date()
    if not app.modes().chat:
        raise click.ClickException("no chat channels configured (discord.channels, slack.channels)")
    try:
        results = asyncio.run(app.publish(chosen))
    except LookupError as exc:
        raise click.ClickException(f"{exc}: run `digestbot generate` first") from exc
    for result in results:
        _say(out, "published", result.summary)
        for problem in result.problems:
            _say(err, "problem", problem, "red")
    if any(r.problems for r in results):
        raise SystemExit(1)


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the bot: the daily digest on schedule, /digest in Discord and Slack.

    Stops cleanly on Ctrl-C or SIGTERM: a running digest gets schedule.shutdown_grace_seconds
    to finish, and what it could not deliver goes out at the next start.
    """
    logging.getLogger().setLevel(min(logging.getLogger().level, logging.INFO))
    app = App(_load(ctx))

    async def until_stopped() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        await BotRunner(app).run(stop)

    asyncio.run(until_stopped())


@main.command("discord-sync")
@click.option("--guild", help="Register in this server only (shows at once; global takes ~1 h).")
@click.pass_context
def discord_sync(ctx: click.Context, guild: str | None) -> None:
    """Register the /digest command with Discord. Run it once, and after upgrades."""
    app = App(_load(ctx))
    try:
        names = asyncio.run(sync_discord_commands(app, guild))
    except (DeliveryError, LookupError) as exc:
        raise click.ClickException(str(exc)) from exc
    _say(out, "registered", ", ".join(f"/{n}" for n in names) + (f" in {guild}" if guild else ""))


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Read old Hugo posts (files or folders) into history, marked as imported."""
    report = App(_load(ctx)).import_posts(list(paths))
    for line in report.failed:
        _say(err, "unreadable", line, "red")
    for line in report.warnings:
        _say(err, "left out", line, "yellow")
    for line in report.kept:
        _say(err, "kept", line, "yellow")
    _say(
        out,
        "imported",
        f"{report.imported} posts ({report.unchanged} already in history, "
        f"{len(report.failed)} unreadable)",
    )


@main.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--page", default=1, show_default=True, help="Which page of results.")
@click.pass_context
def search(ctx: click.Context, words: tuple[str, ...], page: int) -> None:
    """Search every digest's titles and analyses, best matches first."""
    with App(_load(ctx)).open_store() as store:
        found = search_page(store, " ".join(words), page)
    table = Table(box=None)
    table.add_column("day", no_wrap=True)
    table.add_column("title")
    table.add_column("link", overflow="fold")
    for hit in found.hits:
        kind = " (trending)" if hit.kind == "trending" else ""
        table.add_row(hit.day.isoformat(), escape(hit.title) + kind, escape(hit.url))
    pages = f", page {found.page} of {found.pages}" if found.pages > 1 else ""
    _say(err, "found", f"{found.total} matches{pages}")
    if table.row_count:
        out.print(table)


@main.command()
@click.option("--by", type=click.Choice(["day", "month"]), default="month", show_default=True)
@click.option("--since", help="From this day on (YYYY-MM-DD).")
@click.pass_context
def usage(ctx: click.Context, by: str, since: str | None) -> None:
    """LLM calls, cache hits, tokens and cost, per day or month."""
    with App(_load(ctx)).open_store() as store:
        rows = store.usage_report(by, _day(since))
    table = Table(box=None)
    for column in (by, "runs", "LLM calls", "cache hits", "tokens in", "tokens out", "cost"):
        table.add_column(column, justify="left" if column == by else "right", no_wrap=True)
    for row in rows:
        table.add_row(
            row["period"], str(row["runs"]), f"{row['calls']:,}", f"{row['cache_hits']:,}",
            f"{row['prompt_tokens']:,}", f"{row['completion_tokens']:,}",
            f"${row['cost_usd']:.4f}",
        )  # fmt: skip
    if table.row_count:
        out.print(table)
    else:
        err.print("no runs yet")


@main.command()
@click.option("--since", help="Predictions made from this day on (YYYY-MM-DD).")
@click.option(
    "--chart",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("predictions.png"),
    show_default=True,
    help="Where to write the chart (PNG).",
)
@click.pass_context
def predictions(ctx: click.Context, since: str | None, chart: Path) -> None:
    """How the predicted dates move over time: a table per month and a chart."""
    app = App(_load(ctx))
    with app.open_store() as store:
        by_event = trends.series(
            store.predictions_made(_day(since)), app.settings.predictions.events
        )
    if not by_event:
        raise click.ClickException("no predictions in history yet")
    table = Table(box=None)
    for column in ("event", "month", "predictions", "median year", "range"):
        table.add_column(column, no_wrap=True)
    for row in trends.monthly(by_event):
        table.add_row(
            escape(row.event), row.month, str(row.count), f"{row.median:.1f}",
            f"{row.low:.0f}–{row.high:.0f}",
        )  # fmt: skip
    out.print(table)
    chart.write_bytes(prediction_chart(by_event, CHART_TITLE))
    _say(err, "chart", chart)


@main.command("collect")
@click.option(
    "--save",
    "save_to",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Write the collected posts here as JSON (replay with `generate --from`).",
)
@click.pass_context
def collect_command(ctx: click.Context, save_to: Path) -> None:
    """Fetch today's source posts and save them, without analysing anything."""
    app = App(_load(ctx))
    try:
        collection = asyncio.run(app.collect())
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    save_to.write_text(replay.dumps(collection), encoding="utf-8")
    for note in collection.notes:
        _say(err, "note", note, "yellow")
    err.print(
        f"saved {len(collection.main)} main and {len(collection.trending)} trending posts "
        f"to {save_to}"
    )


@main.command()
@click.option("--limit", default=30, show_default=True, help="How many digests to list.")
@click.pass_context
def history(ctx: click.Context, limit: int) -> None:
    """List past digests, newest first."""
    app = App(_load(ctx))
    table = Table(box=None)
    for column in ("day", "mode", "model", "topics", "LLM calls", "tokens", "cost"):
        table.add_column(column, no_wrap=True)
    with app.open_store() as store:
        for row in store.history(limit):
            failed = f" ({row['failed']} failed)" if row["failed"] else ""
            table.add_row(
                row["day"],
                row["mode"] + (" (imported)" if row["imported"] else ""),
                row["model"] or "-",
                f"{row['topics']}{failed}",
                f"{row['llm_calls'] or 0} (+{row['cache_hits'] or 0} cached)",
                f"{row['tokens'] or 0:,}",
                f"${row['cost_usd'] or 0:.4f}",
            )
    if table.row_count:
        out.print(table)
    else:
        err.print("no digests yet: run `digestbot generate`")


@main.command()
@click.option("--date", "day", help="Export this day's digest.")
@click.option("--since", help="Export every digest from this day on.")
@click.option(
    "--out",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the posts (default: the configured blog folder).",
)
@click.pass_context
def export(ctx: click.Context, day: str | None, since: str | None, folder: Path | None) -> None:
    """Write posts again from history."""
    if bool(day) == bool(since):
        raise click.UsageError("give either --date or --since")
    one_day = _day(day)
    written = asyncio.run(
        App(_load(ctx)).export(since=one_day or _day(since), until=one_day, folder=folder)
    )
    for published in written:
        out.print(published.summary, soft_wrap=True, markup=False, highlight=False)
        for problem in published.problems:
            _say(err, "problem", problem, "red")
    if not written:
        raise click.ClickException("no digest in history for that range")
    if any(p.problems for p in written):
        raise SystemExit(1)
