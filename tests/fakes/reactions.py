"""Reaction events as Discord and Slack send them, for the fake Gateway's `dispatch` and
the fake Socket Mode's `send`.

Shaped like the platforms' own: Discord's MESSAGE_REACTION_ADD (with the reacting
member, in a guild) and MESSAGE_REACTION_REMOVE (without); Slack's `events_api`
envelope around an `event_callback` with a reaction_added or reaction_removed event.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.discord import BOT_USER
from tests.fakes.discord_gateway import GUILD_ID, guild_member
from tests.fakes.slack_socket import APP_ID, TEAM_ID

SLACK_BOT_USER = "UBOT"  # what FakeSlack's auth.test says the bot is
_events = itertools.count(1)


def discord_reaction(
    *,
    added: bool,
    user: str,
    channel: str,
    message: str,
    emoji: str = "👍",
    author: str = BOT_USER["id"],
) -> tuple[str, dict[str, Any]]:
    """The gateway event's name and data for a unicode emoji added to (or removed from)
    a message in a guild channel (or thread: `channel` is then the thread's id)."""
    data: dict[str, Any] = {
        "user_id": user,
        "type": 0,  # a normal reaction, not a super reaction
        "message_id": message,
        "channel_id": channel,
        "guild_id": GUILD_ID,
        "emoji": {"id": None, "name": emoji},
        "burst": False,
    }
    if not added:
        return "MESSAGE_REACTION_REMOVE", data
    member = guild_member(
        {**BOT_USER} if user == BOT_USER["id"] else {"id": user, "username": f"user{user[-4:]}"}
    )
    return "MESSAGE_REACTION_ADD", {
        **data,
        "member": member,
        "message_author_id": author,
        "burst_colors": [],
    }


def slack_reaction(
    *,
    added: bool,
    user: str,
    channel: str,
    ts: str,
    reaction: str = "+1",
    item_user: str = SLACK_BOT_USER,
    item_type: str = "message",
) -> dict[str, Any]:
    """A Socket Mode envelope for a reaction added to (or removed from) a message."""
    number = next(_events)
    event_ts = f"1764460800.{number:06d}"
    item = (
        {"type": "message", "channel": channel, "ts": ts}
        if item_type == "message"
        else {"type": "file", "file": f"F{number:010d}"}
    )
    return {
        "envelope_id": f"reaction-envelope-{number}",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "context_team_id": TEAM_ID,
            "context_enterprise_id": None,
            "api_app_id": APP_ID,
            "event": {
                "type": "reaction_added" if added else "reaction_removed",
                "user": user,
                "reaction": reaction,
                "item": item,
                "item_user": item_user,
                "event_ts": event_ts,
            },
            "type": "event_callback",
            "event_id": f"Ev{number:010d}",
            "event_time": 1764460800 + number,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": SLACK_BOT_USER,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-eyJldCI6InJlYWN0aW9uIn0-{number}",
        },
    }
