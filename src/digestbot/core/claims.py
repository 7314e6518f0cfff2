"""Waiting for a job that another process holds: a claim in the history, polled, with a
bound on the wait so that a stuck holder is reported instead of hanging the bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from digestbot.core.errors import ClaimTimeout
from digestbot.core.ports import Claims

log = logging.getLogger("digestbot")


async def hold(
    claims: Claims,
    key: str,
    owner: str,
    *,
    stale_after: timedelta,
    clock: Callable[[], datetime],
    max_wait: float,
    poll_seconds: float = 0.5,
) -> bool:
    """Claim `key` for `owner`, waiting while another live owner holds it.

    Returns True if we had to wait (the holder may have done the work meanwhile);
    raises ClaimTimeout after `max_wait` seconds of waiting.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_wait
    waited = False
    while not claims.claim(key, owner, stale_after, clock()):
        if not waited:
            log.info("waiting for another digestbot, busy with %s", key)
        if loop.time() >= deadline:
            raise ClaimTimeout(
                f"another digestbot has been busy with {key} for over {max_wait:g} s; "
                "try again later (a claim left by a process that died is freed after "
                f"{stale_after.total_seconds() / 60:g} minutes)"
            )
        waited = True
        await asyncio.sleep(poll_seconds)
    return waited
