"""Delivering a digest to chat channels exactly once, with the ledger in SQLite.

Every (digest, channel) delivery is a sequence of messages; each is marked `sending`
before its request and `sent` with its id and fingerprint after, so a re-run, a restart
or a crash posts only what is missing. The window between sending and recording is
closed by the platform's idempotency key where it has one (Discord's nonce), or by
looking the key up in the channel's recent history (Slack's message metadata). A digest
made again (`--force`) has other fingerprints: its messages are edited in place, and
parts it no longer has are deleted. Each row also records the topic its message shows
(`topic`, a post id), which is how a reaction to the message finds its topic.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digestbot.core.claims import hold
from digestbot.core.errors import DeliveryError
from digestbot.core.models import Digest
from digestbot.core.ports import ChatPlatform, Claims, DeliveryLedger, Published

log = logging.getLogger("digestbot")


@dataclass(frozen=True, slots=True)
class ChannelResult:
    platform: str
    channel: str
    sent: int  # messages posted by this run
    already: int  # messages an earlier run had posted, unchanged
    updated: int = 0  # messages of an earlier making of the digest, edited or removed
    error: str = ""
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


def fingerprint(message: object) -> str:
    """What a rendered message says, in 16 hex digits: equal for equal messages."""
    data = dataclasses.asdict(message) if dataclasses.is_dataclass(message) else message
    text = json.dumps(data, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def delivery_key(digest: Digest, platform: str, channel: str, part: int, print_: str) -> str:
    """The same message of the same digest for the same channel always gets the same key.

    25 characters: the most Discord takes as a nonce.
    """
    text = f"{digest.day.isoformat()}|{platform}|{channel}|{part}|{print_}"
    return hashlib.sha256(text.encode()).hexdigest()[:25]


def summarise(platform: str, results: Sequence[ChannelResult]) -> Published:
    failed = [r for r in results if not r.ok]
    sent = sum(r.sent for r in results)
    updated = sum(r.updated for r in results)
    already = sum(r.already for r in results)
    summary = (
        f"{platform}: {len(results) - len(failed)}/{len(results)} channels "
        f"({sent} messages sent, " + (f"{updated} updated, " if updated else "")
        + f"{already} already there)"
    )  # fmt: skip
    problems = tuple(
        r.error + (" (skipped; fix it and run `digestbot publish`)" if r.permanent
                   else " (to be tried again)")
        for r in failed
    )  # fmt: skip
    retry = any(not r.permanent for r in failed)
    return Published(summary, problems, delivered=len(failed) < len(results), retry=retry)


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
        pace_seconds: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        threads: Mapping[str, bool] | None = None,
    ) -> None:
        """`threads`: the channels whose own edition says whether details go in a thread,
        over the platform's setting."""
        self.name = name
        self._open = open_platform
        self._ledger = ledger
        self._claims = claims
        self._channels = tuple(channels)
        self._concurrency = concurrency
        self._pace = pace_seconds
        self._owner = owner
        self._clock = clock
        self._threads = dict(threads or {})

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
                deliverer = Deliverer(
                    platform, self._ledger, self._concurrency, self._pace, self._threads
                )
                results = await deliverer.deliver(digest, self._channels)
        except DeliveryError as exc:  # the platform could not be opened at all
            return Published(
                f"{self.name}: not delivered", (str(exc),), delivered=False,
                retry=not exc.permanent,
            )  # fmt: skip
        finally:
            self._claims.release(key, self._owner)
        return summarise(self.name, results)


@dataclass
class _Progress:
    """One channel's delivery so far."""

    sent: int = 0
    already: int = 0
    updated: int = 0
    thread: str = ""
    last_posted: float = float("-inf")  # the loop's time of the channel's last message


