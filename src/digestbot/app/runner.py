"""`digestbot run`: one process, one event loop: the daily schedule, Discord and Slack.

Each part is optional: without a Discord token there is no Discord client, without a
Slack token no Slack app, and the schedule can be turned off. On SIGINT/SIGTERM a
running digest gets `shutdown_grace_seconds` to finish; whatever it had not delivered
stays in the ledger as pending and goes out when the bot starts again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import discord
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from digestbot.app.digests import App
from digestbot.app.schedule import Schedule, due_today, next_run, start_scheduler
from digestbot.chart import draw_if_available
from digestbot.chat.discord.client import build_bot, command_tree, discord_rest
from digestbot.chat.slack.app import build_app, slack_client
from digestbot.core.commands import DigestService
from digestbot.core.errors import ConfigError, DeliveryError, DigestbotError, SourceError
from digestbot.core.notify import Notifier
from digestbot.storage.store import open_store

log = logging.getLogger("digestbot")


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
        self._scheduler: AsyncIOScheduler | None = None
        self._notifier: Notifier | None = None
        self.ready = asyncio.Event()  # set once every part has started

    async def run(self, stop: asyncio.Event) -> None:
        settings = self.app.settings
        with self.app.wiring.open_store() as store:
            self._notifier = Notifier(store.notices, self.app.wiring.admin_channels())
            service = DigestService(
                store,
                self.app.digest_for,
                cooldown=timedelta(seconds=settings.commands.cooldown_seconds),
                next_run=lambda: next_run(self._scheduler),
                clock=self._clock,
                events=settings.predictions.events,
                draw_chart=draw_if_available,
            )
            async with AsyncExitStack() as stack:
                await self._start_discord(stack, service)
                await self._start_slack(stack, service)
                if settings.schedule.enabled:
                    self._start_schedule(stack)
                self.ready.set()
                await stop.wait()
                log.info("stopping")
                await self._finish_jobs(settings.schedule.shutdown_grace_seconds)

    def _start_schedule(self, stack: AsyncExitStack) -> None:
        schedule = self._schedule
        self._scheduler = start_scheduler(
            schedule, self._scheduled, self.app.settings.schedule.misfire_grace_seconds
        )
        stack.callback(self._scheduler.shutdown, wait=False)
        log.info("daily digest scheduled; next run %s", next_run(self._scheduler))
        # A run missed while the bot was down, or one that stopped half way: once, now.
        if day := due_today(schedule, self._clock()):
            log.info("today's run time has passed: making sure %s is made and delivered", day)
            self._spawn(day)

    async def _scheduled(self) -> None:
        await self.daily(self._schedule.digest_day(self._clock()))

    def _spawn(self, day: date) -> None:
        self._jobs.add(asyncio.create_task(self.daily(day)))

    async def daily(self, day: date) -> None:
        """Make, store and deliver the day's digest; report what went wrong, once."""
        task = asyncio.current_task()
        if task:
            self._jobs.add(task)  # so a stop waits for it
        try:
            problems = await self._make(day)
            if self._notifier:
                await self._notifier.report(day, problems)
        finally:
            if task:
                self._jobs.discard(task)

    async def _make(self, day: date) -> list[str]:
        try:
            outcome = await self.app.generate(day, post=True)
        except SourceError as exc:
            return [
                f"no digest was made: {exc}. It is tried again when the bot restarts; "
                "`digestbot generate` makes it by hand."
            ]
        except DigestbotError as exc:
            return [f"no digest was made: {exc}"]
        except Exception as exc:
            log.exception("the daily run for %s failed", day)
            return [f"the daily run failed unexpectedly ({exc!r}); the log has the details."]
        return list(outcome.problems)

    async def settled(self) -> None:
        """Wait until no digest job is running (the catch-up at start, a scheduled run)."""
        while running := {t for t in self._jobs if not t.done()}:
            await asyncio.wait(running)

    async def _finish_jobs(self, grace: float) -> None:
        running = {t for t in self._jobs if not t.done()}
        if not running:
            return
        log.info("waiting up to %g s for %d running job(s)", grace, len(running))
        _, unfinished = await asyncio.wait(running, timeout=grace)
        for task in unfinished:
            task.cancel()  # its undelivered messages stay pending in the ledger
        await asyncio.gather(*unfinished, return_exceptions=True)

    async def _start_discord(self, stack: AsyncExitStack, service: DigestService) -> None:
        token, s = self.app.config.secrets.discord_token, self.app.settings.discord
        if token is None:
            log.info("Discord: no DISCORD_TOKEN, left out")
            return
        discord.http.Route.BASE = s.api_base_url.rstrip("/")
        client = build_bot(service, set(s.admins))
        task = asyncio.create_task(client.start(token.get_secret_value()))
        task.add_done_callback(_report_crash("Discord"))
        stack.push_async_callback(client.close)
        log.info("Discord: connecting")

    async def _start_slack(self, stack: AsyncExitStack, service: DigestService) -> None:
        secrets, s = self.app.config.secrets, self.app.settings.slack
        if secrets.slack_bot_token is None:
            log.info("Slack: no SLACK_BOT_TOKEN, left out")
            return
        client = slack_client(secrets.slack_bot_token.get_secret_value(), s.api_base_url)
        if s.mode == "socket":
            if secrets.slack_app_token is None:
                log.error("Slack: Socket Mode needs SLACK_APP_TOKEN (xapp-...); Slack left out")
                return
            bolt = build_app(service, client, set(s.admins))
            handler = AsyncSocketModeHandler(bolt, secrets.slack_app_token.get_secret_value())
            await handler.connect_async()  # returns once connected; runs in this loop
            stack.push_async_callback(handler.close_async)
            log.info("Slack: connected in Socket Mode")
            return
        if secrets.slack_signing_secret is None:
            log.error("Slack: HTTP mode needs SLACK_SIGNING_SECRET; Slack left out")
            return
        bolt = build_app(
            service, client, set(s.admins), secrets.slack_signing_secret.get_secret_value()
        )
        runner = web.AppRunner(bolt.web_app(path=s.http_path, port=s.http_port))
        await runner.setup()
        await web.TCPSite(runner, s.http_host, s.http_port).start()
        stack.push_async_callback(runner.cleanup)
        log.info("Slack: listening on http://%s:%d%s", s.http_host, s.http_port, s.http_path)


def _report_crash(part: str) -> Callable[[asyncio.Task], None]:
    def report(task: asyncio.Task) -> None:
        if not task.cancelled() and (exc := task.exception()):
            log.error("%s stopped: %s", part, exc)

    return report


async def sync_discord_commands(app: App, guild: str | None) -> list[str]:
    """Register /digest with Discord over REST; returns the registered command names."""
    token, s = app.config.secrets.discord_token, app.settings.discord
    if token is None:
        raise ConfigError("DISCORD_TOKEN is not set: discord-sync needs the bot token")
    # The command's shape is all Discord needs: it answers nothing here, so it reads no
    # history, and registering creates no database.
    with open_store(":memory:") as store:
        service = DigestService(store, app.digest_for, cooldown=timedelta(0))
        async with discord_rest(token.get_secret_value(), s.api_base_url) as client:
            tree = command_tree(client, service, set(s.admins))
            target = discord.Object(int(guild)) if guild else None
            if target:
                tree.copy_global_to(guild=target)
            try:
                synced = await tree.sync(guild=target)
            except discord.HTTPException as exc:
                raise DeliveryError(f"Discord refused the commands: {exc}", permanent=True) from exc
    return [command.name for command in synced]
