"""Feeds made by a test: RSS 2.0 feeds at /feeds/<name>, each a list of items dated
relative to the moment they are asked for, so a run of `generate` finds them fresh
whatever the day.

`gate = n` holds every answer until n requests are in flight at once (or GATE_SECONDS
pass, so a fetch one at a time still ends), and `peak` counts the most in flight: ten
sources fetched at once show a peak of ten.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

from tests.fakes.server import FakeServer

GATE_SECONDS = 10.0


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    hours_ago: float = 1.0
    text: str = "What the post says, in a sentence or two of its own."


def rss(name: str, items: list[Item], now: datetime) -> bytes:
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
        f"<guid>{escape(i.link)}</guid><description>{escape(i.text)}</description>"
        f"<pubDate>{format_datetime(now - timedelta(hours=i.hours_ago))}</pubDate></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(name)}</title><link>https://{name}.example.org/</link>"
        f"<description>The {escape(name)} feed</description>{entries}</channel></rss>"
    ).encode()


class DayFeeds(FakeServer):
    def __init__(self) -> None:
        self.feeds: dict[str, list[Item]] = {}
        self.gate = 0
        self.in_flight = 0
        self.peak = 0
        self._full: asyncio.Event | None = None  # made in the server's loop
        super().__init__()

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/feeds/{name}", self._feed)

    def url_of(self, name: str) -> str:
        return f"{self.url}/feeds/{name}"

    async def _feed(self, request: web.Request) -> web.Response:
        if self._full is None:
            self._full = asyncio.Event()
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            if self.gate and self.in_flight >= self.gate:
                self._full.set()
        try:
            if self.gate:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), GATE_SECONDS)
        finally:
            with self._lock:
                self.in_flight -= 1
        items = self.feeds.get(request.match_info["name"])
        if items is None:
            return web.Response(status=404, text="no such feed")
        body = rss(request.match_info["name"], items, datetime.now(UTC))
        return web.Response(body=body, content_type="application/rss+xml")
