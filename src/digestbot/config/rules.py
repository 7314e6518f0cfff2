"""Checks of single settings, each returning what is wrong (or None): they run at every
start, so a typo is caught by `config check` and by every command, never mid-run."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Patterns, compiled by `re` on first use: most runs check none of them (defaults are not
# checked), and compiling them all at start-up would cost more than reading the settings.
_DAYS_ITEM = (
    r"(?i:(?:(?P<all>\*)|(?P<first>\d+)(?:-(?P<last>\d+))?|(?P<name>[a-z]+)(?:-(?P<to>[a-z]+))?)"
    r"(?:/(?P<step>\d+))?)"
)
_CLOCK = r"([01]\d|2[0-3]):[0-5]\d"
_SNOWFLAKE = r"[1-9]\d{16,19}"  # Discord ids: 17 to 20 digits
_SLACK_CHANNEL = r"[CGD][A-Z0-9]{8,}"
_SLACK_USER = r"[UW][A-Z0-9]{8,}"


def cron_days(text: str) -> str | None:
    """A cron day_of_week as the scheduler reads it: "mon-fri", "mon,wed,fri", "*", "0-4"."""
    for item in re.split(r" *, *", text.strip()):
        if problem := _days_item(item):
            return f'{problem}; write days like "mon-fri", "mon,wed,fri" or "mon-sun"'
    return None


def _days_item(item: str) -> str | None:
    match = re.fullmatch(_DAYS_ITEM, item)
    if not match:
        return f"{item!r} is not a day or a range of days"
    step = int(match["step"]) if match["step"] else None
    if match["name"]:
        if step is not None:
            return f"{item!r}: a range of day names takes no step"
        names = [match["name"].lower(), (match["to"] or match["name"]).lower()]
        if unknown := [n for n in names if n not in WEEKDAYS]:
            return f"{unknown[0]!r} is not a day (mon, tue, wed, thu, fri, sat, sun)"
        first, last = (WEEKDAYS.index(n) for n in names)
    elif match["all"]:
        first, last = 0, 6
    else:
        first = int(match["first"])
        # "4/2" steps from 4 to the end of the week, as the scheduler reads it
        last = int(match["last"]) if match["last"] else (6 if step is not None else first)
        if max(first, last) > 6:
            return f"{item!r}: days are numbered 0 (mon) to 6 (sun)"
    if first > last:
        return f"{item!r}: a range must run forwards (mon-fri, not fri-mon)"
    if step is not None and not 0 < step <= last - first:
        return f"{item!r}: the step must be from 1 to the length of the range ({last - first})"
    return None


def auto_or_count(low: int, high: int) -> Callable[[int | str], str | None]:
    """ "auto", or a whole number from `low` to `high`."""

    def check(value: int | str) -> str | None:
        if value == "auto" or (isinstance(value, int) and low <= value <= high):
            return None
        return f'must be "auto" or a whole number from {low} to {high} (got {value!r})'

    return check


def clock_time(text: str) -> str | None:
    return (
        None if re.fullmatch(_CLOCK, text) else f"{text!r} is not a time like 05:30 (24-hour HH:MM)"
    )


def time_zone(name: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{name!r} is not a known time zone (e.g. UTC, Europe/Berlin, America/New_York)"
    return None


def _address(text: str, schemes: tuple[str, ...], example: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in schemes or not parts.hostname:
        return f"{text!r} is not a {example}"
    return None


def web_url(text: str) -> str | None:
    """An http(s) URL with a host, like https://api.openai.com/v1."""
    return _address(text, ("http", "https"), "web address like https://example.com/v1")


def websocket_url(text: str) -> str | None:
    """A ws(s) URL with a host, like wss://gateway.discord.gg/."""
    return _address(text, ("ws", "wss"), "websocket address like wss://gateway.discord.gg/")


def optional(check: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """The check, for a setting that may also be left empty."""
    return lambda text: check(text) if text else None


def _each(pattern: str, what: str, example: str) -> Callable[[list[str]], str | None]:
    def check(values: list[str]) -> str | None:
        wrong = [v for v in values if not re.fullmatch(pattern, v)]
        if wrong:
            return f"{wrong[0]!r} is not {what} (like {example})"
        return None

    return check


discord_ids = _each(_SNOWFLAKE, "a Discord id", '"123456789012345678"')
slack_channels = _each(_SLACK_CHANNEL, "a Slack channel id", '"C0123456789"')
slack_users = _each(_SLACK_USER, "a Slack user id", '"U0123456789"')
discord_id = optional(lambda text: discord_ids([text]))
slack_channel = optional(lambda text: slack_channels([text]))


def post_filename(pattern: str) -> str | None:
    """A file name under the blog folder that names the day with {date}."""
    from string import Formatter

    try:
        fields = {name for _, name, _, _ in Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        return f"{pattern!r} is not a file name pattern ({exc}); write it like {{date}}-summary.md"
    if fields != {"date"}:
        return f"{pattern!r} must name the day with {{date}} and nothing else in braces"
    if pattern.startswith(("/", "\\")) or ".." in pattern.replace("\\", "/").split("/"):
        return f"{pattern!r} must stay inside the blog folder"
    return None


def not_blank(text: str) -> str | None:
    return None if text.strip() else "must not be empty"


def subreddit(text: str) -> str | None:
    """A subreddit's name, or several joined with "+" (a multireddit)."""
    if all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}", part) for part in text.split("+")):
        return None
    return f"{text!r} is not a subreddit's name (like MachineLearning, without r/)"


def arxiv_category(text: str) -> str | None:
    """An arXiv category, like cs.LG, stat.ML or hep-th."""
    if re.fullmatch(r"[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?", text):
        return None
    return f"{text!r} is not an arXiv category (like cs.LG or stat.ML)"


def language(text: str) -> str | None:
    """A language's name as a person writes it ("German", "Brazilian Portuguese",
    "Français"): it goes into the analysis prompt, so nothing but words."""
    if len(text) <= 40 and re.fullmatch(r"[^\W\d_]+(?:[ \-'][^\W\d_]+)*", text):
        return None
    return f"{text!r} is not a language's name (like German or Brazilian Portuguese)"


def unset_or_bool(value: object) -> str | None:
    """true, false, or "" for not set (the platform's own setting)."""
    return None if isinstance(value, bool) or value == "" else "must be true or false"


def channel_id(text: str) -> str | None:
    """A Discord channel's id or a Slack channel's id."""
    if re.fullmatch(_SNOWFLAKE, text) or re.fullmatch(_SLACK_CHANNEL, text):
        return None
    return "is not a Discord channel id (17 to 20 digits) or a Slack one (like C0123456789)"


def not_empty_list(values: list[str]) -> str | None:
    return None if any(v.strip() for v in values) else "must list at least one"
