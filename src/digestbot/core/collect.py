"""A day's posts from the source: the main listing, and the trending one as a bonus."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from digestbot.core.errors import SourceError
from digestbot.core.models import Collection
from digestbot.core.ports import Source


@dataclass(frozen=True, slots=True)
class Communities:
    main: str
    trending: str
    trending_listing: str


async def collect(source: Source, communities: Communities, now: datetime) -> Collection:
    """Both listings at once. The main one must work; trending is a nice-to-have."""
    main, trending = await asyncio.gather(
        source.fetch(communities.main, "top"),
        source.fetch(communities.trending, communities.trending_listing),
        return_exceptions=True,
    )
    if isinstance(main, BaseException):
        raise main
    problems: tuple[str, ...] = ()
    if isinstance(trending, BaseException):
        if not isinstance(trending, Exception):
            raise trending  # a cancellation, not a failure of the source
        reason = trending if isinstance(trending, SourceError) else repr(trending)
        problems = (f"trending topics left out: {reason}",)
        trending = []
    return Collection(now, tuple(main), tuple(trending), problems=problems)
