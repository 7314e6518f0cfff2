"""What the feed-like sources share: one HTTP try, a fetch under the retry policy, and
feedparser's reading of the answer.

One try (`get_bytes`) gives the body's bytes, raises `Transient` for what may pass (a
timeout, a dropped connection, 408, 429, 5xx) and SourceError for the rest, each message
beginning with `what`, which names the source ("the feed of r/MachineLearning").
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Collection
from datetime import UTC, datetime
from time import struct_time
from typing import Any

import aiohttp
import feedparser

from digestbot.core.errors import SourceError
from digestbot.sources.retry import Transient, for_status, is_transient, with_retries

_TAG = re.compile(r"<[^>]+>")
# No source we read comes near this (a hundred arXiv papers are under 1 MB): a body
# larger is refused before it fills the memory.
MAX_BYTES = 20_000_000


async def get_bytes(
    session: aiohttp.ClientSession,
    url: str,
    what: str,
    timeout_seconds: float,
    refusals: dict[int, str] | None = None,
    ok: Collection[int] = (200,),
) -> bytes:
    """One try: the body of an answer whose status is in `ok`, Transient for what may
    pass, SourceError for the rest ("... answered 404" and its meaning in `refusals`, a
    body larger than MAX_BYTES).

    `timeout_seconds` is the session's own per-try timeout, named in the message.
    """
    try:
        async with session.get(url) as response:
            if response.status in ok:
                return await _capped(response, what)
            if is_transient(response.status):
                raise for_status(response.status, response.headers.get("Retry-After"))
            meaning = (refusals or {}).get(response.status, "")
            raise SourceError(f"{what} answered {response.status}{meaning}")
    except TimeoutError as exc:
        raise Transient(f"no answer within {timeout_seconds:g} s") from exc
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
        raise Transient(f"the connection failed ({type(exc).__name__})") from exc
    except aiohttp.ClientError as exc:
        raise SourceError(f"cannot fetch {what}: {exc}") from exc


async def _capped(response: aiohttp.ClientResponse, what: str) -> bytes:
    """The whole body, or SourceError once it passes MAX_BYTES."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BYTES:
            raise SourceError(f"{what} sent more than {MAX_BYTES:,} bytes, too many to read")
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch_bytes(
    url: str,
    what: str,
    user_agent: str,
    timeout_seconds: float,
    refusals: dict[int, str] | None = None,
    ok: Collection[int] = (200,),
) -> bytes:
    """`get_bytes` in a session of its own, with our user agent, under `with_retries`."""
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)  # per try
    headers = {"User-Agent": user_agent}
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        return await with_retries(
            lambda: get_bytes(session, url, what, timeout_seconds, refusals, ok),
            f"{what} failed",
        )


def parse_feed(document: bytes, what: str) -> Any:
    """feedparser's reading of an RSS or Atom document; SourceError if it is none.

    Handed over as a stream: feedparser opens a bytes or str argument that names a file
    or a URL, and a server's answer must never make us read either.
    """
    parsed = feedparser.parse(io.BytesIO(document))
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise SourceError(f"{what} is not a readable feed")
    return parsed


def plain_text(markup: str) -> str:
    """HTML as one line of plain text: tags out, entities unescaped, whitespace folded."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def text_of(detail: Any) -> str:
    """A feedparser text construct (a title, a summary, a content) as one line of plain
    text: an HTML one loses its tags and entities, a plain one only extra whitespace."""
    value = str(detail.get("value", ""))
    if "html" in str(detail.get("type", "")):
        return plain_text(value)
    return " ".join(value.split())


def entry_time(entry: Any) -> datetime:
    """When an entry was published (else updated, else now), in UTC."""
    for key in ("published_parsed", "updated_parsed"):
        # `in` first: asked for a missing updated_parsed, feedparser gives the published
        # one, with a deprecation warning.
        if key not in entry or not entry[key]:
            continue
        stamp: struct_time = entry[key]
        try:
            return datetime(*stamp[:6], tzinfo=UTC)
        except ValueError:  # feedparser reads years 0 and 10000; datetime holds neither
            continue
    return datetime.now(UTC)
