"""Draft, then publish: with `[approval] enabled`, a day's digest goes to the admin
channels as a draft with Approve and Skip, and reaches the channels only once approved.

An admin's press (or the deadline) decides once; the drafts are then edited to say who
decided and when. Approve publishes the digest everywhere it goes (the blog and every
chat channel, through the ledger as any publishing); Skip publishes it nowhere. Anyone
else who presses is told, privately, that the decision is the admins'.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from digestbot.core.errors import DeliveryError, DigestbotError
from digestbot.core.models import Digest
from digestbot.core.notify import AdminChannel
from digestbot.core.ports import Published

log = logging.getLogger("digestbot")

PENDING, APPROVED, SKIPPED = "pending", "approved", "skipped"
DEADLINE = "deadline"  # who decided, when no admin did in time
NOT_ADMIN = "Only the digest's admins can approve or skip it."


@dataclass(frozen=True, slots=True)
class Decision:
    state: str  # PENDING, APPROVED or SKIPPED
    by: str = ""  # the admin's id, or DEADLINE
    at: str = ""  # when, ISO 8601 UTC


class ApprovalRecord(Protocol):
    day: str
    state: str
    drafted_at: str
    decided_by: str
    decided_at: str


class DraftRecord(Protocol):
    platform: str
    channel: str
    message_id: str
    key: str
    state: str


class ApprovalLog(Protocol):
    """What approval keeps in the history (storage/approvals.py)."""

    def get(self, day: date) -> ApprovalRecord | None: ...

    def request(self, day: date, now: datetime) -> ApprovalRecord: ...

    def decide(self, day: date, state: str, by: str, now: datetime) -> bool: ...

    def pending(self) -> Sequence[ApprovalRecord]: ...

    def draft(self, day: date, platform: str, channel: str) -> DraftRecord | None: ...

    def draft_sending(self, day: date, platform: str, channel: str, key: str) -> None: ...

    def draft_sent(self, day: date, platform: str, channel: str, message_id: str) -> None: ...


# A platform's draft message: the digest's headline with the decision, or the buttons.
DraftRenderer = Callable[[Digest, Decision], Any]
# A press of a draft's button: (day, approve?, "<platform>:<user id>", is an admin) ->
# what to tell the one who pressed.
Decide = Callable[[date, bool, str, bool], Awaitable[str]]


class NotApproved(DigestbotError):
    """A digest that approval holds back: awaiting a decision, or skipped."""


def holding(day: date, record: ApprovalRecord | None) -> NotApproved | None:
    """Why approval keeps the digest of `day` from the channels; None once approved."""
    decision = decision_of(record)
    if decision is None:
        return NotApproved(
            f"the digest of {day} has not been put up for approval: `digestbot generate "
            f"--date {day}` posts its draft to the admin channels"
        )
    if decision.state == PENDING:
        return NotApproved(
            f"the digest of {day} awaits approval: an admin presses Approve or Skip on "
            "its draft in the admin channel"
        )
    if decision.state == SKIPPED:
        return NotApproved(f"the digest of {day} was skipped ({decision_line(decision)})")
    return None


def decision_of(record: ApprovalRecord | None) -> Decision | None:
    if record is None:
        return None
    return Decision(record.state, record.decided_by, record.decided_at)


def decision_line(decision: Decision, viewer: str = "") -> str:
    """The words a decided draft shows: "Approved by <@id> at 2026-11-30 05:42 UTC".
    `viewer`: the platform the words are shown on, where the decider is a mention if
    they pressed on that platform."""
    if decision.state == PENDING:
        return "approve to publish it to every channel, or skip it."
    verb = "Approved" if decision.state == APPROVED else "Skipped"
    when = decision.at.replace("T", " ")[:16] + " UTC" if decision.at else ""
    return f"{verb} by {_who(decision.by, viewer)}" + (f" at {when}" if when else "")


def _who(by: str, viewer: str) -> str:
    """The decider, as `by` names them: "deadline", or "<platform>:<user id>"."""
    if by == DEADLINE:
        return "the deadline"
    platform, qualified, user = by.partition(":")
    if not qualified:
        return f"<@{by}>"
    return f"<@{user}>" if platform == viewer else f"{platform.capitalize()} user {user}"


class Approver:
    """Puts digests up for approval and carries out the decisions. As a Publisher (its
    `publish` is `request`) it stands in for the digest's publishers until approved."""

    name = "approval"

    def __init__(
        self,
        log_: ApprovalLog,
        admin_channels: Sequence[AdminChannel],
        renderers: Mapping[str, DraftRenderer],
        publish: Callable[[Digest], Awaitable[tuple[Published, ...]]],
        load: Callable[[date], Digest | None],
        *,
        deadline_minutes: int = 0,
        on_deadline: str = "publish",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._log = log_
        self._admin_channels = tuple(a for a in admin_channels if a.platform in renderers)
        self._renderers = renderers
        self._publish = publish
        self._load = load
        self._deadline = timedelta(minutes=deadline_minutes) if deadline_minutes else None
        self._on_deadline = on_deadline
        self._clock = clock

    def state(self, day: date) -> str:
        """PENDING, APPROVED, SKIPPED, or "" for a day never drafted."""
        record = self._log.get(day)
        return record.state if record else ""

    def holding(self, day: date) -> NotApproved | None:
        """Why the digest of `day` may not go to the channels yet; None once approved."""
        return holding(day, self._log.get(day))

    async def publish(self, digest: Digest) -> Published:
        return await self.request(digest)

    async def request(self, digest: Digest) -> Published:
        """Put the digest up for approval: its drafts in every admin channel, each once
        (a digest made again has its drafts edited). A decided one's drafts show the
        decision; nothing is published here."""
        if not self._admin_channels:
            problem = (
                "approval: no admin channel can take the draft: set discord.admin_channel "
                "or slack.admin_channel, and the platform's token"
            )
            return Published("approval: no draft posted", (problem,), delivered=False)
        record = self._log.request(digest.day, self._clock())
        decision = decision_of(record) or Decision(PENDING)
        problems = await self._show(digest, decision)
        posted = len(self._admin_channels) - len(problems)
        if decision.state != PENDING:
            summary = f"approval: {decision_line(decision)}"
        else:
            summary = (
                f"approval: the digest awaits approval in {posted} admin channel"
                f"{'s' if posted != 1 else ''} (a draft with Approve and Skip)"
            )
        delivered = posted > 0 or decision.state != PENDING
        return Published(summary, tuple(problems), delivered=delivered, retry=bool(problems))

    async def decide(self, day: date, approve: bool, user: str, is_admin: bool) -> str:
        """An admin's press: the decision, the drafts edited, and on approval the digest
        published. `user` is "<platform>:<user id>". Returns what to tell the one who
        pressed (on that platform)."""
        if not is_admin:
            return NOT_ADMIN
        return await self._decide(day, APPROVED if approve else SKIPPED, user)

    async def expire(self) -> list[date]:
        """Decide, as `on_deadline` says, every pending approval past its deadline."""
        if self._deadline is None:
            return []
        now, decided = self._clock(), []
        for record in self._log.pending():
            drafted = datetime.fromisoformat(record.drafted_at)
            if drafted + self._deadline <= now:
                day = date.fromisoformat(record.day)
                state = APPROVED if self._on_deadline == "publish" else SKIPPED
                await self._decide(day, state, DEADLINE)
                decided.append(day)
        return decided

    def next_deadline(self) -> datetime | None:
        """When the earliest pending approval runs out, if there is a deadline."""
        if self._deadline is None:
            return None
        times = [datetime.fromisoformat(r.drafted_at) for r in self._log.pending()]
        return min(times) + self._deadline if times else None

    async def _decide(self, day: date, state: str, by: str) -> str:
        digest = self._load(day)
        if digest is None:  # settled as skipped: a deadline must not wait on it for ever
            self._log.decide(day, SKIPPED, by, self._clock())
            return f"There is no digest of {day} any more."
        if not self._log.decide(day, state, by, self._clock()):
            decided = decision_of(self._log.get(day))
            if decided is None or decided.state == PENDING:
                return f"The digest of {day} was never put up for approval."
            return f"Already decided: {decision_line(decided, by.partition(':')[0])}."
        decision = decision_of(self._log.get(day)) or Decision(state, by)
        log.info("digest %s %s by %s", day, state, by)
        await self._show(digest, decision)
        if state == SKIPPED:
            return f"Skipped: the digest of {day} goes to no channel."
        published = await self._publish(digest)
        problems = [p for result in published for p in result.problems]
        done = "; ".join(result.summary for result in published) or "nowhere to publish"
        return f"Approved: {done}" + (f" ({len(problems)} problems)" if problems else "")

    async def _show(self, digest: Digest, decision: Decision) -> list[str]:
        """Each admin channel's draft says `decision`: posted once, edited after."""
        problems = []
        for admin in self._admin_channels:
            try:
                await self._show_in(admin, digest, decision)
            except DeliveryError as exc:
                log.error("approval draft in the %s admin channel: %s", admin.platform, exc)
                problems.append(f"the approval draft in the {admin.platform} admin channel: {exc}")
        return problems

    async def _show_in(self, admin: AdminChannel, digest: Digest, decision: Decision) -> None:
        day, name = digest.day, admin.platform
        message = self._renderers[name](digest, decision)
        draft = self._log.draft(day, name, admin.channel)
        async with admin.open_platform() as platform:
            sent = draft and draft.state == "sent" and draft.message_id
            if sent and await platform.edit(admin.channel, draft.message_id, message, None):
                return  # a draft deleted meanwhile is posted again
            key = hashlib.sha256(f"draft|{day}|{name}|{admin.channel}".encode()).hexdigest()
            if draft and draft.state == "sending":
                since = self._clock() - timedelta(days=1)
                found = await platform.find_sent(admin.channel, draft.key, since, None)
                if found:
                    self._log.draft_sent(day, name, admin.channel, found)
                    await platform.edit(admin.channel, found, message, None)
                    return
            self._log.draft_sending(day, name, admin.channel, key[:25])
            sent = await platform.send(admin.channel, message, key=key[:25], thread=None)
            self._log.draft_sent(day, name, admin.channel, sent)
