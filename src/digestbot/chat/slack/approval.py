"""Approval on Slack: the draft (the digest's headline with Approve and Skip buttons in
an `actions` block) and what a press of them does.

A press arrives as a `block_actions` interactive payload (over Socket Mode, or posted
to the HTTP endpoint) whose action_id says which button and whose value is the day.
Bolt acks it at once (Slack wants that within 3 s); the outcome follows through the
payload's response_url as an ephemeral message, so only the one who pressed sees it
and the draft itself is left to the approver, which edits every admin channel's copy.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp

from digestbot.chat.slack.render import (
    BLOCKS_MAX,
    FALLBACK_MAX,
    Block,
    SlackMessage,
    escape,
    render_headline,
    section,
)
from digestbot.core.approval import PENDING, Decide, Decision, decision_line
from digestbot.core.models import Digest

log = logging.getLogger(__name__)
APPROVE, SKIP = "digestbot_approve", "digestbot_skip"  # the buttons' action_ids
BLOCK_ID = "digestbot_approval"
MORE = "… the digest goes on: the channels get all of it."


def buttons(day: date) -> Block:
    def button(action_id: str, label: str, style: str | None) -> dict[str, Any]:
        text = {"type": "plain_text", "text": label}
        element = {"type": "button", "action_id": action_id, "text": text, "value": str(day)}
        return {**element, "style": style} if style else element

    return {
        "type": "actions",
        "block_id": BLOCK_ID,
        "elements": [button(APPROVE, "Approve", "primary"), button(SKIP, "Skip", None)],
    }


def render_draft(digest: Digest, decision: Decision) -> SlackMessage:
    """The draft as the admins see it: what it is (a draft, or who decided), then the
    headline as the channels will get it, as one message; buttons while pending."""
    pending = decision.state == PENDING
    line = decision_line(decision, "slack")
    status = f"*Draft*: {line}" if pending else f"*{line}*"
    headline = render_headline(digest)
    room = BLOCKS_MAX - 3  # the status, a "goes on" line, the buttons
    blocks: list[Block] = [section(status), *headline[0].blocks[:room]]
    if len(headline) > 1 or len(headline[0].blocks) > room:
        blocks.append(section(MORE))
    if pending:
        blocks.append(buttons(digest.day))
    what = "Draft awaiting approval" if pending else line
    text = f"{what}: {escape(digest.heading, FALLBACK_MAX - len(what) - 2)}"  # a mention kept
    return SlackMessage(text=text, blocks=tuple(blocks))


def attach_approval(app: AsyncApp, decide: Decide, admins: Collection[str]) -> None:
    """Answer presses of the drafts' buttons: an admin's decides, anyone else is told,
    privately, that it is the admins' decision."""

    async def pressed(ack, body: dict[str, Any], action: dict[str, Any], respond) -> None:
        await ack()
        user = (body.get("user") or {}).get("id", "")
        try:
            day = date.fromisoformat(action.get("value") or "")
        except ValueError:
            await respond(text="This button names no day.", response_type="ephemeral",
                          replace_original=False)  # fmt: skip
            return
        try:
            approve = action.get("action_id") == APPROVE
            answer = await decide(day, approve, f"slack:{user}", user in admins)
        except Exception:
            log.exception("the %s press on the draft of %s failed", action.get("action_id"), day)
            answer = "Something went wrong on our side; it has been logged."
        await respond(text=answer, response_type="ephemeral", replace_original=False)

    app.action(APPROVE)(pressed)
    app.action(SKIP)(pressed)
