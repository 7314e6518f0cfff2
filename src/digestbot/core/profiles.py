"""A channel's own edition: what the settings file's `[channels."<id>"]` sets, overlaid
field by field by what admins set in chat (`/digest settings`), the rest the defaults.

A field left unset has its "unset" value (topics 0, language "", focus [], threads "",
time ""), in the file and in chat alike. The effective profile resolves the defaults
that are known here: `[selection] topics`, the platform's `threads`, the schedule's
`time`; an unset language stays "" (the prompts' own) and an unset focus [] (none).

Plain classes, no dataclasses: `digestbot channels` imports this and must stay quick.
"""

from __future__ import annotations

from digestbot.core.errors import CommandError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any, Protocol

    class StoredProfiles(Protocol):
        """What admins set in chat, per (platform, channel): the fields set only."""

        def get(self, platform: str, channel: str) -> dict[str, Any] | None:
            """The channel's row: settings (a dict), updated_by, updated_at."""
            ...

        def all(self) -> list[dict[str, Any]]:
            """Rows with platform, channel, settings (a dict), updated_by, updated_at."""
            ...

        def put(self, platform: str, channel: str, settings: dict[str, Any], user: str) -> None:
            """Store these fields as the channel's whole chat profile (none: forget it)."""
            ...


FIELDS = ("topics", "language", "focus", "threads", "time")
UNSET: dict[str, Any] = {"topics": 0, "language": "", "focus": [], "threads": "", "time": ""}
PLATFORMS = ("discord", "slack")
FILE, CHAT, DEFAULT = "file", "chat", "default"  # where an effective value came from
CLEAR_WORDS = ("default", "clear", "unset", "none")
_ON = ("on", "true", "yes", "1")
_OFF = ("off", "false", "no", "0")


def platform_of(channel: str) -> str:
    """Discord's channel ids are numbers (snowflakes); Slack's start with a letter."""
    return "discord" if channel.isdigit() else "slack"


def set_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `values` that are set (not their unset value), in FIELDS order."""
    return {name: values[name] for name in FIELDS if name in values and values[name] != UNSET[name]}


class Defaults:
    """The default edition's values: what a profile falls back to."""

    __slots__ = ("threads", "time", "topics")

    def __init__(self, topics: int, threads: Mapping[str, bool], time: str) -> None:
        self.topics = topics
        self.threads = dict(threads)  # per platform
        self.time = time


class Profile:
    """One channel's effective edition, and where each value came from."""

    __slots__ = (
        "channel", "focus", "language", "origin", "platform", "threads", "time", "topics",
        "updated_at", "updated_by",
    )  # fmt: skip

    def __init__(
        self,
        platform: str,
        channel: str,
        values: Mapping[str, Any],
        origin: Mapping[str, str],
        updated_by: str = "",
        updated_at: str = "",
    ) -> None:
        self.platform = platform
        self.channel = channel
        self.topics: int = values["topics"]
        self.language: str = values["language"]  # "": the prompts' own
        self.focus: list[str] = list(values["focus"])
        self.threads: bool = values["threads"]
        self.time: str = values["time"]  # HH:MM in the schedule's timezone
        self.origin = dict(origin)  # field -> "file" | "chat" | "default"
        self.updated_by = updated_by  # who last set it in chat
        self.updated_at = updated_at

    @property
    def is_default(self) -> bool:
        """Nothing set for this channel, in the file or in chat: the default edition."""
        return all(origin == DEFAULT for origin in self.origin.values())

    def as_dict(self) -> dict[str, Any]:
        """The profile as `digestbot channels --json` shows it."""
        return {
            "channel": self.channel,
            "platform": self.platform,
            **{name: getattr(self, name) for name in FIELDS},
            "from": dict(self.origin),
            "updated_by": self.updated_by,
            "updated_at": self.updated_at,
        }

    def __repr__(self) -> str:
        return f"Profile({self.as_dict()!r})"


def merge(
    platform: str,
    channel: str,
    file: Mapping[str, Any],
    chat: Mapping[str, Any],
    defaults: Defaults,
) -> Profile:
    """The effective profile: chat's fields over the file's over the defaults."""
    fallback = {
        "topics": defaults.topics,
        "language": "",
        "focus": [],
        "threads": defaults.threads.get(platform, False),
        "time": defaults.time,
    }
    from_file, from_chat = set_fields(file), set_fields(chat)
    values, origin = {}, {}
    for name in FIELDS:
        if name in from_chat:
            values[name], origin[name] = from_chat[name], CHAT
        elif name in from_file:
            values[name], origin[name] = from_file[name], FILE
        else:
            values[name], origin[name] = fallback[name], DEFAULT
    return Profile(platform, channel, values, origin)


