"""Approval on Discord: the draft (the digest's headline with Approve and Skip buttons)
and what a press of them does.

A press arrives on the Gateway as an INTERACTION_CREATE of type MESSAGE_COMPONENT whose
custom_id names the action and the day ("digestbot:approve:2026-11-30"). Discord wants
an answer within 3 s and approving publishes everywhere, which takes longer: the answer
is a private "thinking" at once, then the outcome as a private followup, so that only
the one who pressed sees it (an admin's "Approved: ...", anyone else's refusal).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import discord

from digestbot.chat.discord.render import CONTENT_MAX, MARKUP, DiscordMessage, heading
from digestbot.core.approval import PENDING, Decide, Decision, decision_line
from digestbot.core.headlines import headline_lines
from digestbot.core.models import Digest
from digestbot.core.text import pack_lines

log = logging.getLogger(__name__)
PREFIX = "digestbot"
ACTION_ROW, BUTTON = 1, 2  # component types
SUCCESS, SECONDARY = 3, 2  # button styles
MORE = "… (the digest goes on: the channels get all of it)"
LIMIT = CONTENT_MAX - len(MORE) - 1  # the draft's words, with room to say it goes on


@dataclass(frozen=True, slots=True)
class DiscordDraft(DiscordMessage):
    """A message with message components (action rows of buttons), as Discord's API
    takes them; none: the message has no buttons (they are removed on an edit)."""

    components: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def custom_id(action: str, day: date) -> str:
    return f"{PREFIX}:{action}:{day.isoformat()}"


def parse_custom_id(value: str) -> tuple[bool, date] | None:
    """(approve?, day) of one of our buttons; None for anything else."""
    prefix, _, rest = value.partition(":")
    action, _, day = rest.partition(":")
    if prefix != PREFIX or action not in ("approve", "skip"):
        return None
    try:
        return action == "approve", date.fromisoformat(day)
    except ValueError:
        return None


def buttons(day: date) -> tuple[dict[str, Any], ...]:
    approve = {"type": BUTTON, "style": SUCCESS, "label": "Approve"}
    skip = {"type": BUTTON, "style": SECONDARY, "label": "Skip"}
    row = [
        {**approve, "custom_id": custom_id("approve", day)},
        {**skip, "custom_id": custom_id("skip", day)},
    ]
    return ({"type": ACTION_ROW, "components": row},)


def render_draft(digest: Digest, decision: Decision) -> DiscordDraft:
    """The draft as the admins see it: what it is (a draft, or who decided), then the
    headline as the channels will get it, cut to one message; buttons while pending."""
    pending = decision.state == PENDING
    line = decision_line(decision, "discord")
    status = f"**Draft**: {line}" if pending else f"**{line}**"
    lines = [status, heading(digest), *headline_lines(digest, MARKUP, LIMIT)]
    chunks = pack_lines(lines, LIMIT)
    content = chunks[0].strip("\n") + (f"\n{MORE}" if len(chunks) > 1 else "")
    return DiscordDraft(content=content, components=buttons(digest.day) if pending else ())


def view_of(components: tuple[dict[str, Any], ...]) -> discord.ui.View | None:
    """The buttons as discord.py sends them; None removes a message's components. The
    view is stopped at once: the presses are handled by `attach_approval`, not by it."""
    if not components:
        return None
    view = discord.ui.View(timeout=None)
    for row, action_row in enumerate(components):
        for button in action_row["components"]:
            view.add_item(
                discord.ui.Button(
                    style=discord.ButtonStyle(button["style"]),
                    label=button["label"],
                    custom_id=button["custom_id"],
                    row=row,
                )
            )
    view.stop()
    return view


def attach_approval(client: discord.Client, decide: Decide, admins: Collection[str]) -> None:
    """Answer presses of the drafts' buttons: an admin's decides, anyone else is told,
    privately, that it is the admins' decision."""

    async def on_interaction(interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        pressed = parse_custom_id(str(data.get("custom_id", "")))
        if pressed is None:
            return
        approve, day = pressed
        user = str(interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            answer = await decide(day, approve, f"discord:{user}", user in admins)
        except Exception:
            log.exception("the %s press on the draft of %s failed", data.get("custom_id"), day)
            answer = "Something went wrong on our side; it has been logged."
        await interaction.followup.send(
            content=answer, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    client.event(on_interaction)
