"""One digest fanned out to many Discord and Slack channels on rate-limited fakes.

The fakes allow each channel one message per second and answer 429 with retry-after
beyond that, as the real platforms do per channel. Prints wall time, requests, 429s
and how many copies of the digest each channel holds (must be exactly 1).

    python benchmarks/deliver.py [--channels 200] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
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
from tests.fakes.discord import FakeDiscord  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402

EXAMPLE = ROOT / "examples" / "2026-11-20-collection.json"


def copies_per_channel(messages: dict[str, list], channels: list[str], parts: int) -> Counter:
    """How many full copies each channel holds (messages / parts of one digest)."""
    return Counter(len(messages[c]) / parts for c in channels)


async def run(folder: Path, count: int, concurrency: int) -> None:
    discord_channels = [str(900_000_000_000_000_000 + i) for i in range(count)]
    slack_channels = [f"C{i:010d}" for i in range(count)]
    with (
        FakeDiscord(set(discord_channels), per_channel_limit=1, window=1.0) as discord_api,
        FakeSlack(set(slack_channels), per_channel_limit=1, window=1.0) as slack_api,
    ):
        path = folder / "digestbot.toml"
        path.write_text(
            f'[storage]\ndatabase = "{folder / "history.db"}"\nblog_dir = "{folder / "blog"}"\n'
            f"[discord]\nchannels = {discord_channels}\n"
            f'api_base_url = "{discord_api.url}/api/v10"\n'
            f'[slack]\nchannels = {slack_channels}\napi_base_url = "{slack_api.url}/api/"\n'
            f"[delivery]\nconcurrency = {concurrency}\n".replace("'", '"')
        )
        app = App(loader.load(str(path), env_file=None))
        outcome = await app.generate(replay_file=EXAMPLE, post=False)
        started = time.perf_counter()
        results = await app.publish(outcome.digest.day)
        wall = time.perf_counter() - started
        discord_parts = len(render_discord(outcome.digest))
        slack_parts = len(render_slack(outcome.digest))
        print(
            f"{count} Discord + {count} Slack channels, {concurrency} at once per platform; "
            "fakes allow 1 message per channel per second"
        )
        print(f"wall time      {wall:.2f} s")
        for name, api, channels, parts in (
            ("discord", discord_api, discord_channels, discord_parts),
            ("slack", slack_api, slack_channels, slack_parts),
        ):
            posts = [
                r
                for r in api.requests
                if r.method == "POST" and r.path.endswith(("/messages", "chat.postMessage"))
            ]
            copies = copies_per_channel(api.messages, channels, parts)
            print(
                f"{name:<8} {len(posts)} post requests, {api.limiter.rejected} answered 429, "
                f"{parts} messages a digest, copies per channel: {dict(copies)}"
            )
        for result in results:
            print(
                f"{result.summary}" + (f"; problems: {result.problems}" if result.problems else "")
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    os.environ.update({"DISCORD_TOKEN": "discord-token", "SLACK_BOT_TOKEN": "xoxb-slack-token"})
    os.environ.pop("OPENAI_API_KEY", None)
    logging.getLogger("discord").setLevel(logging.ERROR)  # 429s are the point here
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), args.channels, args.concurrency))


if __name__ == "__main__":
    main()
