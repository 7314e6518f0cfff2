"""The sources' retry policy: a few quick tries for what may pass, none for what will not.

Reddit and its feeds fail in two ways. Some failures pass by themselves: a 429 (rate
limited), a 5xx, a dropped connection, no answer in time. A fetch raises them as
`Transient` and is tried again, ATTEMPTS times in all, after a short backoff or after
the Retry-After the server asked for. The rest do not pass: 401, 403, 404, a missing,
private or banned subreddit, a body that is not a listing. A fetch raises those as
SourceError, which is never retried.

The backoff is short on purpose: it rides out a blip, it does not wait out an outage
(the scheduler tries a failed day again later). With each try bounded by the source's
`timeout_seconds`, one listing takes at most ATTEMPTS × timeout_seconds plus two waits
of at most RETRY_AFTER_CAP each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential, wait_random

from digestbot.core.errors import SourceError

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 3
# Before the 2nd try 0.5-1 s, before the 3rd 1-1.5 s; the jitter keeps the main and
# trending listings, fetched at once, from knocking again in step.
BACKOFF = wait_exponential(multiplier=0.5, max=4) + wait_random(0, 0.5)
# A server asking for a longer wait than this is not retried: the run fails at once and
# says how long Reddit asked for, rather than sitting in a wait that outlives the run.
RETRY_AFTER_CAP = 10.0

# How a wait is spent. Tests put a recorder here: they see the waits without waiting.
sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class Transient(Exception):
    """A failure that may pass: tried again, then reported as SourceError.

    The message says what happened ("it answered 503"); `retry_after` is the wait the
    server asked for, in seconds, if it asked.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def is_transient(status: int) -> bool:
    """Whether an HTTP status is worth another try: 408, 429 and every 5xx."""
    return status in (408, 429) or status >= 500


def for_status(status: int, retry_after: str | None) -> Transient:
    """The Transient for an HTTP status that `is_transient`, with its Retry-After header."""
    if status == 429:
        return Transient("it is rate limiting this client (429)", _seconds(retry_after))
    return Transient(f"it answered {status}", _seconds(retry_after))


def _seconds(value: str | None) -> float | None:
    """A Retry-After header's wait in seconds (a number or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _worth_retrying(exc: BaseException) -> bool:
    return isinstance(exc, Transient) and (exc.retry_after or 0) <= RETRY_AFTER_CAP


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, Transient) and exc.retry_after is not None:
        return exc.retry_after
    return BACKOFF(state)


async def with_retries(attempt: Callable[[], Awaitable[T]], what: str) -> T:
    """`attempt()` under the policy; a last Transient becomes SourceError("what: ...").

    `what` names the source and the subreddit, e.g. "the feed of r/MachineLearning".
    """

    def log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "%s: %s; trying again in %.1f s (try %d of %d)",
            what, exc, state.upcoming_sleep, state.attempt_number + 1, ATTEMPTS,
        )  # fmt: skip

    retrying = AsyncRetrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=_wait,
        retry=retry_if_exception(_worth_retrying),
        before_sleep=log_retry,
        sleep=sleep,
        reraise=True,
    )

    async def one_try() -> T:  # tenacity awaits only what a coroutine function returns
        return await attempt()

    try:
        return await retrying(one_try)
    except Transient as exc:
        tries = retrying.statistics.get("attempt_number", 1)
        if exc.retry_after is not None and exc.retry_after > RETRY_AFTER_CAP:
            raise SourceError(
                f"{what}: {exc} and asks to wait {exc.retry_after:.0f} s; try again later"
            ) from exc
        raise SourceError(f"{what} after {tries} tries: {exc}") from exc