class Deliverer:
    def __init__(
        self,
        platform: ChatPlatform,
        ledger: DeliveryLedger,
        concurrency: int = 8,
        pace_seconds: float = 1.0,
        threads: Mapping[str, bool] | None = None,
    ) -> None:
        self._platform = platform
        self._ledger = ledger
        self._slots = asyncio.Semaphore(concurrency)
        self._pace = pace_seconds
        self._threads = dict(threads or {})

    async def deliver(self, digest: Digest, channels: Sequence[str]) -> list[ChannelResult]:
        """Post what each channel is missing: its own edition, or the digest. Channels go
        at once, each at its own pace (its messages in order, `pace_seconds` apart, which
        keeps within the platforms' per-channel limits); `concurrency` bounds the
        requests in flight. Each edition is rendered once, however many channels get it."""
        rendered: dict[int, Sequence] = {}
        jobs = []
        for channel in channels:
            edition = digest.edition_for(self._platform.name, channel)
            if id(edition) not in rendered:
                rendered[id(edition)] = self._platform.render(edition)
            jobs.append(self._channel(edition, channel, rendered[id(edition)]))
        return list(await asyncio.gather(*jobs))

    async def _channel(self, digest: Digest, channel: str, messages: Sequence) -> ChannelResult:
        name, state = self._platform.name, _Progress()
        threaded = self._threads.get(channel, self._platform.threads)
        part = 0
        try:
            for part, message in enumerate(messages):
                message_id = await self._place(digest, channel, part, message, state)
                if part == 0 and threaded and len(messages) > 1:
                    row = self._ledger.get(digest.day, name, channel, 0) or {}
                    state.thread = row.get("thread_id") or await self._thread(
                        digest, channel, message_id
                    )
            await self._remove_leftovers(digest, channel, len(messages), state)
        except Exception as exc:
            error = exc if isinstance(exc, DeliveryError) else _unexpected(name, channel, exc)
            self._ledger.mark_failed(digest.day, name, channel, part, str(error), error.permanent)
            return ChannelResult(
                name, channel, state.sent, state.already, state.updated, str(error),
                error.permanent,
            )  # fmt: skip
        return ChannelResult(name, channel, state.sent, state.already, state.updated)

    async def _place(
        self, digest: Digest, channel: str, part: int, message: object, state: _Progress
    ) -> str:
        """Make the channel's message `part` say `message`: already there, edited, or posted."""
        platform, name, day = self._platform, self._platform.name, digest.day
        print_, topic = fingerprint(message), getattr(message, "topic", "")
        thread = state.thread or None
        row = self._ledger.get(day, name, channel, part)
        if row and row["state"] in ("sending", "failed") and row["key"]:
            # An earlier try stopped right here, or failed in a way (a timeout) that
            # may have posted all the same: ask the channel before posting again.
            since = datetime.fromisoformat(row["sending_at"]) - timedelta(minutes=1)
            async with self._slots:
                found = await platform.find_sent(channel, row["key"], since, thread)
            if found:
                self._ledger.mark_sent(
                    day, name, channel, part, found, row["fingerprint"], row["topic"]
                )
                row = {**row, "state": "sent", "message_id": found}
        if row and row["state"] == "sent" and row["message_id"]:
            # Rows from before fingerprints were kept have none: taken as unchanged.
            if row["fingerprint"] in (print_, ""):
                state.already += 1
                return row["message_id"]
            await self._wait_turn(state)
            async with self._slots:
                edited = await platform.edit(channel, row["message_id"], message, thread)
            state.last_posted = asyncio.get_running_loop().time()
            if edited:
                self._ledger.mark_sent(day, name, channel, part, row["message_id"], print_, topic)
                state.updated += 1
                return row["message_id"]
            # the message was deleted in the meantime: post it again
        key = delivery_key(digest, name, channel, part, print_)
        await self._wait_turn(state)
        async with self._slots:  # `sending` once the request is about to go, not while queued
            self._ledger.mark_sending(day, name, channel, part, key, print_, topic)
            message_id = await platform.send(channel, message, key=key, thread=thread)
        state.last_posted = asyncio.get_running_loop().time()
        self._ledger.mark_sent(day, name, channel, part, message_id, print_, topic)
        state.sent += 1
        return message_id

    async def _wait_turn(self, state: _Progress) -> None:
        """Keep `pace_seconds` after the channel's last message, without holding a slot."""
        loop = asyncio.get_running_loop()
        if (wait := state.last_posted + self._pace - loop.time()) > 0:
            await asyncio.sleep(wait)

    async def _remove_leftovers(
        self, digest: Digest, channel: str, count: int, state: _Progress
    ) -> None:
        """Delete the messages of parts the digest no longer has (it was made again)."""
        name = self._platform.name
        for row in self._ledger.parts_from(digest.day, name, channel, count):
            if row["state"] == "sent" and row["message_id"]:
                async with self._slots:
                    await self._platform.delete(channel, row["message_id"], state.thread or None)
                state.updated += 1
            self._ledger.drop(digest.day, name, channel, row["part"])

    async def _thread(self, digest: Digest, channel: str, message_id: str) -> str:
        async with self._slots:
            thread = await self._platform.start_thread(channel, message_id, digest.heading)
        self._ledger.set_thread(digest.day, self._platform.name, channel, 0, thread)
        return thread


def _unexpected(platform: str, channel: str, exc: Exception) -> DeliveryError:
    """A bug or a surprise from a library: the channel fails under the error's real name."""
    log.error("%s channel %s: unexpected error", platform, channel, exc_info=exc)
    return DeliveryError(
        f"{platform} channel {channel}: unexpected {type(exc).__name__}: {exc}"[:300],
        permanent=False,
    )
