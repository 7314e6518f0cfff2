"""`digestbot run` as a separate process, end to end over websockets, offline.

The bot runs as users run it (`python -m digestbot run`, a settings file, secrets in the
environment) against local fakes: Discord's Gateway and REST API, Slack's Socket Mode
and Web API, Reddit and an OpenAI-compatible LLM. The first tests check the fakes
themselves against the real client libraries (discord.py, slack_sdk), so that a live
test that fails shows the bot's fault, not a fake's.

Every wait has a deadline and watches the process: a bot that dies fails at once, and
every failure shows the end of the bot's log.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DISCORD_CHANNELS, SLACK_CHANNELS, ConfigFactory, run_cli
from tests.fakes.discord import FakeDiscord
from tests.fakes.openai import FakeOpenAI
from tests.fakes.reddit import FakeReddit
from tests.fakes.server import Fault
from tests.fakes.slack import FakeSlack

GRACE = 2.0  # [schedule] shutdown_grace_seconds
EXIT_MARGIN = 2.0  # past the grace: closing clients, the interpreter's exit
DISCORD_ADMIN = "333333333333333333"
SLACK_ADMIN = "C0000000ADM"
APP_TOKEN = "xapp-slack-token"
DIGEST_DONE = ("ok", "degraded")


# -- the fakes against the real client libraries ---------------------------------------------


async def poll(condition: Callable[[], Any], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@pytest.mark.timeout(90)
async def test_the_gateway_fake_speaks_to_discord_py(discord_api: FakeDiscord) -> None:
    """discord.py's own client connects, answers /digest through its CommandTree, and
    comes back after every kind of drop; a wrong token is closed with 4004."""
    import discord
    import yarl
    from discord import app_commands
    from discord.gateway import DiscordWebSocket

    gateway = discord_api.gateway
    gateway.heartbeat_interval = 0.5
    default = DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{discord_api.url}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway.url)
    try:
        client = discord.Client(intents=discord.Intents.none())
        tree = app_commands.CommandTree(client)

        @tree.command(name="digest", description="The digest")
        async def digest(interaction: discord.Interaction, status: bool = False) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send(f"status={status} by {interaction.user.id}")

        task = asyncio.create_task(client.start("discord-token"))
        await asyncio.wait_for(client.wait_until_ready(), 20)
        assert gateway.queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
        (identify,) = gateway.identifies
        assert identify["token"] == "discord-token" and identify["intents"] == 0

        async def answered(options: dict[str, Any]) -> list[dict[str, Any]]:
            token = await asyncio.to_thread(gateway.interaction, options)
            await poll(lambda: len(discord_api.replies(token)) == 2, 10, "the answer")
            return discord_api.replies(token)

        callback, followup = await answered({"status": True})
        assert callback == {"type": 5, "data": {"flags": 64}, "callback": True}
        assert followup["content"] == "status=True by 42"
        for drop in (
            lambda: gateway.drop(1001),
            lambda: gateway.drop(4000),
            lambda: gateway.drop(None),  # the TCP connection cut, no close frame
            gateway.reconnect,
            gateway.invalidate,
        ):
            before = gateway.readies
            await asyncio.to_thread(drop)
            await poll(lambda: gateway.readies > before, 30, "the client back")  # noqa: B023
            assert (await answered({}))[1]["content"] == "status=False by 42"
        assert len(gateway.resumes) == 4 and len(gateway.identifies) == 2  # one lost session
        assert gateway.heartbeats >= 6  # one at each HELLO, at least
        # A refused connection after the first: discord.py retries it by itself.
        gateway.refuse(2)
        before = gateway.readies
        await asyncio.to_thread(gateway.drop, 1001)
        await poll(lambda: gateway.readies > before, 30, "the client back after two refusals")
        await client.close()
        await asyncio.wait_for(task, 10)
        # A token the gateway refuses: closed with 4004, which discord.py does not retry.
        gateway.token = "another-token"
        client = discord.Client(intents=discord.Intents.none())
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(client.start("discord-token"), 20)
        assert closed.value.code == 4004
        await client.close()
    finally:
        DiscordWebSocket.DEFAULT_GATEWAY = default


@pytest.mark.timeout(90)
async def test_the_socket_mode_fake_speaks_to_slack_sdk(slack_api: FakeSlack) -> None:
    """Bolt's Socket Mode handler connects, acks and answers /digest, and comes back
    after a disconnect message, a close and a cut connection; a refused app token gets
    invalid_auth."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    socket = slack_api.socket
    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-slack-token", base_url=f"{slack_api.url}/api/")
    )

    @app.command("/digest")
    async def digest(ack, command: dict, respond) -> None:
        await ack()
        await respond(text=f"you asked {command['text']!r}", response_type="ephemeral")

    handler = AsyncSocketModeHandler(app, APP_TOKEN)
    await handler.connect_async()
    try:

        async def answered(text: str) -> dict[str, Any]:
            envelope = await asyncio.to_thread(socket.slash_command, text)
            ack = await asyncio.to_thread(socket.wait_acked, envelope)
            assert ack.payload is None and ack.seconds < 3
            await poll(lambda: slack_api.responses(envelope), 10, "the answer")
            return slack_api.responses(envelope)[0]

        assert (await answered("status"))["text"] == "you asked 'status'"
        assert socket.opens[0] == {"token": APP_TOKEN, "ok": True, "url": socket.opens[0]["url"]}
        for drop in (socket.disconnect, lambda: socket.drop(1001), lambda: socket.drop(None)):
            before = socket.connections
            await asyncio.to_thread(drop)
            await asyncio.to_thread(socket.wait_connected, before + 1, 30)
            assert (await answered(""))["response_type"] == "ephemeral"
        assert socket.unknown_messages == []
    finally:
        await handler.close_async()
    socket.refuse_token()
    handler = AsyncSocketModeHandler(app, APP_TOKEN)
    connecting = asyncio.create_task(handler.connect_async())  # it retries for ever
    await poll(lambda: socket.opens[-1].get("error") == "invalid_auth", 10, "invalid_auth")
    await handler.close_async()
    await asyncio.wait_for(connecting, 10)


