"""A channel's own `time`: the bot delivers the day's digest to each channel at its
time (the schedule's when it sets none), made once; at start, every channel whose time
has passed gets it at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from digestbot.app.digests import App
from digestbot.app.runner import BotRunner, schedule_of
from digestbot.app.schedule import JOB_ID, latest_passed, plan_times
from digestbot.config import loader
from tests.conftest import SLACK_CHANNELS, ConfigFactory
from tests.fakes.openai import FakeOpenAI
from tests.fakes.slack import FakeSlack

LATE, USUAL = SLACK_CHANNELS  # the first has a time of its own: 07:00


def app_at(make_config: ConfigFactory, slack_api: FakeSlack, hour: int, minute: int) -> App:
    config = make_config(slack=slack_api, schedule={"time": "05:30", "timezone": "UTC"})
    assert config.path is not None
    with open(config.path, "a", encoding="utf-8") as settings:
        settings.write(f'\n[channels."{LATE}"]\ntime = "07:00"\n')
    now = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return App(loader.load(config.path, env_file=None), clock=lambda: now)


async def test_each_channel_gets_the_digest_at_its_time_made_once(
    make_config: ConfigFactory, slack_api: FakeSlack, llm: FakeOpenAI
) -> None:
    app = app_at(make_config, slack_api, 5, 30)
    runner = BotRunner(app)
    day = app.clock().date()

    await runner.daily(day, "05:30")
    assert slack_api.copies(USUAL) and not slack_api.copies(LATE)
    made = len(llm.completions)

    await runner.daily(day, "07:00")
    assert slack_api.copies(LATE)
    assert len(llm.completions) == made  # the same digest: nothing analysed again
    assert len(slack_api.copies(USUAL)) == len(slack_api.copies(LATE))  # nothing twice


def test_at_start_every_channel_whose_time_passed_is_due() -> None:
    schedule = schedule_of_times()
    at_six = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert latest_passed(schedule, ["05:30", "07:00"], at_six) == "05:30"
    assert latest_passed(schedule, ["05:30", "07:00"], at_six.replace(hour=7)) == "07:00"
    assert latest_passed(schedule, ["05:30", "07:00"], at_six.replace(hour=5)) == ""


async def test_the_bot_plans_a_daily_job_for_each_channels_time(
    make_config: ConfigFactory, slack_api: FakeSlack
) -> None:
    app = app_at(make_config, slack_api, 5, 0)
    scheduler = AsyncIOScheduler(timezone=UTC)

    async def job(due_by: str) -> None: ...

    plan_times(scheduler, schedule_of(app), ["05:30", "07:00", "09:15"], job)
    assert sorted(j.id for j in scheduler.get_jobs()) == [f"{JOB_ID}@07:00", f"{JOB_ID}@09:15"]
    plan_times(scheduler, schedule_of(app), ["05:30", "07:00"], job)  # 09:15 was cleared
    (timed,) = scheduler.get_jobs()
    assert timed.id == f"{JOB_ID}@07:00" and timed.args == ("07:00",)
    with app.wiring.open_store() as store:
        assert app.wiring.delivery_times(store) == ["05:30", "07:00"]


def schedule_of_times():
    from zoneinfo import ZoneInfo

    from digestbot.app.schedule import Schedule

    return Schedule(5, 30, "mon-sun", ZoneInfo("UTC"))


async def test_a_start_after_the_usual_time_delivers_only_to_the_channels_due(
    make_config: ConfigFactory, slack_api: FakeSlack, llm: FakeOpenAI
) -> None:
    app = app_at(make_config, slack_api, 6, 0)
    stop = asyncio.Event()
    runner = BotRunner(app)
    task = asyncio.create_task(runner.run(stop))
    try:
        await asyncio.wait_for(runner.ready.wait(), 10)
        await asyncio.wait_for(runner.settled(), 30)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert slack_api.copies(USUAL) and not slack_api.copies(LATE)
    assert Path(app.settings.storage.database).exists()
