"""Votes: reactions to the messages that show a topic, one row per person, message and
emoji, gone when the reaction is removed; and the topics with their votes.

A vote names its message as the ledger recorded it: which digest day and which topic
(`deliveries.topic`, the post's id) the message shows, and the channel it was delivered
to. A reaction to any other message (a headline, the trending titles, someone's chat)
is no vote.
"""

from __future__ import annotations

from digestbot.core.feedback import ChannelVotes, TopicVotes
from digestbot.core.source_names import source_name
from digestbot.storage.base import Database, now_text
from digestbot.storage.ledger import BY_MESSAGE_ALONE, Ledger

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date


class Votes:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self, platform: str, channel: str, message_id: str, user: str, emoji: str, value: int
    ) -> bool:
        """Keep a vote on a topic's message; False (nothing kept) for any other message."""
        shown = Ledger(self._db).shown_in(platform, channel, message_id)
        if shown is None:
            return False
        self._db.execute(
            """insert into votes (platform, channel, message_id, user, emoji, value, day,
                   post_id, voted_at)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?)
               on conflict (platform, channel, message_id, user, emoji) do update set
                   value = excluded.value, day = excluded.day, post_id = excluded.post_id,
                   voted_at = excluded.voted_at""",
            [
                platform, shown["channel"], message_id, user, emoji, value,
                shown["day"], shown["topic"], now_text(),
            ],
        )  # fmt: skip
        return True

    def remove(self, platform: str, channel: str, message_id: str, user: str, emoji: str) -> bool:
        """Forget a vote whose reaction was removed; False if there was none."""
        where = "platform = ? and message_id = ? and user = ? and emoji = ?"
        args = [platform, message_id, user, emoji]
        if platform not in BY_MESSAGE_ALONE:
            where += " and channel = ?"
            args.append(channel)
        return self._db.execute(f"delete from votes where {where}", args).rowcount > 0

    def topics(self, since: date | None = None) -> list[TopicVotes]:
        """Every topic delivered to chat as a message of its own (or voted on) from `since`
        on, newest day first and in the digest's order, with its votes: per channel, the
        people who reacted up and those who reacted down."""
        start = since.isoformat() if since else ""
        rows = self._db.rows(
            """with shown as (
                   select day, topic as post_id from deliveries
                   where topic != '' and coalesce(message_id, '') != '' and day >= :start
                   union select day, post_id from votes where day >= :start)
               select s.day, s.post_id,
                      coalesce(t.title, p.title, '') as title, coalesce(p.url, '') as link,
                      coalesce(p.source, '') as source, coalesce(t.position, 0) as position
               from shown s
               left join digest_topics t on t.day = s.day and t.post_id = s.post_id
               left join source_posts p on p.id = s.post_id
               group by s.day, s.post_id
               order by s.day desc, position, s.post_id""",
            {"start": start},
        )
        counts: dict[tuple[str, str], list[ChannelVotes]] = {}
        for row in self._db.rows(
            """select day, post_id, platform, channel,
                      count(distinct case when value > 0 then user end) as up,
                      count(distinct case when value < 0 then user end) as down
               from votes where day >= ?
               group by day, post_id, platform, channel order by platform, channel""",
            [start],
        ):
            channel = ChannelVotes(row["platform"], row["channel"], row["up"], row["down"])
            counts.setdefault((row["day"], row["post_id"]), []).append(channel)
        topics = []
        for row in rows:
            channels = tuple(counts.get((row["day"], row["post_id"]), ()))
            topics.append(
                TopicVotes(
                    row["day"], row["post_id"], row["title"], row["link"],
                    source_name(row["source"]),
                    sum(c.up for c in channels), sum(c.down for c in channels), channels,
                )
            )  # fmt: skip
        return topics
