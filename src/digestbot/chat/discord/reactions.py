"""Discord's reaction events as `Reaction`s: what votes are made of.

The raw events arrive for every message, cached or not (the digest's messages were
posted over REST, so the client never caches them); they need the guild reactions
intent, which is not privileged. The bot's own reactions are never passed on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from digestbot.core.feedback import Reaction

# The gateway intents the bot needs: guilds (else discord.py warns that its state may be
# wrong) and the guilds' message reactions, for votes. Neither is privileged; /digest
# arrives as an interaction, which needs none.
INTENTS = discord.Intents(guilds=True, guild_reactions=True)

ReactionSink = Callable[[Reaction], Awaitable[object]]


def reaction_of(payload: discord.RawReactionActionEvent, bot_id: int | None) -> Reaction | None:
    """The reaction an event reports; None for the bot's own."""
    if bot_id is not None and payload.user_id == bot_id:
        return None
    return Reaction(
        platform="discord",
        channel=str(payload.channel_id),  # in a thread: the thread's id
        message_id=str(payload.message_id),
        user=str(payload.user_id),
        emoji=payload.emoji.name or "",  # a unicode emoji itself; a custom one's name
        added=payload.event_type == "REACTION_ADD",
    )


def attach_reactions(client: discord.Client, sink: ReactionSink) -> None:
    """Pass the client's reaction events (added and removed) on to `sink`. The client
    must have been made with INTENTS (or at least the guild reactions intent)."""

    async def passed_on(payload: discord.RawReactionActionEvent) -> None:
        reaction = reaction_of(payload, client.user.id if client.user else None)
        if reaction is not None:
            await sink(reaction)

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        await passed_on(payload)

    async def on_raw_reaction_remove(payload: discord.RawReactionActionEvent) -> None:
        await passed_on(payload)

    client.event(on_raw_reaction_add)
    client.event(on_raw_reaction_remove)
