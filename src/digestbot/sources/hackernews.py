"""Hacker News through its public Firebase API: a listing's ids, then each story.

`{api_url}/{listing}stories.json` ranks the listing's ids (up to 500); the first
`fetch_limit` are read from `{api_url}/item/{id}.json`, AT_ONCE at a time in one
session, each request under our user agent, `timeout_seconds` and `retry.with_retries`.

What the front page would not show as a story is skipped: deleted and dead items, jobs,
anything but a story, an id that answers null. One story that fails (a 5xx past its
retries, a body that is not a story) is skipped too and logged. The source fails only
when its list does, or when more than half of its stories do: then it is not answering,
and a digest of the few left would mislead.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from digestbot.core.errors import SourceError
from digestbot.core.models import SourcePost
from digestbot.sources.http import get_bytes
from digestbot.sources.retry import with_retries

log = logging.getLogger(__name__)

API_URL = "https://hacker-news.firebaseio.com/v0"
AT_ONCE = 10  # item requests in flight at the same time
DISCUSSION = "https://news.ycombinator.com/item?id={}"
_PARAGRAPH = re.compile(r"<p>", re.IGNORECASE)
_ANCHOR = re.compile(r'<a\s[^>]*?href="([^"]*)"[^>]*>.*?</a>', re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class HackerNewsOptions:
    name: str
    listing: str  # "top" or "best"
    api_url: str  # the Firebase base including /v0: https://hacker-news.firebaseio.com/v0
    fetch_limit: int
    user_agent: str
    timeout_seconds: float


def plain_text(markup: str) -> str:
    """An item's HTML text as plain paragraphs. A link becomes its whole address: the
    text HN shows for it is cut short ("https://example.com/a/lo...")."""
    with_addresses = _ANCHOR.sub(lambda m: f" {m[1]} ", markup)
    paragraphs = (html.unescape(_TAG.sub(" ", p)) for p in _PARAGRAPH.split(with_addresses))
    return "\n\n".join(text for text in (" ".join(p.split()) for p in paragraphs) if text)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def story_post(item: Any, story_id: int, source: str) -> SourcePost | None:
    """The item as a SourcePost; None for what is skipped; SourceError for what is not
    an item at all."""
    if item is None:  # Firebase's answer for an id it does not have
        return None
    if not isinstance(item, dict):
        raise SourceError(f"item {story_id}: its answer is not an item")
    if item.get("deleted") or item.get("dead") or item.get("type") != "story":
        return None
    title, when = item.get("title"), item.get("time")
    link, text = item.get("url") or "", item.get("text") or ""
    score, comments = item.get("score", 0), item.get("descendants", 0)
    if not (
        isinstance(title, str)
        and isinstance(link, str)
        and isinstance(text, str)
        and all(_is_int(v) for v in (when, score, comments))
    ):
        raise SourceError(f"item {story_id}: its answer is not a story")
    try:
        created = datetime.fromtimestamp(when, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SourceError(f"item {story_id}: its time is not a time ({when})") from exc
    return SourcePost(
        id=f"hn:{story_id}",
        source=source,
        title=title,
        url=DISCUSSION.format(story_id),
        link=link,
        body=plain_text(text),
        score=score,
        num_comments=comments,
        created_utc=created,
    )


class HackerNewsSource:
    def __init__(self, options: HackerNewsOptions) -> None:
        self._options = options
        name = options.name
        self._what = name if "Hacker News" in name else f"Hacker News ({name})"

    async def fetch(self) -> list[SourcePost]:
        """The listing's stories in its order, best first."""
        o = self._options
        base = o.api_url.rstrip("/")
        listing = f"{self._what}, {o.listing} stories"
        timeout = aiohttp.ClientTimeout(total=o.timeout_seconds)  # per try
        headers = {"User-Agent": o.user_agent}
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            ids = await with_retries(
                lambda: self._get(session, f"{base}/{o.listing}stories.json", listing), listing
            )
            if not isinstance(ids, list) or not all(_is_int(i) for i in ids):
                raise SourceError(f"{listing}: its answer is not a list of ids")
            slots = asyncio.Semaphore(AT_ONCE)
            results = await asyncio.gather(
                *(self._story(session, slots, base, i) for i in ids[: max(o.fetch_limit, 0)])
            )
        failed = [r for r in results if isinstance(r, SourceError)]
        if 2 * len(failed) > len(results):
            raise SourceError(
                f"{self._what} is not answering: {len(failed)} of {len(results)} stories"
                f" failed ({failed[0]})"
            )
        return [r for r in results if isinstance(r, SourcePost)]

    async def _story(
        self, session: aiohttp.ClientSession, slots: asyncio.Semaphore, base: str, story_id: int
    ) -> SourcePost | SourceError | None:
        """One story, None if skipped, or why it failed: one story does not fail the rest."""
        label = f"{self._what}, item {story_id}"
        try:
            async with slots:
                item = await with_retries(
                    lambda: self._get(session, f"{base}/item/{story_id}.json", label), label
                )
            return story_post(item, story_id, self._options.name)
        except SourceError as exc:
            log.warning("%s: skipped %s", self._what, exc)
            return exc

    async def _get(self, session: aiohttp.ClientSession, url: str, label: str) -> Any:
        """One try: the answer's JSON, Transient for what may pass, SourceError for the rest."""
        body = await get_bytes(session, url, label, self._options.timeout_seconds)
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise SourceError(f"{label}: its answer is not JSON") from exc
