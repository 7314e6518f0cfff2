"""When the daily digest runs: APScheduler wiring, and the catch-up decision as a pure function.

APScheduler 3 keeps its jobs in memory, so it cannot know about a 05:30 that passed
while the bot was down. The database can: at start, if today's scheduled time has
passed, the bot runs the day once, and the run finds in the database what is done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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


def next_run(scheduler: AsyncIOScheduler | None) -> datetime | None:
    job = scheduler.get_job(JOB_ID) if scheduler else None
    return job.next_run_time if job else None
