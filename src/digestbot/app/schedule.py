"""When the daily digest runs: APScheduler wiring, and the catch-up decision as a pure function.

APScheduler 3 keeps its jobs in memory, so it cannot know about a 05:30 that passed
while the bot was down. The database can: at start, if today's scheduled time has
passed, the bot runs the day once, and the run finds in the database what is done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

JOB_ID = "daily-digest"


@dataclass(frozen=True, slots=True)
class Schedule:
    hour: int
    minute: int
    days: str  # cron day_of_week, e.g. "mon-fri" or "mon-sun"
    timezone: ZoneInfo

    def trigger(self) -> CronTrigger:
        return CronTrigger(
            day_of_week=self.days, hour=self.hour, minute=self.minute, timezone=self.timezone
        )

    def digest_day(self, moment: datetime) -> date:
        """The day a run at `moment` makes the digest of: the schedule's local date."""
        return moment.astimezone(self.timezone).date()

    def at(self, time: str) -> Schedule:
        """The same days, at `time` ("HH:MM"): when a channel with a time of its own
        receives the digest."""
        hour, minute = (int(part) for part in time.split(":"))
        return replace(self, hour=hour, minute=minute)

    @property
    def time(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


def latest_passed(schedule: Schedule, times: Sequence[str], now: datetime) -> str:
    """The latest of `times` that has passed today, on a scheduled day; "" for none: at
    start, the channels whose time came while the bot was down get the digest at once."""
    passed = [t for t in times if due_today(schedule.at(t), now)]
    return max(passed, default="")


def due_today(schedule: Schedule, now: datetime) -> date | None:
    """The digest day whose scheduled time today has already passed, if today has one.

    At start the bot runs that day once: it makes the digest if a run was missed while
    the bot was down, or delivers what a stopped run left pending; a day that is done
    costs only a look at the ledger. Never once per missed tick.
    """
    local = now.astimezone(schedule.timezone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    fire = schedule.trigger().get_next_fire_time(None, midnight)
    if fire is None or fire.date() != local.date() or fire > local:
        return None  # not a scheduled day, or its time has not come yet
    return schedule.digest_day(fire)


def start_scheduler(
    schedule: Schedule, job: Callable[[], Awaitable[None]], misfire_grace_seconds: int
) -> AsyncIOScheduler:
    """Start the daily job in the running loop; one at a time, late ticks coalesced."""
    scheduler = AsyncIOScheduler(
        timezone=schedule.timezone,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": misfire_grace_seconds,
        },
    )
    scheduler.add_job(job, schedule.trigger(), id=JOB_ID, replace_existing=True)
    scheduler.start()
    return scheduler


def plan_times(
    scheduler: AsyncIOScheduler,
    schedule: Schedule,
    times: Sequence[str],
    job: Callable[[str], Awaitable[None]],
) -> None:
    """A daily job for each delivery time besides the schedule's own (which JOB_ID runs),
    and none for a time no channel has any more."""
    wanted = {f"{JOB_ID}@{t}": t for t in times if t != schedule.time}
    for existing in scheduler.get_jobs():
        if existing.id.startswith(f"{JOB_ID}@") and existing.id not in wanted:
            existing.remove()
    for job_id, time in wanted.items():
        if scheduler.get_job(job_id) is None:
            scheduler.add_job(job, schedule.at(time).trigger(), args=[time], id=job_id)


def next_run(scheduler: AsyncIOScheduler | None) -> datetime | None:
    """The next time some channel receives a digest."""
    jobs = [j for j in scheduler.get_jobs() if j.id.startswith(JOB_ID)] if scheduler else []
    times = [j.next_run_time for j in jobs if j.next_run_time is not None]
    return min(times, default=None)
