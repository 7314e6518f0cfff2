"""The delivery ledger: every (digest, platform, channel, message part) with its state,
and the notices already posted to admins.

A message is `sending` before its request goes out and `sent` with its id after, so a
re-run, a restart or a crash posts only what is missing. Each row also says which topic
its message shows (the topic's post id, "" for the headline, trending, predictions), so
that a reaction to a message can be traced to its topic.
"""

from __future__ import annotations

from datetime import date

from digestbot.storage.base import Database, now_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Platforms whose message ids are unique across channels, and whose reaction events name
# the thread a message is in rather than the channel it was delivered to: Discord's.
BY_MESSAGE_ALONE = frozenset({"discord"})
_KEY = "day = ? and platform = ? and channel = ? and part = ?"


class Ledger:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, day: date, platform: str, channel: str, part: int) -> dict[str, Any] | None:
        return self._db.one(
            f"select * from deliveries where {_KEY}", [day.isoformat(), platform, channel, part]
        )

    def parts_from(self, day: date, platform: str, channel: str, part: int) -> list[dict[str, Any]]:
        """The channel's rows from `part` on: what a shorter remake of the digest left over."""
        return self._db.rows(
            "select * from deliveries where day = ? and platform = ? and channel = ? "
            "and part >= ? order by part",
            [day.isoformat(), platform, channel, part],
        )

    def drop(self, day: date, platform: str, channel: str, part: int) -> None:
        args = [day.isoformat(), platform, channel, part]
        self._db.execute(f"delete from deliveries where {_KEY}", args)

    def for_day(self, day: date) -> list[dict[str, Any]]:
        return self._db.rows(
            "select * from deliveries where day = ? order by platform, channel, part",
            [day.isoformat()],
        )

    def mark_sending(
        self,
        day: date,
        platform: str,
        channel: str,
        part: int,
        key: str,
        fingerprint: str,
        topic: str = "",
    ) -> None:
        """Recorded before the request goes out, so a crash leaves a trace to resume from."""
        now = now_text()
        self._db.execute(
            """insert into deliveries (day, platform, channel, part, state, key, fingerprint,
                   topic, attempts, error, permanent, sending_at, updated_at)
               values (?, ?, ?, ?, 'sending', ?, ?, ?, 1, '', 0, ?, ?)
               on conflict (day, platform, channel, part) do update set
                   state = 'sending', key = excluded.key, fingerprint = excluded.fingerprint,
                   topic = excluded.topic, attempts = attempts + 1, error = '', permanent = 0,
                   sending_at = excluded.sending_at, updated_at = excluded.updated_at""",
            [day.isoformat(), platform, channel, part, key, fingerprint, topic, now, now],
        )

    def mark_sent(
        self,
        day: date,
        platform: str,
        channel: str,
        part: int,
        message_id: str,
        fingerprint: str,
        topic: str = "",
    ) -> None:
        """The message is in the channel, saying what `fingerprint` names, showing `topic`."""
        self._update(
            day, platform, channel, part, state="sent", message_id=message_id,
            fingerprint=fingerprint, topic=topic, error="", permanent=0,
        )  # fmt: skip

    def topic_of(self, platform: str, channel: str, message_id: str) -> tuple[date, str] | None:
        """The day and topic (post id) of a delivered message that shows one; None for any
        other message. On Discord a message id is unique, and a reaction in a thread names
        the thread, not the channel: the id alone finds it. On Slack a ts is unique only
        within its channel (a thread reply's channel is its parent's, as delivered to)."""
        found = self.shown_in(platform, channel, message_id)
        return (date.fromisoformat(found["day"]), found["topic"]) if found else None

    def shown_in(self, platform: str, channel: str, message_id: str) -> dict[str, Any] | None:
        """The delivery row (day, topic, and the channel it was delivered to, never a
        thread) of a sent message that shows a topic, found as `topic_of` says."""
        where, args = "platform = ? and message_id = ?", [platform, message_id]
        if platform not in BY_MESSAGE_ALONE:
            where, args = where + " and channel = ?", [*args, channel]
        return self._db.one(
            f"select day, topic, channel from deliveries where {where} and state = 'sent' "
            "and topic != '' order by day desc limit 1",
            args,
        )

    def set_thread(self, day: date, platform: str, channel: str, part: int, thread: str) -> None:
        self._update(day, platform, channel, part, thread_id=thread)

    def mark_failed(
        self, day: date, platform: str, channel: str, part: int, error: str, permanent: bool
    ) -> None:
        """The part could not be placed. A message already in the channel stays `sent`
        (an edit that failed is tried again next time): it must never be posted twice."""
        self._db.execute(
            """insert into deliveries (day, platform, channel, part, state, attempts, error,
                   permanent, updated_at)
               values (?, ?, ?, ?, 'failed', 0, ?, ?, ?)
               on conflict (day, platform, channel, part) do update set
                   state = 'failed', error = excluded.error, permanent = excluded.permanent,
                   updated_at = excluded.updated_at
               where deliveries.state != 'sent'""",
            [day.isoformat(), platform, channel, part, error, int(permanent), now_text()],
        )

    def _update(self, day: date, platform: str, channel: str, part: int, **values: Any) -> None:
        """Set columns of a row, creating the row if the message had none yet."""
        columns = ["day", "platform", "channel", "part", *values, "updated_at"]
        args = [day.isoformat(), platform, channel, part, *values.values(), now_text()]
        updates = ", ".join(f"{c} = excluded.{c}" for c in [*values, "updated_at"])
        self._db.execute(
            f"insert into deliveries ({', '.join(columns)}) "
            f"values ({', '.join('?' * len(columns))}) "
            f"on conflict (day, platform, channel, part) do update set {updates}",
            args,
        )


class Notices:
    """Problems already reported to admins, so that each is reported once."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def reported(self, key: str) -> bool:
        return self._db.one("select 1 from notices where key = ?", [key]) is not None

    def record(self, key: str, text: str) -> None:
        """Record a problem as reported: once a person was told, or could not be."""
        self._db.execute(
            "insert or ignore into notices (key, text, first_seen) values (?, ?, ?)",
            [key, text, now_text()],
        )
