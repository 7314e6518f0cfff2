"""`/digest` on demand, platform-free: what was asked, whether it is allowed, the answer.

Reading history is free and open to everyone. Making a digest costs LLM calls, so it
happens only for today, only when there is none yet (or an admin forces it), and
each user may trigger it at most once per cooldown. Concurrent askers share one
generation: the caller's `make_digest` and the database see to that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from digestbot.core import profiles, trends
from digestbot.core.budget import Budget, Spend, status_lines
from digestbot.core.errors import CommandError, DigestbotError
from digestbot.core.links import with_links
from digestbot.core.models import (
    Digest,
    DigestRequest,
    PredictionSeries,
    Reply,
    SearchHit,
    SearchPage,
    Want,
)
from digestbot.core.ports import History
from digestbot.core.profiles import ChannelProfiles

USAGE = (
    "/digest [YYYY-MM-DD] [topic N] [public] [force]  ·  /digest status  ·  "
    "/digest search WORDS [page N] [newest]  ·  /digest predictions [public]  ·  "
    '/digest settings [topics=N language=L focus="a, b" threads=on|off time=HH:MM]\n'
    "e.g. /digest · /digest 2026-11-20 · /digest topic 2 · /digest search lora"
)
PER_PAGE = 10


def search_page(
    history: History,
    query: str,
    page: int = 1,
    *,
    newest: bool = False,
    post_url: Callable[[date], str] | None = None,
) -> SearchPage:
    """One page of search results, best first (or `newest` first), each with its links:
    the day's post on the blog (by `post_url`), the discussion and the article."""
    found = history.search.find(query, max(page, 1), PER_PAGE, newest=newest, post_url=post_url)
    hits = tuple(
        SearchHit(r["day"], r["title"], r["url"], r["kind"], r["snippet"], tuple(r["links"]))
        for r in found["results"]
    )
    return SearchPage(
        query,
        found["page"],
        found["pages"],
        found["total"],
        hits,
        last_day=found["last_day"],
        digests=found["digests"],
    )


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date like 2026-11-20.\n{USAGE}") from exc


def parse_text(
    text: str, user: str, is_admin: bool, *, platform: str = "", channel: str = ""
) -> DigestRequest:
    """The words after a `/digest` typed in chat (Slack passes them as one string), in
    `channel` of `platform`."""
    words = text.split()
    if words and words[0].lower() == "settings":
        changes, clear = profiles.parse_words(text.split(None, 1)[1] if len(words) > 1 else "")
        return DigestRequest(
            user, is_admin, Want.SETTINGS, platform=platform, channel=channel,
            changes=tuple(changes), clear=tuple(clear),
        )  # fmt: skip
    if words and words[0].lower() == "search":
        page, newest = 1, False
        while len(words) > 2:  # "page N" and "newest" at the end, in any order
            if words[-1].lower() in ("newest", "--newest"):
                newest, words = True, words[:-1]
            elif words[-2].lower() == "page" and words[-1].isdigit():
                page, words = int(words[-1]), words[:-2]
            else:
                break
        query = " ".join(words[1:])
        if not query:
            raise CommandError(f"Search for what?\n{USAGE}")
        return DigestRequest(user, is_admin, Want.SEARCH, query=query, page=page, newest=newest)
    day: str | None = None
    topic: int | None = None
    public = force = status = False
    while words:
        word = words.pop(0).lower()
        if word == "predictions":
            return DigestRequest(user, is_admin, Want.PREDICTIONS, public="public" in words)
        if word == "status":
            status = True
        elif word == "public":
            public = True
        elif word == "force":
            force = True
        elif word == "topic" and words and words[0].isdigit():
            topic = int(words.pop(0))
        elif word in ("help", "?"):
            raise CommandError(USAGE)
        elif word[:1].isdigit():
            day = word
        else:
            raise CommandError(f"I don't know {word!r}.\n{USAGE}")
    want = Want.STATUS if status else Want.TOPIC if topic is not None else Want.DIGEST
    return DigestRequest(
        user, is_admin, want, day, topic, public, force, platform=platform, channel=channel
    )


class Cooldowns:
    """When each user may next trigger a generation; kept in memory, per process."""

    def __init__(self, period: timedelta) -> None:
        self._period = period
        self._next: dict[str, datetime] = {}

    def wait(self, user: str, now: datetime) -> timedelta:
        """How long `user` must still wait; zero means go (and starts a new period)."""
        ready = self._next.get(user)
        if ready and now < ready:
            return ready - now
        self._next[user] = now + self._period
        return timedelta(0)


MakeDigest = Callable[[date, bool], Awaitable[Digest]]