# -- the bot as a process ----------------------------------------------------------------


class Bot:
    """`python -m digestbot run` in the test's folder, its output in a log file."""

    def __init__(self, config: Path, folder: Path, number: int) -> None:
        self.log_path = folder / f"bot-{number}.log"
        self.config = config
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "digestbot", "--config", str(config), "run"],
                cwd=folder,
                env=os.environ.copy(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def until(self, condition: Callable[[], Any], seconds: float, what: str) -> None:
        """Wait for `condition`, failing at the deadline or as soon as the bot exits."""
        deadline = time.monotonic() + seconds
        while not condition():
            code = self.process.poll()
            assert code is None, f"the bot exited ({code}) before {what}:\n{self.tail()}"
            assert time.monotonic() < deadline, (
                f"timed out after {seconds:g} s waiting for {what}; the bot's log:\n{self.tail()}"
            )
            time.sleep(0.05)

    def terminate(self) -> float:
        """SIGTERM; returns the seconds the bot took to exit (it must exit 0)."""
        assert self.process.poll() is None, f"the bot had exited already:\n{self.tail()}"
        logged = len(self.log())
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(GRACE + EXIT_MARGIN + 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            pytest.fail(f"SIGTERM did not stop the bot within 30 s past the grace:\n{self.tail()}")
        took = time.monotonic() - started
        assert code == 0, f"the bot exited {code} on SIGTERM:\n{self.tail()}"
        assert took <= GRACE + EXIT_MARGIN, (
            f"the bot took {took:.1f} s to stop on SIGTERM, grace {GRACE:g} s:\n{self.tail()}"
        )
        stopping = self.log()[logged:]
        assert "Traceback" not in stopping, f"a traceback while stopping:\n{stopping[-6000:]}"
        return took


class Live:
    """The fakes, the settings, and the bots started on them."""

    def __init__(
        self,
        make_config: ConfigFactory,
        monkeypatch: pytest.MonkeyPatch,
        folder: Path,
        discord: FakeDiscord,
        slack: FakeSlack,
        reddit: FakeReddit,
        llm: FakeOpenAI,
    ) -> None:
        self._make_config = make_config
        self._monkeypatch = monkeypatch
        self.folder = folder
        self.discord, self.slack, self.reddit, self.llm = discord, slack, reddit, llm
        self.bots: list[Bot] = []
        self.config: Path | None = None
        discord.channels.add(DISCORD_ADMIN)
        slack.channels.add(SLACK_ADMIN)
        discord.gateway.heartbeat_interval = 1.0  # heartbeats happen within a test

    def configure(
        self,
        *,
        discord: bool = True,
        slack: bool = True,
        schedule: bool = True,
        app_token: str = APP_TOKEN,
    ) -> Path:
        """Settings on the fakes; with `schedule` the day's digest is due at start
        (00:00 has passed on any day)."""
        config = self._make_config(
            discord=self.discord if discord else None,
            slack=self.slack if slack else None,
            schedule={
                "enabled": schedule,
                "time": "00:00",
                "shutdown_grace_seconds": GRACE,
            },
            commands={"cooldown_seconds": 0},
        )
        env = {
            "DIGESTBOT_DISCORD__GATEWAY_URL": self.discord.gateway.url,
            "DIGESTBOT_DISCORD__ADMIN_CHANNEL": DISCORD_ADMIN,
            "DIGESTBOT_SLACK__ADMIN_CHANNEL": SLACK_ADMIN,
            "DIGESTBOT_SLACK__MODE": "socket",
            "SLACK_APP_TOKEN": app_token,
        }
        for name, value in env.items():
            self._monkeypatch.setenv(name, value)
        self.config = Path(config.path)
        return self.config

    def start(self) -> Bot:
        assert self.config is not None, "configure() first"
        bot = Bot(self.config, self.folder, len(self.bots) + 1)
        self.bots.append(bot)
        return bot

    def stop_all(self) -> None:
        for bot in self.bots:
            if bot.process.poll() is None:
                bot.process.kill()
                bot.process.wait(10)

    # -- the records ----------------------------------------------------------------------

    def history(self) -> list[dict[str, Any]]:
        """`digestbot history --json`: the digests, newest first."""
        result = run_cli("--config", str(self.config), "history", "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout) if result.stdout.strip() else []

    def _rows(self, query: str) -> list[dict[str, Any]]:
        database = self.folder / "history.db"
        if not database.exists():
            return []
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            try:
                return [dict(row) for row in db.execute(query)]
            except sqlite3.OperationalError:  # no such table yet: nothing recorded
                return []

    def runs(self) -> list[dict[str, Any]]:
        return self._rows("select id, command, day, status, message from runs order by id")

    def deliveries(self) -> list[dict[str, Any]]:
        return self._rows(
            "select day, platform, channel, part, state, error from deliveries "
            "order by platform, channel, part"
        )

    def day_is_delivered(self) -> bool:
        """The day's run has finished and every channel of both platforms has it."""
        runs = self.runs()
        if not runs or runs[-1]["status"] not in DIGEST_DONE:
            return False
        return all(self.discord.copies(c) for c in DISCORD_CHANNELS) and all(
            self.slack.copies(c) for c in SLACK_CHANNELS
        )

    def assert_the_day_went_out_once(self) -> dict[str, Any]:
        """The history has one digest, ok, nothing left to post; every channel of both
        platforms has each of its messages, once. Returns the digest's history row."""
        (digest,) = self.history()
        assert digest["status"] == "ok" and digest["messages_pending"] == 0, digest
        assert digest["mode"] == "full" and digest["topics"] == 5 and digest["failed"] == 0
        sent = self.deliveries()
        assert sent and {d["state"] for d in sent} == {"sent"}, sent
        posted = 0
        for platform, fake, channels in (
            ("discord", self.discord, DISCORD_CHANNELS),
            ("slack", self.slack, SLACK_CHANNELS),
        ):
            for channel in channels:
                parts = [d for d in sent if d["platform"] == platform and d["channel"] == channel]
                copies = fake.copies(channel)
                assert len(copies) == len(parts) and each_once(copies), (platform, channel)
                posted += len(copies)
        assert digest["messages_sent"] == posted, (digest, posted)
        return digest

    # -- asking /digest -------------------------------------------------------------------

    def ask_discord(self, bot: Bot, options: dict[str, Any] | None = None) -> list[dict]:
        """/digest in Discord; returns the bot's answers: its callback, then followups.
        Discord wants the callback within 3 s."""
        bot.until(lambda: self.discord.gateway.connected, 60, "a READY Discord gateway")
        asked = time.monotonic()
        token = self.discord.gateway.interaction(options or {})
        bot.until(lambda: self.discord.replies(token), 10, "the /digest callback")
        took = time.monotonic() - asked
        assert took < 3, f"the /digest callback came after {took:.1f} s"
        bot.until(lambda: len(self.discord.replies(token)) >= 2, 30, "the /digest answer")
        return self.discord.replies(token)

    def ask_slack(self, bot: Bot, text: str = "") -> list[dict]:
        """/digest in Slack; returns what was posted to its response_url. Slack wants
        the ack within 3 s."""
        socket = self.slack.socket
        bot.until(lambda: socket.live is not None, 60, "a Slack Socket Mode connection")
        envelope = socket.slash_command(text)
        bot.until(lambda: envelope in socket.acks, 10, "the /digest ack")
        assert socket.acks[envelope].seconds < 3, socket.acks[envelope]
        bot.until(lambda: self.slack.responses(envelope), 30, "the /digest answer")
        return self.slack.responses(envelope)


@pytest.fixture
def live(
    make_config: ConfigFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    discord_api: FakeDiscord,
    slack_api: FakeSlack,
    reddit: FakeReddit,
    llm: FakeOpenAI,
) -> Iterator[Live]:
    setup = Live(make_config, monkeypatch, tmp_path, discord_api, slack_api, reddit, llm)
    try:
        yield setup
    finally:
        setup.stop_all()
        llm.latency = 0  # let held answers go, so the fakes stop at once
        reddit.delay = 0
        discord_api.hold(-1, 0)
        slack_api.hold(-1, 0)
        discord_api.gateway.hang(False)
        slack_api.socket.hang(False)


def each_once(messages: list[dict[str, Any]]) -> bool:
    """No message in a channel is a copy of another."""
    bodies = [json.dumps([m.get("content"), m.get("embeds"), m.get("blocks")]) for m in messages]
    return len(bodies) == len(set(bodies))


# -- connecting and answering ------------------------------------------------------------


@pytest.mark.timeout(90)
def test_discord_connects_and_answers_digest(live: Live) -> None:
    live.configure(slack=False, schedule=False)
    bot = live.start()
    gateway = live.discord.gateway
    bot.until(lambda: gateway.connected, 30, "READY on the Discord gateway")
    (identify,) = gateway.identifies
    assert identify["token"] == "discord-token" and identify["intents"] & (1 << 15) == 0
    callback, answer, *_ = live.ask_discord(bot, {"status": True})
    assert callback["type"] == 5 and callback["data"]["flags"] & 64  # deferred, only to the asker
    assert "Last run: none yet" in answer["content"] and answer["flags"] & 64
    bot.terminate()


@pytest.mark.timeout(90)
def test_slack_connects_and_answers_digest(live: Live) -> None:
    live.configure(discord=False, schedule=False)
    bot = live.start()
    socket = live.slack.socket
    bot.until(lambda: socket.connections >= 1, 30, "a Slack Socket Mode connection")
    assert socket.opens[0]["token"] == APP_TOKEN and socket.opens[0]["ok"]
    (answer,) = live.ask_slack(bot, "status")
    assert answer["response_type"] == "ephemeral" and "Last run: none yet" in json.dumps(answer)
    assert socket.unknown_messages == []
    bot.terminate()


@pytest.mark.timeout(120)
def test_a_good_day_on_both_platforms(live: Live) -> None:
    """Both platforms connect; the day's digest, due at start, reaches every channel once;
    /digest is answered on both; SIGTERM stops it; the records say the day went well."""
    live.configure()
    bot = live.start()
    bot.until(lambda: live.discord.gateway.connected, 30, "READY on the Discord gateway")
    bot.until(lambda: live.slack.socket.live is not None, 30, "Slack Socket Mode")
    bot.until(live.day_is_delivered, 60, "the day's digest in every channel")
    (digest,) = live.history()
    day = digest["day"]
    _, discord_answer, *_ = live.ask_discord(bot)
    assert discord_answer["content"].startswith(f"**Daily AI digest · {day}**")
    slack_answer, *_ = live.ask_slack(bot)
    assert slack_answer["blocks"][0]["text"]["text"] == f"Daily AI digest · {day}"
    bot.terminate()
    assert [r["status"] for r in live.runs()] == ["ok"], live.runs()
    live.assert_the_day_went_out_once()
    assert live.discord.copies(DISCORD_ADMIN) == [] and live.slack.copies(SLACK_ADMIN) == []


# -- reconnecting ------------------------------------------------------------------------


@pytest.mark.timeout(180)
def test_discord_comes_back_after_the_gateway_drops_it(live: Live) -> None:
    """Each way a gateway connection ends is followed by a RESUME or a new IDENTIFY, and
    /digest is answered again."""
    live.configure(slack=False, schedule=False)
    bot = live.start()
    gateway = live.discord.gateway
    bot.until(lambda: gateway.connected, 30, "READY on the Discord gateway")
    live.ask_discord(bot, {"status": True})
    for how, drop in [
        ("closed with 1001", lambda: gateway.drop(1001)),
        ("closed with 4000", lambda: gateway.drop(4000)),
        ("its TCP connection cut", lambda: gateway.drop(None)),
        ("RECONNECT (op 7)", gateway.reconnect),
        ("INVALID_SESSION, not resumable", gateway.invalidate),
    ]:
        before = gateway.readies
        drop()
        bot.until(lambda: gateway.readies > before, 60, f"the bot back after {how}")  # noqa: B023
        _, answer, *_ = live.ask_discord(bot, {"status": True})
        assert "Last run:" in answer["content"], how
    assert len(gateway.identifies) + len(gateway.resumes) == 6
    bot.terminate()


@pytest.mark.timeout(180)
def test_slack_comes_back_after_a_disconnect(live: Live) -> None:
    live.configure(discord=False, schedule=False)
    bot = live.start()
    socket = live.slack.socket
    bot.until(lambda: socket.connections >= 1, 30, "a Slack Socket Mode connection")
    live.ask_slack(bot, "status")
    for how, drop in [
        ('a "disconnect" (refresh_requested)', socket.disconnect),
        ("a close (1001)", lambda: socket.drop(1001)),
        ("its TCP connection cut", lambda: socket.drop(None)),
    ]:
        before = socket.connections
        drop()
        bot.until(lambda: socket.connections > before, 60, f"the bot back after {how}")  # noqa: B023
        (answer,) = live.ask_slack(bot, "status")
        assert "Last run:" in json.dumps(answer), how
    assert socket.unknown_messages == []
    bot.terminate()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("refusal", ["503 on the upgrade", "closed at once"])
def test_a_gateway_that_refuses_the_first_connections_is_retried(live: Live, refusal: str) -> None:
    """Discord's gateway refuses the bot's first three attempts; the bot keeps trying
    (with backoff) until it is in, then answers /digest."""
    gateway = live.discord.gateway
    if refusal == "closed at once":
        gateway.refuse(3, status=None, close=1001)
    else:
        gateway.refuse(3, status=503)
    live.configure(slack=False, schedule=False)
    bot = live.start()
    bot.until(lambda: gateway.attempts >= 1, 30, "a first attempt on the gateway")
    bot.until(lambda: gateway.connected, 90, "READY after three refused attempts")
    assert gateway.attempts == 4
    _, answer, *_ = live.ask_discord(bot, {"status": True})
    assert "Last run:" in answer["content"]
    bot.terminate()


@pytest.mark.timeout(240)
def test_a_refused_slack_app_token_stops_neither_discord_nor_the_schedule(live: Live) -> None:
    """Slack answers invalid_auth to the app-level token: Discord connects and answers,
    the day's digest reaches every channel (Slack's too, over its Web API), Slack is
    retried with backoff and reported once to Discord's admin channel, and SIGTERM
    still stops the bot."""
    socket = live.slack.socket
    socket.refuse_token("xapp-refused")
    live.configure(app_token="xapp-refused")
    bot = live.start()
    bot.until(lambda: socket.opens, 30, "the bot asking Slack for a socket")
    assert socket.opens[0]["error"] == "invalid_auth"
    bot.until(lambda: live.discord.gateway.connected, 30, "READY on the Discord gateway")
    bot.until(live.day_is_delivered, 60, "the day's digest in every channel")
    _, answer, *_ = live.ask_discord(bot, {"status": True})
    assert "Last run:" in answer["content"]
    notices = lambda: live.discord.copies(DISCORD_ADMIN)  # noqa: E731
    bot.until(notices, 100, "the Slack problem reported to Discord's admin channel")
    assert "slack" in notices()[0]["content"].lower(), notices()
    reported = len(socket.opens)
    bot.until(lambda: len(socket.opens) > reported, 90, "Slack tried again")
    assert len(notices()) == 1, notices()  # reported once, not at every try
    assert socket.connections == 0
    bot.terminate()
    assert [r["status"] for r in live.runs()] == ["ok"], live.runs()
    live.assert_the_day_went_out_once()


# -- SIGTERM in each state ----------------------------------------------------------------


# Longer than the bot's request timeouts (5 s), short enough for a fake to stop at the
# end of the test: a fake's server waits for the answers it is still delaying.
HANG = 8.0


def _gateway_upgrade(live: Live) -> Callable[[], bool]:
    live.discord.gateway.hang(at="upgrade")  # the upgrade request is never answered
    return lambda: live.discord.gateway.attempts >= 1


def _gateway_hello(live: Live) -> Callable[[], bool]:
    live.discord.gateway.hang(at="hello")  # let in, never greeted
    return lambda: live.discord.gateway.attempts >= 1


def _socket_url(live: Live) -> Callable[[], bool]:
    live.slack.fail("/api/apps.connections.open", Fault(delay=HANG))
    return lambda: bool(live.slack.seen("/api/apps.connections.open"))


def _socket_upgrade(live: Live) -> Callable[[], bool]:
    live.slack.socket.hang()
    return lambda: live.slack.socket.attempts >= 1


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    ("hanging", "enter"),
    [
        ("Discord gateway: no answer to the upgrade", _gateway_upgrade),
        ("Discord gateway: no HELLO", _gateway_hello),
        ("Slack: no answer to apps.connections.open", _socket_url),
        ("Slack Socket Mode: no answer to the upgrade", _socket_upgrade),
    ],
)
def test_sigterm_while_connecting_to_a_platform_that_hangs(
    live: Live, hanging: str, enter: Callable[[Live], Callable[[], bool]]
) -> None:
    """A platform answers nothing while the bot connects to it: SIGTERM still ends the
    bot within the grace."""
    connecting = enter(live)
    live.configure(schedule=False)
    bot = live.start()
    bot.until(connecting, 30, f"the bot connecting ({hanging})")
    bot.terminate()
    assert live.runs() == []  # nothing was started, nothing is left running


def _collecting(live: Live) -> Callable[[], bool]:
    live.reddit.delay = HANG  # every request to the source hangs
    return lambda: bool(live.reddit.requests)


def _analysing(live: Live) -> Callable[[], bool]:
    live.llm.latency = HANG
    return lambda: live.llm.in_flight > 0


def _delivering(live: Live) -> Callable[[], bool]:
    live.discord.hold(0, 600)  # Discord stores the first message and answers late
    return lambda: any(live.discord.copies(c) for c in DISCORD_CHANNELS)


@pytest.mark.timeout(150)
@pytest.mark.parametrize(
    ("state", "enter"),
    [("collecting", _collecting), ("analysing", _analysing), ("delivering", _delivering)],
)
def test_sigterm_mid_run_stops_within_the_grace_and_the_next_start_completes_the_day(
    live: Live, state: str, enter: Callable[[Live], Callable[[], bool]]
) -> None:
    """The day's run is stuck collecting, analysing or delivering when SIGTERM comes:
    the bot exits 0 within the grace; the run is recorded as interrupted, never left
    running or called a failure of a day that goes out in the end; the next start
    completes the day, every message once."""
    reached = enter(live)
    live.configure()
    bot = live.start()
    bot.until(reached, 60, f"the day's run {state}")
    bot.terminate()
    runs = live.runs()
    assert runs and runs[-1]["status"] == "interrupted", runs  # not running, not failed
    if state == "delivering":
        (digest,) = live.history()  # made, and partly posted
        assert digest["status"] == "interrupted" and digest["messages_pending"] > 0, digest
    else:
        assert live.history() == []  # no digest was made
    # Everything answers again; the next start makes and delivers what is missing.
    live.reddit.delay, live.llm.latency = 0, 0
    live.discord.hold(-1, 0)
    again = live.start()
    again.until(live.day_is_delivered, 90, "the day completed by the next start")
    again.terminate()
    runs = live.runs()
    assert {r["status"] for r in runs} == {"ok"}, runs  # the interruption was completed
    live.assert_the_day_went_out_once()
