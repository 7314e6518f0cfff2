"""Delivering a digest to chat channels exactly once, with the ledger in SQLite.

Every (digest, channel) delivery is a sequence of messages; each is marked `sending`
before its request and `sent` with its id after, so a re-run, a restart or a crash
posts only what is missing. The window between sending and recording is closed by
the platform's idempotency key where it has one (Discord's nonce), or by looking the
key up in the channel's recent history (Slack's message metadata).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digestbot.core.claims import hold
from digestbot.core.errors import DeliveryError
from digestbot.core.models import Digest
from digestbot.core.ports import ChatPlatform, Claims, DeliveryLedger, Published


@dataclass(frozen=True, slots=True)
class ChannelResult:
    platform: str
    channel: str
    sent: int  # messages posted by this run
    already: int  # messages an earlier run had posted
    error: str = ""
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


def delivery_key(digest: Digest, platform: str, channel: str, part: int) -> str:
    """The same message of the same digest for the same channel always gets the same key.

    25 characters: the most Discord takes as a nonce.
    """
    text = f"{digest.day.isoformat()}|{platform}|{channel}|{part}"
    return hashlib.sha256(text.encode()).hexdigest()[:25]


def summarise(platform: str, results: Sequence[ChannelResult]) -> Published:
    failed = [r for r in results if not r.ok]
    sent = sum(r.sent for r in results)
    already = sum(r.already for r in results)
    summary = (
        f"{platform}: {len(results) - len(failed)}/{len(results)} channels "
        f"({sent} messages sent, {already} already there)"
    )
    problems = tuple(
        r.error + ("" if r.permanent else " (will be retried on the next run)") for r in failed
    )
    return Published(summary, problems, delivered=len(failed) < len(results))


DELIVERY_STALE_AFTER = timedelta(minutes=30)
DELIVERY_WAIT_SECONDS = 15 * 60.0
PlatformOpener = Callable[[], AbstractAsyncContextManager[ChatPlatform]]


class ChatPublisher:
    """Delivers digests to a platform's channels, opening the platform for each publish."""

    def __init__(
        self,
        name: str,
        open_platform: PlatformOpener,
        ledger: DeliveryLedger,
        claims: Claims,
        channels: Sequence[str],
        *,
        concurrency: int,
        owner: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self._open = open_platform
        self._ledger = ledger
        self._claims = claims
        self._channels = tuple(channels)
        self._concurrency = concurrency
        self._owner = owner
        self._clock = clock

    async def publish(self, digest: Digest) -> Published:
        # Two processes delivering the same digest at once could both post a message
        # before either records it; the claim makes the second wait, then find it done.
        key = f"deliver:{self.name}:{digest.day.isoformat()}"
        await hold(
            self._claims,
            key,
            self._owner,
            stale_after=DELIVERY_STALE_AFTER,
            clock=self._clock,
            max_wait=DELIVERY_WAIT_SECONDS,
        )
        try:
            async with self._open() as platform:
                deliverer = Deliverer(platform, self._ledger, self._concurrency)
                results = await deliverer.deliver(digest, self._channels)
        except DeliveryError as exc:  # the platform could not be opened at all
            return Published(f"{self.name}: not delivered", (str(exc),), delivered=False)
        finally:
            self._claims.release(key, self._owner)
        return summarise(self.name, results)


@dataclass
class _Progress:
    """One channel's delivery so far, across the waves."""

    sent: int = 0
    already: int = 0
    thread: str = ""
    error: DeliveryError | None = None


class Deliverer:
    def __init__(
        self, platform: ChatPlatform, ledger: DeliveryLedger, concurrency: int = 8
    ) -> None:
        self._platform = platform
        self._ledger = ledger
        self._slots = asyncio.Semaphore(concurrency)

    async def deliver(self, digest: Digest, channels: Sequence[str]) -> list[ChannelResult]:
        """Post what each channel is missing, in waves: every channel's first message, then
        every channel's second, and so on. Each channel gets its messages in order, and
        the wave spaces them out, which keeps clear of per-channel rate limits."""
        messages = self._platform.render(digest)
        progress = {channel: _Progress() for channel in channels}
        for part, message in enumerate(messages):
            await asyncio.gather(
                *(
                    self._step(digest, channel, part, message, state, len(messages))
                    for channel, state in progress.items()
                    if state.error is None
                )
            )
        name = self._platform.name
        return [
            ChannelResult(
                name,
                channel,
                p.sent,
                p.already,
                str(p.error) if p.error else "",
                bool(p.error and p.error.permanent),
            )
            for channel, p in progress.items()
        ]

    async def _step(
        self, digest: Digest, channel: str, part: int, message: object, state: _Progress, total: int
    ) -> None:
        name = self._platform.name
        async with self._slots:
            row = self._ledger.get(digest.day, name, channel, part)
            try:
                if row and row["state"] == "sent":
                    state.already += 1
                    message_id = row["message_id"]
                else:
                    message_id = await self._post(digest, channel, part, message, row, state.thread)
                    state.sent += 1
                if part == 0 and self._platform.threads and total > 1:
                    state.thread = (row or {}).get("thread_id") or await self._thread(
                        digest, channel, message_id
                    )
            except DeliveryError as exc:
                self._ledger.mark_failed(digest.day, name, channel, part, str(exc), exc.permanent)
                state.error = exc

    async def _post(
        self,
        digest: Digest,
        channel: str,
        part: int,
        message: object,
        row: dict | None,
        thread: str,
    ) -> str:
        platform, name = self._platform, self._platform.name
        key = delivery_key(digest, name, channel, part)
        message_id = None
        if row and row["state"] == "sending":  # an earlier run stopped right here
            since = datetime.fromisoformat(row["sending_at"]) - timedelta(minutes=1)
            message_id = await platform.find_sent(channel, key, since, thread or None)
        if message_id is None:
            self._ledger.mark_sending(digest.day, name, channel, part, key)
            message_id = await platform.send(channel, message, key=key, thread=thread or None)
        self._ledger.mark_sent(digest.day, name, channel, part, message_id)
        return message_id

    async def _thread(self, digest: Digest, channel: str, message_id: str) -> str:
        thread = await self._platform.start_thread(channel, message_id, digest.heading)
        self._ledger.set_thread(digest.day, self._platform.name, channel, 0, thread)
        return thread
