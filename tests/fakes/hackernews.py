"""A fake Hacker News Firebase API: `/v0/{top,best}stories.json` and `/v0/item/{id}.json`.

Payloads are shaped as the real API sends them: a listing is a JSON list of ids, an item
has by, descendants, id, kids, score, time, title, type and url (an Ask HN has text and
no url; a job has no descendants; a deleted item little but its id), and an id the API
does not have answers null. Besides the scripted faults of every fake server, a request
can hang until the server stops, and item requests can be held for `item_delay` seconds
while the fake counts how many are in flight at once (`peak`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer, json_response

T0 = 1_764_460_800  # 2025-11-30 00:00 UTC: the fake's stories are fixed in time


def story(
    id: int, title: str, *, score: int = 100, age: int = 3600, **extra: Any
) -> dict[str, Any]:
    """A link story, as the API sends it."""
    return {
        "by": "someone",
        "descendants": score // 4,
        "id": id,
        "kids": [id * 100 + k for k in range(3)],
        "score": score,
        "time": T0 - age,
        "title": title,
        "type": "story",
        "url": f"https://example.org/{id}",
        **extra,
    }


def ask(id: int, title: str, text: str, **extra: Any) -> dict[str, Any]:
    """An Ask HN: its text (HTML) instead of a url."""
    item = story(id, title, text=text, **extra)
    del item["url"]
    return item


def job(id: int, title: str) -> dict[str, Any]:
    return {
        "by": "a-startup",
        "id": id,
        "score": 1,
        "time": T0 - 7200,
        "title": title,
        "type": "job",
        "url": f"https://example.org/jobs/{id}",
    }


def deleted(id: int) -> dict[str, Any]:
    return {"deleted": True, "id": id, "time": T0 - 600, "type": "story"}


def dead(id: int, title: str) -> dict[str, Any]:
    return {**story(id, title, score=1), "dead": True}


ASK_TEXT = (
    "I&#x27;m choosing between <i>two</i> stacks &amp; can&#x27;t decide.<p>The docs are at "
    '<a href="https:&#x2F;&#x2F;example.org&#x2F;docs&#x2F;a-very-long-path" rel="nofollow">'
    "https:&#x2F;&#x2F;example.org&#x2F;docs&#x2F;a-very-...</a> and say x &lt; y.<p>Thoughts?"
)


def front_page() -> dict[int, dict[str, Any] | None]:
    """A day's listing: stories, an Ask HN, a job, a deleted and a dead story, and an id
    the API answers null for (42 is in no item map)."""
    items: list[dict[str, Any]] = [
        story(11, "A new approach to sparse attention", score=512, age=1800),
        ask(12, "Ask HN: Which stack for a small ML team?", ASK_TEXT, score=230),
        job(13, "Example (YC S25) is hiring ML engineers"),
        deleted(14),
        dead(15, "Buy cheap watches"),
        story(16, "Show HN: A tiny vector database", score=88, age=9000),
    ]
    return {item["id"]: item for item in items}


class FakeHackerNews(FakeServer):
    def __init__(
        self,
        items: dict[int, dict[str, Any] | None] | None = None,
        lists: dict[str, list[int]] | None = None,
    ) -> None:
        self.items = front_page() if items is None else items
        self.lists = lists or {"top": [*self.items, 42], "best": list(reversed(self.items))}
        self.item_delay = 0.0
        self.in_flight = 0
        self.peak = 0
        super().__init__()

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/v0/{listing}stories.json", self._listing)
        app.router.add_get("/v0/item/{id}.json", self._item)

    async def _listing(self, request: web.Request) -> web.Response:
        ids = self.lists.get(request.match_info["listing"])
        if ids is None:  # Firebase's answer for a path its rules do not open
            return json_response({"error": "Permission denied"}, status=401)
        return json_response(ids)

    async def _item(self, request: web.Request) -> web.Response:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            if self.item_delay:
                await asyncio.sleep(self.item_delay)
        finally:
            with self._lock:
                self.in_flight -= 1
        try:
            return json_response(self.items.get(int(request.match_info["id"])))
        except ValueError:
            return json_response({"error": "Permission denied"}, status=401)
