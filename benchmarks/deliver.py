"""One digest fanned out to many Discord and Slack channels on rate-limited fakes.

The fakes allow each channel one message per second and answer 429 with retry-after
beyond that, as the real platforms do per channel; they run in a process of their own,
as the real platforms are elsewhere. The floor is what the rate limits allow at best:
the same digest delivered to one channel per platform, measured in the same run. The
figure is the fan-out's wall time against that floor (goal: within 1.5x). Also prints
requests, 429s and how many copies of the digest each channel holds (must be exactly 1).

    python benchmarks/deliver.py [--channels 200] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digestbot.app.digests import App  # noqa: E402
from digestbot.chat.discord.render import render_discord  # noqa: E402
from digestbot.chat.slack.render import render_slack  # noqa: E402
from digestbot.config import loader  # noqa: E402

EXAMPLE = ROOT / "examples" / "2026-11-20-collection.json"


def channels(count: int) -> tuple[list[str], list[str]]:
    return (
        [str(900_000_000_000_000_000 + i) for i in range(count)],
        [f"C{i:010d}" for i in range(count)],
    )


def serve_fakes(count: int, pipe) -> None:
    """The fakes, in a process of their own: sends their URLs, then on request a summary."""
    from tests.fakes.discord import FakeDiscord
    from tests.fakes.slack import FakeSlack

    discord_all, slack_all = channels(count + 1)  # the last one measures the floor
    discord_ids, slack_ids = discord_all[:count], slack_all[:count]
    with (
        FakeDiscord(set(discord_all), per_channel_limit=1, window=1.0) as discord_api,
        FakeSlack(set(slack_all), per_channel_limit=1, window=1.0) as slack_api,
    ):
        pipe.send((discord_api.url, slack_api.url))
        pipe.recv()  # the benchmark is done
        summary = {}
        for name, api, ids in (
            ("discord", discord_api, discord_ids),
            ("slack", slack_api, slack_ids),
        ):
            posts = [
                r
                for r in api.requests
                if r.method == "POST" and r.path.endswith(("/messages", "chat.postMessage"))
            ]
            summary[name] = (
                len(posts),
                api.limiter.rejected,
                Counter(len(api.messages[c]) for c in ids),
            )
        pipe.send(summary)


def settings(
    folder: Path, urls: tuple[str, str], ids: tuple[list[str], list[str]], concurrency: int
) -> Path:
    discord_url, slack_url = urls
    discord_ids, slack_ids = ids
    folder.mkdir()
    path = folder / "digestbot.toml"
    path.write_text(
        f'[storage]\ndatabase = "{folder / "history.db"}"\nblog_dir = "{folder / "blog"}"\n'
        f"[discord]\nchannels = {discord_ids}\n"
        f'api_base_url = "{discord_url}/api/v10"\n'
        f'[slack]\nchannels = {slack_ids}\napi_base_url = "{slack_url}/api/"\n'
        f"[delivery]\nconcurrency = {concurrency}\n".replace("'", '"')
    )
    return path


async def deliver(path: Path) -> tuple[float, App, int, int]:
    """Make the example day's digest, then time its delivery to every channel."""
    app = App(loader.load(str(path), env_file=None))
    outcome = await app.generate(replay_file=EXAMPLE, post=False)
    started = time.perf_counter()
    results = await app.publish(outcome.digest.day)
    wall = time.perf_counter() - started
    for result in results:
        if result.problems:
            print(f"{result.summary}; problems: {result.problems}")
    return wall, app, len(render_discord(outcome.digest)), len(render_slack(outcome.digest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    os.environ.update({"DISCORD_TOKEN": "discord-token", "SLACK_BOT_TOKEN": "xoxb-slack-token"})
    os.environ.pop("OPENAI_API_KEY", None)
    logging.getLogger("discord").setLevel(logging.ERROR)  # 429s are the point here
    ours, theirs = multiprocessing.Pipe()
    fakes = multiprocessing.Process(target=serve_fakes, args=(args.channels, theirs))
    fakes.start()
    try:
        urls = ours.recv()
        with tempfile.TemporaryDirectory() as tmp:
            discord_all, slack_all = channels(args.channels + 1)
            # The floor: one channel each, on the same fakes, in the same run.
            one = ([discord_all[-1]], [slack_all[-1]])
            floor, *_ = asyncio.run(deliver(settings(Path(tmp) / "floor", urls, one, 20)))
            every = (discord_all[:-1], slack_all[:-1])
            wall, _, discord_parts, slack_parts = asyncio.run(
                deliver(settings(Path(tmp) / "all", urls, every, args.concurrency))
            )
        ours.send("done")
        summary = ours.recv()
    finally:
        fakes.join(10)
    print(
        f"{args.channels} Discord + {args.channels} Slack channels, {args.concurrency} "
        "requests at once per platform; fakes allow 1 message per channel per second"
    )
    print(f"floor (1 + 1 channels)   {floor:.2f} s")
    print(f"all channels             {wall:.2f} s   {wall / floor:.2f}x the floor")
    for name, parts in (("discord", discord_parts), ("slack", slack_parts)):
        posts, rejected, held = summary[name]
        copies = {count / parts: n for count, n in sorted(held.items())}
        print(
            f"{name:<8} {posts} post requests, {rejected} answered 429, {parts} messages a "
            f"digest, copies per channel: {copies}"
        )


if __name__ == "__main__":
    main()
