"""`digestbot run`: one process, one event loop: the daily schedule, Discord and Slack.

Each part is optional: without a Discord token there is no Discord client, without a
Slack token no Slack app, and the schedule can be turned off. The parts never wait on
each other: each platform's connection is kept up on its own (app/connections.py), and
deliveries reuse one logged-in session per platform. On SIGINT/SIGTERM a running digest
gets `shutdown_grace_seconds` to finish; whatever it had not delivered stays in the
ledger as pending, its run is recorded as interrupted, and the next start completes it.

With [approval], the admins' presses of a draft's buttons arrive on either platform's
connection and are carried out here, and a watcher decides the drafts left undecided
past `[approval] deadline` (those already past it at start at once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack, suppress
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from digestbot.app.connections import (
    CLOSE_SECONDS,
    discord_connection,
    keep_connected,
    slack_connection,
)
from digestbot.app.digests import App
from digestbot.app.schedule import (
    Schedule,
    latest_passed,
    next_run,
    plan_times,
    start_scheduler,
)
from digestbot.chart import draw_if_available
from digestbot.cli.channels import channel_profiles
from digestbot.core.commands import DigestService
from digestbot.core.errors import DigestbotError, SourceError
from digestbot.core.feedback import VoteCounter
from digestbot.core.notify import Notifier

if TYPE_CHECKING:
    from digestbot.core.approval import Approver

log = logging.getLogger("digestbot")
PLAN_MINUTES = 5  # how soon a delivery time set in chat gets its daily job
# The most the deadline watcher sleeps between looks: it also finds the drafts that
# another process (`digestbot generate`) posted, and a clock that jumped.
DEADLINE_CHECK_SECONDS = 60.0
DEADLINE_MIN_NAP = 0.5


def schedule_of(app: App) -> Schedule:
    s = app.settings.schedule
    hour, minute = (int(part) for part in s.time.split(":"))
    return Schedule(hour, minute, s.days, ZoneInfo(s.timezone))


class BotRunner:
    def __init__(self, app: App) -> None:
        self.app = app
        self._clock = app.clock
        self._schedule = schedule_of(app)
        self._jobs: set[asyncio.Task] = set()
        self._connections: set[asyncio.Task] = set()
        self._scheduler: AsyncIOScheduler | None = None
        self._notifier: Notifier | None = None
        self._votes: VoteCounter | None = None  # reactions to topics' messages, as votes
        self._retry_until: dict[date, datetime] = {}
        self._retries: set[asyncio.TimerHandle] = set()
        self._approver: Approver | None = None
        self._deadlines = asyncio.Event()  # set: the watcher looks at the deadlines again
        # The times some channel receives the digest: the schedule's, and channels' own.
        self._delivery_times: Callable[[], list[str]] = lambda: [self._schedule.time]
        self.ready = asyncio.Event()  # set once every part has started

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, then end within `shutdown_grace_seconds`."""
        settings = self.app.settings
        wiring = self.app.wiring
        with wiring.open_store() as store:
            if interrupted := store.runs.mark_interrupted():
                log.info("%d run(s) were interrupted before they finished", interrupted)
            self._notifier = Notifier(store.notices, wiring.admin_channels())
            feedback = settings.feedback
            self._votes = VoteCounter(store.votes, feedback.up, feedback.down)
            service = DigestService(
                store,
                self.app.digest_for,
                cooldown=timedelta(seconds=settings.commands.cooldown_seconds),
                next_run=lambda: next_run(self._scheduler),
                clock=self._clock,
                events=settings.predictions.events,
                draw_chart=draw_if_available,
                today=lambda: self._schedule.digest_day(self._clock()),
                post_url=wiring.post_url,
                profiles=channel_profiles(settings, store.profiles),
                budget=self.app.budget(),
                approval=settings.approval.enabled,
            )
            self._approver = self.app.approver(store)
            self._delivery_times = lambda: wiring.delivery_times(store)
            async with AsyncExitStack() as sessions:
                await sessions.enter_async_context(wiring.kept_sessions())
                self._connect_discord(service)
                self._connect_slack(service)
                if self._approver is not None and settings.approval.deadline:
                    self._connections.add(asyncio.create_task(self._watch_deadlines()))
                if settings.schedule.enabled:
                    self._start_schedule()
                self.ready.set()
                await stop.wait()
                log.info("stopping")
                loop = asyncio.get_running_loop()
                deadline = loop.time() + settings.schedule.shutdown_grace_seconds
                await self._stop(deadline)
                with suppress(TimeoutError):
                    async with asyncio.timeout_at(max(deadline, loop.time() + 0.1)):
                        await sessions.aclose()

    async def _stop(self, deadline: float) -> None:
        """End everything by `deadline` (the loop's time): running digests get all but a
        reserve for closing, then what is left is cancelled (what it had not delivered
        stays pending in the ledger) and the connections are closed."""
        loop = asyncio.get_running_loop()
        if self._scheduler:
            self._scheduler.shutdown(wait=False)
        for later in self._retries:
            later.cancel()
        reserve = min(CLOSE_SECONDS, (deadline - loop.time()) / 4)
        if running := {t for t in self._jobs if not t.done()}:
            wait = max(0.0, deadline - reserve - loop.time())
            log.info("waiting up to %.3g s for %d running job(s)", wait, len(running))
            await asyncio.wait(running, timeout=wait)
        if unfinished := {t for t in self._jobs if not t.done()}:
            for task in unfinished:
                task.cancel()
            await asyncio.wait(unfinished, timeout=max(0.1, (deadline - loop.time()) / 2))
        # Connections last: the digests being stopped were using their sessions.
        for task in self._connections:
            task.cancel()
        if self._connections:
            await asyncio.wait(self._connections, timeout=max(0.1, deadline - loop.time()))

    def _start_schedule(self) -> None:
        schedule = self._schedule
        self._scheduler = start_scheduler(
            schedule, self._scheduled, self.app.settings.schedule.misfire_grace_seconds
        )
        self._plan_times()
        # A channel's time set in chat meanwhile is planned within PLAN_MINUTES.
        self._scheduler.add_job(self._plan_times, "interval", minutes=PLAN_MINUTES, id="plan")
        log.info("daily digest scheduled; next run %s", next_run(self._scheduler))
        # A run missed while the bot was down, or one that stopped half way: once, now,
        # for every channel whose time has passed.
        now = self._clock()
        if due_by := latest_passed(schedule, self._delivery_times(), now):
            day = schedule.digest_day(now)
            log.info("today's run time has passed: making sure %s is made and delivered", day)
            self._spawn(day, due_by)

    def _plan_times(self) -> None:
        if self._scheduler is not None:
            plan_times(self._scheduler, self._schedule, self._delivery_times(), self._timed)

    async def _scheduled(self) -> None:
        await self._timed(self._schedule.time)

    async def _timed(self, due_by: str) -> None:
        """A delivery time's run: the day's digest made if need be, and delivered to the
        channels whose time has come."""
        await self.daily(self._schedule.digest_day(self._clock()), due_by)

    def _spawn(self, day: date, due_by: str = "") -> None:
        self._jobs.add(asyncio.create_task(self.daily(day, due_by)))

    async def daily(self, day: date, due_by: str = "") -> None:
        """Make, store and deliver the day's digest; report what went wrong, once. A day
        whose collection failed is tried again every `retry_seconds` within the
        misfire grace, so a source that is down at 05:30 does not cost the day."""
        task = asyncio.current_task()
        if task:
            self._jobs.add(task)  # so a stop waits for it
        try:
            problems, retry = await self._make(day, due_by)
            self._deadlines.set()  # a new draft may have a deadline
            if self._notifier:
                await self._notifier.report(day, problems)
            if retry:
                later = asyncio.get_running_loop().call_later(
                    self.app.settings.schedule.retry_seconds, self._spawn, day, due_by
                )
                self._retries.add(later)
        finally:
            if task:
                self._jobs.discard(task)

    async def _make(self, day: date, due_by: str = "") -> tuple[list[str], bool]:
        """What went wrong, and whether the day is to be tried again later today."""
        try:
            outcome = await self.app.generate(day, post=True, due_by=due_by)
        except SourceError as exc:
            every = self.app.settings.schedule.retry_seconds
            until = self._retry_deadline(day).astimezone(self._schedule.timezone)
            return [
                f"no digest was made: {exc}. It is tried again every {every:g} s until "
                f"{until:%H:%M %Z}; `digestbot generate` makes it by hand."
            ], self._may_retry(day)
        except DigestbotError as exc:
            return [f"no digest was made: {exc}"], False
        except Exception as exc:
            log.exception("the daily run for %s failed", day)
            return [f"the daily run failed unexpectedly ({exc!r}); the log has the details."], False
        # A channel or platform that failed in a way that may pass is tried again too.
        return list(outcome.problems), outcome.retry and self._may_retry(day)

    def _retry_deadline(self, day: date) -> datetime:
        """Tries of a day go on until misfire_grace_seconds after its first failure."""
        grace = timedelta(seconds=self.app.settings.schedule.misfire_grace_seconds)
        return self._retry_until.setdefault(day, self._clock() + grace)

    def _may_retry(self, day: date) -> bool:
        every = timedelta(seconds=self.app.settings.schedule.retry_seconds)
        return self._clock() + every <= self._retry_deadline(day)

    async def _pressed(self, day: date, approve: bool, user: str, is_admin: bool) -> str:
        """A press of a draft's Approve or Skip, on either platform."""
        if self._approver is None:
            return "Approval is off ([approval] enabled): this draft decides nothing now."
        try:
            return await self._approver.decide(day, approve, user, is_admin)
        finally:
            self._deadlines.set()

    async def _watch_deadlines(self) -> None:
        """Decide each draft undecided past the deadline, as `on_deadline` says: those
        past it now, then each as its time comes (looked at again after each draft and
        decision, and at least every DEADLINE_CHECK_SECONDS)."""
        approver = self._approver
        assert approver is not None
        while True:
            self._deadlines.clear()
            nap = DEADLINE_CHECK_SECONDS
            try:
                if decided := await approver.expire():
                    log.info("approval deadline passed: decided %s", ", ".join(map(str, decided)))
                if (due := approver.next_deadline()) is not None:
                    until = (due - self._clock()).total_seconds()
                    # at least a moment: a draft it could not decide (its digest
                    # gone) must not keep it busy
                    nap = min(max(until, DEADLINE_MIN_NAP), DEADLINE_CHECK_SECONDS)
            except Exception:
                log.exception("the approval deadline check failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._deadlines.wait(), nap)

    async def settled(self) -> None:
        """Wait until no digest job is running (the catch-up at start, a scheduled run)."""
        while running := {t for t in self._jobs if not t.done()}:
            await asyncio.wait(running)

    async def _report(self, problem: str) -> None:
        if self._notifier:
            today = self._clock().date()
            await self._notifier.report(today, [problem], about="connections")

    def _keep(self, name: str, connect) -> None:
        task = asyncio.create_task(keep_connected(name, connect, self._report))
        self._connections.add(task)

    def _connect_discord(self, service: DigestService) -> None:
        token = self.app.config.secrets.discord_token
        if token is None:
            log.info("Discord: no DISCORD_TOKEN, left out")
            return
        self._keep(
            "Discord",
            discord_connection(
                self.app.wiring, service, token.get_secret_value(), self._votes, self._pressed
            ),
        )

    def _connect_slack(self, service: DigestService) -> None:
        secrets, s = self.app.config.secrets, self.app.settings.slack
        if secrets.slack_bot_token is None:
            log.info("Slack: no SLACK_BOT_TOKEN, left out")
            return
        app_token, signing = secrets.slack_app_token, secrets.slack_signing_secret
        if s.mode == "socket" and app_token is None:
            log.error("Slack: Socket Mode needs SLACK_APP_TOKEN (xapp-...); Slack left out")
            return
        if s.mode == "http" and signing is None:
            log.error("Slack: HTTP mode needs SLACK_SIGNING_SECRET; Slack left out")
            return
        self._keep(
            "Slack",
            slack_connection(
                self.app.wiring, service, secrets.slack_bot_token.get_secret_value(),
                app_token.get_secret_value() if app_token else None,
                signing.get_secret_value() if signing else None, self._votes, self._pressed,
            ),
        )  # fmt: skip
