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


@dataclass(frozen=True, slots=True)
class AdminChannel:
    platform: str
    open_platform: PlatformOpener
    channel: str


class Notifier:
    def __init__(self, notices: Notices, admin_channels: Sequence[AdminChannel]) -> None:
        self._notices = notices
        self._admin_channels = tuple(admin_channels)

    async def report(self, day: date, problems: Sequence[str]) -> list[str]:
        """Log and post the problems not reported before for `day`; returns those."""
        new = [
            problem
            for problem in dict.fromkeys(problems)
            if self._notices.first(_key(day, problem), problem)
        ]
        for problem in new:
            log.warning("digest %s: %s", day, problem)
        if not new:
            return new
        if not self._admin_channels:
            log.warning("no admin channel is configured: problems are only logged")
        text = f"digestbot, digest of {day}: needs attention\n" + "\n".join(f"• {p}" for p in new)
        key = _key(day, text)[:25]
        for admin in self._admin_channels:
            try:
                async with admin.open_platform() as platform:
                    await platform.send(
                        admin.channel, platform.render_notice(text), key=key, thread=None
                    )
            except DeliveryError as exc:
                log.error("cannot tell the %s admin channel: %s", admin.platform, exc)
        return new


def _key(day: date, text: str) -> str:
    return hashlib.sha256(f"{day.isoformat()}|{text}".encode()).hexdigest()
