"""Reading the history: `history`, `search`, `usage`, `predictions`. These open the
database read-only, never create one, and print a table, or JSON with `--json`."""

from __future__ import annotations

import argparse
import sys

from digestbot.cli import args as checked
from digestbot.cli.output import EXIT_OK, print_json, say, table, warn

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from digestbot.cli.parser import Commands
    from digestbot.config.loader import Config
    from digestbot.storage.reader import History

PER_PAGE = 10
MAX_PAGE = 10_000


def register(commands: Commands) -> None:
    if history := commands.add(
        "history", help="past digests, newest first", handler=history_command,
        description="Past digests, newest first, with their LLM calls, tokens and cost.",
    ):  # fmt: skip
        history.add_argument(
            "--limit", type=checked.count(1, 100_000), default=30, metavar="N",
            help="how many digests to list (default: 30)",
        )  # fmt: skip
        _json_option(history)
    if search := commands.add(
        "search", help="when was something last covered", handler=search_command,
        description="Search every digest's topic titles, analyses, quotes and trending "
        "titles: when was something last covered, and where. Every word must match; a word "
        "of three letters or more is found inside longer words (lora finds QLoRA), a shorter "
        'one as a word; a "quoted phrase" is found as a phrase. Best matches first: those '
        "in titles, newest first, then the others.",
    ):  # fmt: skip
        search.add_argument("words", nargs="+", metavar="WORD", help="what to look for")
        search.add_argument(
            "--page", type=checked.count(1, MAX_PAGE), default=1, metavar="N",
            help=f"which page of {PER_PAGE} results (default: 1)",
        )  # fmt: skip
        search.add_argument("--newest", action="store_true", help="newest first")
        _json_option(search)
    if usage := commands.add(
        "usage", help="LLM calls, tokens and cost", handler=usage_command,
        description="LLM calls, cache hits, tokens and cost, per day or month, newest first.",
    ):  # fmt: skip
        usage.add_argument(
            "--by", choices=("day", "month"), default="month", help="(default: month)"
        )
        usage.add_argument(
            "--since", type=checked.day, metavar="YYYY-MM-DD", help="from this day on"
        )
        _json_option(usage)
    if predictions := commands.add(
        "predictions", help="how the predicted dates move", handler=predictions_command,
        description="How the predicted dates move over time: a table per event and month, "
        "and with --chart a PNG chart (needs the charts extra).",
    ):  # fmt: skip
        predictions.add_argument(
            "--since", type=checked.day, metavar="YYYY-MM-DD",
            help="predictions made from this day on",
        )  # fmt: skip
        predictions.add_argument(
            "--chart", type=checked.new_file, metavar="FILE",
            help="also draw the chart into FILE (PNG)",
        )  # fmt: skip
        _json_option(predictions)


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON, for scripts")


def _open(args: argparse.Namespace, config: Config | None = None) -> History:
    from digestbot.storage.reader import History

    config = config or checked.load_config(args)
    return History(config.settings.storage.database)


def history_command(args: argparse.Namespace) -> int:
    with _open(args) as history:
        rows = history.reports.history(args.limit)
    if args.json:
        print_json(rows)
        return EXIT_OK
    if not rows:
        warn("history", "no digests yet: run `digestbot generate`")
        return EXIT_OK
    table(
        [
            (
                r["day"],
                r["mode"] + (" (imported)" if r["imported"] else ""),
                r["status"]
                + (f", {r['messages_pending']} to post" if r["messages_pending"] else ""),
                r["model"] or "-",
                _topics(r),
                f"{r['llm_calls']} (+{r['cache_hits']} cached)",
                f"{r['tokens']:,}",
                f"${r['cost_usd']:.4f}",
            )
            for r in rows
        ],
        ("day", "mode", "run", "model", "topics", "LLM calls", "tokens", "cost"),
        right=(6, 7),
    )
    return EXIT_OK


def _topics(row: dict[str, int]) -> str:
    """A digest's topics in a few words: "5 (4 grounded, 1 unverified, 2 updates)"."""
    parts = [
        f"{row[key]} {key}" for key in ("grounded", "unverified", "failed", "updates") if row[key]
    ]
    return f"{row['topics']}" + (f" ({', '.join(parts)})" if parts else "")


