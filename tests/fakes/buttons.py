"""Button presses as Discord and Slack send them, for the fake Gateway's `dispatch` and
the fake Socket Mode's `send`.

Shaped like the platforms' own: Discord's INTERACTION_CREATE of type 3
(MESSAGE_COMPONENT) with the pressed button's custom_id and the message it is on;
Slack's `interactive` envelope around a `block_actions` payload with the pressed
button's action_id and value, and a response_url on FakeSlack (so what the app posts
there is kept under the envelope's id: FakeSlack.responses).
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.discord_gateway import interaction_payload
from tests.fakes.slack_socket import APP_ID, TEAM_ID

_numbers = itertools.count(1)


def discord_press(
    message: dict[str, Any], custom_id: str, *, user: str, channel: str
) -> tuple[str, dict[str, Any]]:
    """The interaction's token (FakeDiscord.replies keeps the answers under it) and the
    INTERACTION_CREATE data for a press of the button `custom_id` on `message` (as
    FakeDiscord stored it) in a guild channel."""
    number = next(_numbers)
    interaction_id = str(950_000_000_000_000_000 + number)
    token = f"press-token-{number}"
    data = interaction_payload(interaction_id, token, {}, user, channel)
    data["type"] = 3  # MESSAGE_COMPONENT
    data["data"] = {"custom_id": custom_id, "component_type": 2}  # a button
    data["message"] = {**message, "channel_id": channel}
    return token, data


def slack_press(
    *,
    response_base: str,
    channel: str,
    ts: str,
    action_id: str,
    value: str,
    user: str,
    label: str = "",
) -> dict[str, Any]:
    """A Socket Mode envelope for a press of a Block Kit button on the message `ts`;
    its response_url is `response_base`/response/<envelope id>."""
    number = next(_numbers)
    envelope_id = f"press-envelope-{number}"
    action = {
        "action_id": action_id,
        "block_id": "digestbot_approval",
        "text": {"type": "plain_text", "text": label or action_id, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": f"1764460800.{number:06d}",
    }
    return {
        "envelope_id": envelope_id,
        "type": "interactive",
        "accepts_response_payload": False,
        "payload": {
            "type": "block_actions",
            "user": {"id": user, "username": "presser", "name": "presser", "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": f"{number}.1.press",
            "team": {"id": TEAM_ID, "domain": "test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "admins"},
            "message": {"type": "message", "ts": ts, "user": "UBOT", "text": "draft"},
            "state": {"values": {}},
            "response_url": f"{response_base}/response/{envelope_id}",
            "actions": [action],
        },
    }
