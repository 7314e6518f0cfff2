"""How many LLM calls a digest keeps in flight: a fixed number, or what the server keeps
pace with.

A server with fewer slots than the calls sent to it queues them, and a queued call waits
for its first token for as long as the calls ahead of it take. So each call reports how
long it waited for its first token; a wait well beyond the quickest one seen means the
server is queueing, and the limit is halved (a timeout or an outage halves it too); a
prompt answer to a call made while the limit was in full use raises it by one. Once a
limit proved too many, the run never goes back above the one that worked (a one-slot
server settles at 1 instead of flooding again every other call). Additive increase,
multiplicative decrease, as TCP paces a network; no library does this for asyncio tasks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

QUEUED_FACTOR = 2.0  # a first token this many times slower than the quickest: queued
QUEUED_MARGIN = 0.5  # seconds of slack, for servers whose quickest wait is tiny


@dataclass
class Ticket:
    """One call's place: whether the limit was in full use when it started."""

    full: bool


class ConcurrencyLimit:
    def __init__(self, start: int, *, cap: int, adaptive: bool, ceiling: int | None = None) -> None:
        """`ceiling`: the most an earlier run found the server takes, if it found one."""
        self.limit = max(1, min(start, cap))
        self._cap = cap
        self._ceiling = min(cap, ceiling or cap) if adaptive else self.limit
        self._adaptive = adaptive
        self._in_flight = 0
        self._quickest: float | None = None
        self._changed = asyncio.Condition()

    @property
    def learned(self) -> bool:
        """Whether this run found the most the server takes (it had to lower the limit)."""
        return self._adaptive and self._ceiling < self._cap

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Ticket]:
        async with self._changed:
            await self._changed.wait_for(lambda: self._in_flight < self.limit)
            self._in_flight += 1
            ticket = Ticket(full=self._in_flight >= self.limit)
        try:
            yield ticket
        finally:
            async with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def answered(self, ticket: Ticket, first_token_seconds: float) -> None:
        """A call was answered, its first token after `first_token_seconds` (called within
        its slot)."""
        if not self._adaptive:
            return
        quickest = self._quickest = min(self._quickest or first_token_seconds, first_token_seconds)
        if first_token_seconds > QUEUED_FACTOR * quickest + QUEUED_MARGIN:
            self._lower()
        elif ticket.full and self.limit < self._ceiling:
            self.limit += 1  # the waiters hear of it when this call's slot is let go

    def struggled(self) -> None:
        """A call timed out or the server failed it: fewer at once."""
        if self._adaptive:
            self._lower()

    def _lower(self) -> None:
        self.limit = max(1, self.limit // 2)
        self._ceiling = min(self._ceiling, self.limit)
