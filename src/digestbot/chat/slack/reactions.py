"""Slack's `reaction_added` and `reaction_removed` events as `Reaction`s: what votes
are made of.

The app needs the `reactions:read` scope and a subscription to both events. A reaction
to anything but a message (a file) is no vote, and the bot's own (its user id, which
Bolt learns from auth.test) is never passed on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from digestbot.core.feedback import Reaction

ReactionSink = Callable[[Reaction], Awaitable[object]]
EVENTS = {"reaction_added": True, "reaction_removed": False}  # the event: added or not


def reaction_of(event: dict[str, Any], bot_user_id: str | None) -> Reaction | None:
    """The reaction an event reports; None for the bot's own, or one not on a message."""
    item = event.get("item") or {}
    user = event.get("user") or ""
    if item.get("type") != "message" or event.get("type") not in EVENTS:
        return None
    if not user or user == bot_user_id:
        return None
    return Reaction(
        platform="slack",
        channel=item.get("channel") or "",
        message_id=item.get("ts") or "",
        user=user,
        emoji=event.get("reaction") or "",  # a name, maybe with "::skin-tone-N"
        added=EVENTS[event["type"]],
    )


def attach_reactions(app: AsyncApp, sink: ReactionSink) -> None:
    """Pass the app's reaction events (added and removed) on to `sink`; Bolt acks an
    event before its listener runs."""

    async def passed_on(event: dict[str, Any], context) -> None:
        reaction = reaction_of(event, context.bot_user_id)
        if reaction is not None:
            await sink(reaction)

    for name in EVENTS:
        app.event(name)(passed_on)
