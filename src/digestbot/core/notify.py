"""Problems reach a person: each new one is logged and posted to the admin channels, once."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from digestbot.core.deliver import PlatformOpener
from digestbot.core.errors import DeliveryError
from digestbot.core.ports import Notices

log = logging.getLogger("digestbot")
# A notice is one message: on a bad day (dozens of failing channels) it lists the first
# problems in full, within Discord's 2,000 characters, and counts the rest.
MAX_LISTED = 6
MAX_PROBLEM_CHARS = 300


@dataclass(frozen=True, slots=True)
class AdminChannel:
    platform: str
    open_platform: PlatformOpener
    channel: str


class Notifier:
    def __init__(self, notices: Notices, admin_channels: Sequence[AdminChannel]) -> None:
        self._notices = notices
        self._admin_channels = tuple(admin_channels)
        self._said_unconfigured = False

    async def report(self, day: date, problems: Sequence[str], *, about: str = "") -> list[str]:
        """Log and post the problems not reported before for `day`; returns those.

        A problem counts as reported once an admin channel took it (or when there is no
        admin channel to tell): one that reached no one is posted again next time.
        """
        new = [
            problem
            for problem in dict.fromkeys(problems)
            if not self._notices.reported(_key(day, problem))
        ]
        if not new:
            return new
        for problem in new:
            log.warning("%s: %s", about or f"digest {day}", problem)
        if not self._admin_channels and not self._said_unconfigured:
            log.warning("no admin channel is configured: problems are only logged")
            self._said_unconfigured = True
        heading = f"digestbot, {about or f'digest of {day}'}: needs attention"
        listed = [f"• {p[:MAX_PROBLEM_CHARS]}" for p in new[:MAX_LISTED]]
        if len(new) > MAX_LISTED:
            listed.append(f"• and {len(new) - MAX_LISTED} more: the log has them all")
        text = heading + "\n" + "\n".join(listed)
        key = _key(day, text)[:25]
        told = not self._admin_channels
        for admin in self._admin_channels:
            try:
                async with admin.open_platform() as platform:
                    await platform.send(
                        admin.channel, platform.render_notice(text), key=key, thread=None
                    )
                told = True
            except DeliveryError as exc:
                log.error("cannot tell the %s admin channel: %s", admin.platform, exc)
            except Exception as exc:  # one admin channel's trouble must not hide the others
                log.error("cannot tell the %s admin channel: %s: %s", admin.platform,
                          type(exc).__name__, exc)  # fmt: skip
        if told:
            for problem in new:
                self._notices.record(_key(day, problem), problem)
        return new


def _key(day: date, text: str) -> str:
    return hashlib.sha256(f"{day.isoformat()}|{text}".encode()).hexdigest()