class ChannelProfiles:
    """Every channel's profile: the file's, the stored chat ones, the defaults; and the
    changes admins make, checked by `check` (the settings file's own rules: it returns
    what is wrong with a profile's fields, or None)."""

    def __init__(
        self,
        file: Mapping[str, Mapping[str, Any]],
        defaults: Defaults,
        stored: StoredProfiles,
        check: Callable[[dict[str, Any]], str | None],
        listed: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._file = {channel: set_fields(values) for channel, values in file.items()}
        self._defaults = defaults
        self._stored = stored
        self._check = check
        self._listed = {p: list((listed or {}).get(p, ())) for p in PLATFORMS}

    def profile(self, platform: str, channel: str) -> Profile:
        """The effective profile of one channel (the default edition if nothing is set)."""
        return self._merged(platform, channel, self._stored.get(platform, channel))

    def profiles(self) -> list[Profile]:
        """Every channel the digest goes to, and every one with a profile in the file or
        in chat: the listed channels first, in the settings' order."""
        rows = {(r["platform"], r["channel"]): r for r in self._stored.all()}
        keys = [(p, c) for p in PLATFORMS for c in self._listed[p]]
        keys += [(platform_of(c), c) for c in self._file]
        keys += sorted(rows)
        unique = list(dict.fromkeys(keys))
        return [self._merged(p, c, rows.get((p, c))) for p, c in unique]

    def change(
        self,
        platform: str,
        channel: str,
        changes: Iterable[tuple[str, Any]],
        clear: Iterable[str],
        user: str,
    ) -> Profile:
        """Set and clear fields of the channel's chat profile; CommandError, and nothing
        stored, if a field or value is wrong. Returns the effective profile."""
        row = self._stored.get(platform, channel)
        chat = dict(row["settings"]) if row else {}
        for name in clear:
            chat.pop(_field_name(name), None)
        for name, value in changes:
            name = _field_name(name)
            if isinstance(value, str) and value.strip().lower() in CLEAR_WORDS:
                chat.pop(name, None)
            else:
                chat[name] = typed(name, value)
        chat = set_fields(chat)
        if problem := self._check(chat):
            raise CommandError(f"Not changed: {problem}.")
        self._stored.put(platform, channel, chat, user)
        return self.profile(platform, channel)

    def _merged(self, platform: str, channel: str, row: Mapping[str, Any] | None) -> Profile:
        profile = merge(
            platform,
            channel,
            self._file.get(channel, {}),
            row["settings"] if row else {},
            self._defaults,
        )
        if row:
            profile.updated_by, profile.updated_at = row["updated_by"], row["updated_at"]
        return profile


def _field_name(name: str) -> str:
    key = name.strip().lower()
    if key not in FIELDS:
        raise CommandError(f"There is no setting {name!r}: the settings are {', '.join(FIELDS)}.")
    return key


def typed(name: str, value: Any) -> Any:
    """A value typed in chat as the settings file has it: topics a number, threads
    true/false, focus a list of words (from "a, b"), the others text."""
    if name == "topics":
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if number is not None and number >= 1:  # 0 would read as "not set"
            return number
        raise CommandError(f"Not changed: topics must be a number from 1 to 25 (got {value!r}).")
    if name == "threads":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _ON or word in _OFF:
            return word in _ON
        raise CommandError(f"Not changed: threads must be on or off (got {value!r}).")
    if name == "focus":
        words = value if isinstance(value, list) else str(value).split(",")
        return [w.strip() for w in words if w.strip()]
    return str(value).strip()


def parse_words(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """`key=value` words (quotes for spaces) as typed after `/digest settings`; a value
    of `default` clears the field, and so does `clear=field,field`."""
    import shlex

    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
    try:
        words = shlex.split(text)
    except ValueError as exc:  # an unclosed quote
        raise CommandError(f"Not changed: {exc} in {text!r}.") from exc
    changes: list[tuple[str, str]] = []
    clear: list[str] = []
    for word in words:
        name, equals, value = word.partition("=")
        if not equals:
            raise CommandError(
                f"Not changed: {word!r} is not setting=value "
                '(e.g. topics=4 language=German focus="robotics, vision" threads=on time=07:00).'
            )
        if name.strip().lower() == "clear":
            clear += [_field_name(n) for n in value.split(",") if n.strip()]
        else:
            changes.append((_field_name(name), value))
    return changes, clear


_ORIGIN_WORDS = {FILE: "settings file", CHAT: "set in chat", DEFAULT: "default"}


def describe(profile: Profile) -> str:
    """The profile in a few lines, for chat."""
    where = "Discord" if profile.platform == "discord" else "Slack"
    shown = {
        "topics": str(profile.topics),
        "language": profile.language or "the prompts' own",
        "focus": ", ".join(profile.focus) or "none",
        "threads": "on" if profile.threads else "off",
        "time": profile.time,
    }
    lines = [f"This channel's edition ({where} {profile.channel}):"]
    lines += [f"• {name}: {shown[name]} ({_ORIGIN_WORDS[profile.origin[name]]})" for name in FIELDS]
    if profile.updated_by:
        lines.append(f"Last changed in chat by {profile.updated_by} at {profile.updated_at}.")
    return "\n".join(lines)