class DigestService:
    def __init__(
        self,
        history: History,
        make_digest: MakeDigest,
        *,
        cooldown: timedelta,
        next_run: Callable[[], datetime | None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        events: Sequence[str] = (),
        draw_chart: Callable[[PredictionSeries], bytes | None] | None = None,
        today: Callable[[], date] | None = None,
        post_url: Callable[[date], str] | None = None,
        profiles: ChannelProfiles | None = None,
        budget: Budget | None = None,
        approval: bool = False,
    ) -> None:
        self._history = history
        self._make_digest = make_digest
        self._cooldowns = Cooldowns(cooldown)
        self._next_run = next_run
        self._clock = clock
        self._events = tuple(events)
        self._draw_chart = draw_chart
        # The digest's day: the schedule's local date under `run`, else the UTC date.
        self._today = today or (lambda: self._clock().astimezone(UTC).date())
        # A day's post on the blog, where blog.site_url is set: answers link to it.
        self._post_url = post_url
        # Each channel's edition, for /digest settings; None where there are no channels.
        self._profiles = profiles
        self._budget = budget or Budget()  # the LLM's caps, shown with the spend
        self._approval = approval  # [approval] enabled: a digest is public once approved

    async def handle_text(
        self, text: str, user: str, is_admin: bool, *, platform: str = "", channel: str = ""
    ) -> Reply:
        try:
            request = parse_text(text, user, is_admin, platform=platform, channel=channel)
        except CommandError as exc:
            return Reply(text=str(exc))
        return await self.handle(request)

    async def handle(self, request: DigestRequest) -> Reply:
        try:
            return await self._answer(request)
        except CommandError as exc:
            return Reply(text=str(exc))

    async def _answer(self, request: DigestRequest) -> Reply:
        if request.want is Want.STATUS:
            return Reply(text=self.status(), public=request.public)
        if request.want is Want.PREDICTIONS:
            return self._predictions(request.public)
        if request.want is Want.SETTINGS:
            return Reply(text=self._settings(request))
        if request.want is Want.SEARCH:
            found = search_page(
                self._history,
                request.query,
                request.page,
                newest=request.newest,
                post_url=self._post_url,
            )
            return Reply(search=found, public=request.public)
        digest = await self._digest(request)
        if request.platform and request.channel:  # asked in a channel: its own edition
            digest = digest.edition_for(request.platform, request.channel)
        if self._post_url:  # the day's post, and those its updates continue
            digest = with_links(digest, self._post_url)
        if request.topic is not None and not 1 <= request.topic <= len(digest.topics):
            raise CommandError(f"The digest of {digest.day} has topics 1 to {len(digest.topics)}.")
        return Reply(digest=digest, topic=request.topic, public=request.public)

    async def _digest(self, request: DigestRequest) -> Digest:
        now, today = self._clock(), self._today()
        day = _parse_day(request.day) if request.day else today
        if request.force and not request.is_admin:
            raise CommandError("Only admins can make a digest again (force).")
        stored = self._history.digests.load(day)
        if stored and not request.force:
            self._check_approval(request, day)
            return stored
        if day != today:
            raise CommandError(
                f"There is no digest for {day}." if day < today else f"{day} has not come yet."
            )
        if (wait := self._cooldowns.wait(request.user, now)) > timedelta(0):
            raise CommandError(
                f"Making a digest costs LLM calls: please try again in {wait.seconds + 1} s."
            )
        try:
            made = await self._make_digest(day, request.force)
        except DigestbotError as exc:  # a source down, the database busy, a broken prompt
            raise CommandError(f"No digest could be made: {exc}") from exc
        self._check_approval(request, day)
        return made

    def _check_approval(self, request: DigestRequest, day: date) -> None:
        """A digest awaiting the admins' approval, or skipped by them, is theirs alone to
        see, and not to post in a channel before it is approved."""
        record = self._history.approvals.get(day)
        state = record.state if record else ""
        if state == "approved" or not (self._approval or state):
            return
        said = "was skipped by the admins" if state == "skipped" else "awaits the admins' approval"
        if not request.is_admin:
            raise CommandError(f"The digest of {day} {said}.")
        if request.public:
            raise CommandError(f"The digest of {day} {said}: it cannot be posted in the channel.")

    def _settings(self, request: DigestRequest) -> str:
        """The channel's edition; changed first when an admin gave fields to change."""
        if self._profiles is None or not request.channel:
            raise CommandError("Channel settings are not available here.")
        platform, channel = (
            request.platform or profiles.platform_of(request.channel),
            request.channel,
        )
        if not request.changes and not request.clear:
            return profiles.describe(self._profiles.profile(platform, channel))
        if not request.is_admin:
            raise CommandError("Only admins can change a channel's settings.")
        changed = self._profiles.change(
            platform, channel, request.changes, request.clear, request.user
        )
        return "Changed.\n" + profiles.describe(changed)

    def _predictions(self, public: bool) -> Reply:
        by_event = trends.series(self._history.reports.predictions_made(None), self._events)
        if not by_event:
            return Reply(text="No predictions in history yet.", public=public)
        lines = ["When each event is expected (the median of a month's predictions):"]
        for event, points in by_event.items():
            rows = trends.monthly({event: points})
            first, last = rows[0], rows[-1]
            lines.append(
                f"• {event}: {last.median:.0f} (predicted in {last.month})"
                + (f", was {first.median:.0f} (in {first.month})" if first is not last else "")
            )
        chart = self._draw_chart(by_event) if self._draw_chart else None
        return Reply(text="\n".join(lines), public=public, chart=chart)

    def status(self) -> str:
        now = self._clock()
        lines = []
        if run := self._history.reports.last_run():
            lines.append(
                f"Last run: {run['command']} for {run['day']}, {run['status']}"
                f" (started {run['started_at']})"
                + (f": {run['message']}" if run["message"] else "")
            )
        else:
            lines.append("Last run: none yet")
        next_run = self._next_run()
        lines.append(f"Next run: {next_run:%Y-%m-%d %H:%M %Z}" if next_run else "Next run: none")
        failures = self._history.reports.recent_failures(since=now - timedelta(days=7))
        lines.append(f"Failures in the last 7 days: {len(failures)}")
        lines += [f"  - {f}" for f in failures]
        usage = self._history.reports.month_usage(now.date())
        lines.append(
            f"This month: {usage['runs']} runs, {usage['calls']} LLM calls, "
            f"{usage['tokens']:,} tokens, ${usage['cost_usd']:.4f}"
        )
        lines += status_lines(self._budget, Spend(**self._history.reports.spend(now)))
        return "\n".join(lines)