def search_command(args: argparse.Namespace) -> int:
    from digestbot.core.errors import DigestbotError, UsageError
    from digestbot.core.lines import quoted, search_summary
    from digestbot.storage.search import search_terms

    query = " ".join(args.words)
    if not search_terms(query):
        raise UsageError(f"nothing to search for in {query!r}: give a word of letters or digits")
    config = checked.load_config(args)
    with _open(args, config) as history:
        found = history.search.find(
            query, args.page, PER_PAGE, newest=args.newest, post_url=_post_url(config)
        )
    past_the_end = found["total"] and args.page > found["pages"]
    if args.json:
        print_json({**found, "hits": found["results"]})  # "hits": the name before 0.10
    else:
        pages = f", page {args.page} of {found['pages']}" if found["pages"] > 1 else ""
        summary = search_summary(found["last_day"], found["digests"], found["total"])
        sys.stdout.write(f"{quoted(query)}: {summary}{pages}\n")
        for r in found["results"]:
            trending = " (trending)" if r["kind"] == "trending" else ""
            lines = [f"{r['title']}{trending}", r["snippet"], *r["links"]]
            sys.stdout.write(f"\n{r['day']}  " + "\n            ".join(filter(None, lines)) + "\n")
    if past_the_end:
        raise DigestbotError(f"page {args.page} of {found['pages']}: no more results")
    return EXIT_OK


def _post_url(config: Config) -> Callable[[date], str] | None:
    """Where a day's post is on the blog, where blog.site_url is set."""
    if not config.settings.blog.site_url:
        return None
    from digestbot.blog.address import BlogAddress

    storage = config.settings.storage
    address = BlogAddress(config.settings.blog.site_url, storage.blog_dir, storage.post_filename)
    return address.post_url


def usage_command(args: argparse.Namespace) -> int:
    """Spend per period, and against the LLM budget: each row's `budget_usd` is its
    period's cap ([llm] daily_budget_usd by day, monthly_budget_usd by month; 0: none)."""
    from datetime import UTC, datetime

    from digestbot.core.budget import Budget, Spend, status_lines

    config = checked.load_config(args)
    llm = config.settings.llm
    budget = Budget(llm.daily_budget_usd, llm.monthly_budget_usd)
    cap = budget.daily_usd if args.by == "day" else budget.monthly_usd
    with _open(args, config) as history:
        rows = history.reports.usage(args.by, args.since)
        spend = Spend(**history.reports.spend(datetime.now(UTC)))
    if args.json:
        print_json([{**r, "budget_usd": cap} for r in rows])
        return EXIT_OK
    if not rows:
        warn("usage", "no runs yet")
    else:
        table(
            [
                (
                    r["period"],
                    r["runs"],
                    f"{r['calls']:,}",
                    f"{r['cache_hits']:,}",
                    f"{r['prompt_tokens']:,}",
                    f"{r['completion_tokens']:,}",
                    f"${r['cost_usd']:.4f}",
                )
                for r in rows
            ],
            (args.by, "runs", "LLM calls", "cache hits", "tokens in", "tokens out", "cost"),
            right=(1, 2, 3, 4, 5, 6),
        )
        sys.stdout.write("\n")
    for line in status_lines(budget, spend):
        sys.stdout.write(line + "\n")
    return EXIT_OK


def predictions_command(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from digestbot.core import trends
    from digestbot.core.errors import DigestbotError, MissingDigest

    config = checked.load_config(args)
    with _open(args, config) as history:
        made = history.reports.predictions_made(args.since)
    by_event = trends.series(made, config.settings.predictions.events)
    if not by_event:
        raise MissingDigest("there are no predictions in history yet")
    months = trends.monthly(by_event)
    if args.json:
        print_json([asdict(m) for m in months])
    else:
        table(
            [
                (m.event, m.month, m.count, f"{m.median:.1f}", f"{m.low:.0f}–{m.high:.0f}")
                for m in months
            ],
            ("event", "month", "predictions", "median year", "range"),
            right=(2, 3),
        )
    if args.chart:
        from digestbot.chart import prediction_chart

        chart = prediction_chart(by_event)
        try:
            with open(args.chart, "wb") as handle:
                handle.write(chart)
        except OSError as exc:
            raise DigestbotError(f"cannot write the chart {args.chart}: {exc.strerror}") from None
        say("chart", args.chart)
    return EXIT_OK
