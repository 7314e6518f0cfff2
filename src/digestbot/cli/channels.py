"""`digestbot channels`: every channel's edition, as the settings file and the admins in
chat (`/digest settings`) set it, and what it falls back to. Reads the database without
creating one: with no history yet, only the file's profiles are shown."""

from __future__ import annotations

import argparse
import os

from digestbot.cli import args as checked
from digestbot.cli.output import EXIT_OK, print_json, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from digestbot.cli.parser import Commands
    from digestbot.config.settings import Settings
    from digestbot.core.profiles import ChannelProfiles, StoredProfiles


def register(commands: Commands) -> None:
    if channels := commands.add(
        "channels", help="each channel's edition", handler=channels_command,
        description="Each channel's edition: the channels the digest goes to and those "
        'with a profile, in the settings file ([channels."<id>"]) or set in chat by an '
        "admin (/digest settings); a value set in chat wins over the file's.",
    ):  # fmt: skip
        channels.add_argument("--json", action="store_true", help="print JSON, for scripts")


def check_profile(values: dict[str, Any]) -> str | None:
    """What is wrong with a channel profile's fields, by the settings file's rules."""
    from digestbot.config.channels import ChannelSettings
    from digestbot.config.fields import Problems

    try:
        ChannelSettings(**values)
    except Problems as exc:
        return "; ".join(f"{name}: {why}" if name else why for name, why in exc.problems)
    return None


def channel_profiles(settings: Settings, stored: StoredProfiles) -> ChannelProfiles:
    """Every channel's profile from the settings and what chat `stored`."""
    from digestbot.core.profiles import ChannelProfiles, Defaults

    defaults = Defaults(
        topics=settings.selection.topics,
        threads={"discord": settings.discord.threads, "slack": settings.slack.threads},
        time=settings.schedule.time,
    )
    return ChannelProfiles(
        {channel: edition.as_dict() for channel, edition in settings.channels.items()},
        defaults,
        stored,
        check_profile,
        listed={"discord": settings.discord.channels, "slack": settings.slack.channels},
    )


class _NothingStored:
    """No database yet: nothing was set in chat."""

    def get(self, platform: str, channel: str) -> None:
        return None

    def all(self) -> list[dict[str, Any]]:
        return []

    def put(self, platform: str, channel: str, settings: dict[str, Any], user: str) -> None:
        raise AssertionError("channels only reads")


def channels_command(args: argparse.Namespace) -> int:
    settings = checked.load_config(args).settings
    path = settings.storage.database
    if os.path.isfile(path):
        from digestbot.storage.profiles import Profiles
        from digestbot.storage.reader import open_existing

        db = open_existing(path)
        try:
            found = channel_profiles(settings, Profiles(db)).profiles()
        finally:
            db.close()
    else:
        found = channel_profiles(settings, _NothingStored()).profiles()
    if args.json:
        print_json([profile.as_dict() for profile in found])
        return EXIT_OK
    if not found:
        print('No channels: set discord.channels or slack.channels, or [channels."<id>"].')
        return EXIT_OK
    table(
        [
            (
                p.platform,
                p.channel,
                _shown(p, "topics", str(p.topics)),
                _shown(p, "language", p.language or "-"),
                _shown(p, "threads", "on" if p.threads else "off"),
                _shown(p, "time", p.time),
                _shown(p, "focus", ", ".join(p.focus) or "-"),
            )
            for p in found
        ],
        ("platform", "channel", "topics", "language", "threads", "time", "focus"),
    )
    print("* set in chat (/digest settings), + in the settings file; others: the defaults")
    return EXIT_OK


def _shown(profile: Any, name: str, value: str) -> str:
    """A value, marked where it was set: `*` in chat, `+` in the settings file."""
    return value + {"chat": " *", "file": " +"}.get(profile.origin[name], "")
