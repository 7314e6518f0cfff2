"""`digestbot discord-sync`: /digest registered with Discord over REST, no gateway."""

from __future__ import annotations

from datetime import timedelta

import discord

from digestbot.app.digests import App
from digestbot.chat.discord.client import command_tree, discord_rest
from digestbot.core.commands import DigestService
from digestbot.core.errors import ConfigError, DeliveryError
from digestbot.storage.store import open_store


async def sync_discord_commands(app: App, guild: str | None) -> list[str]:
    """Register /digest with Discord over REST; returns the registered command names."""
    token, s = app.config.secrets.discord_token, app.settings.discord
    if token is None:
        raise ConfigError("DISCORD_TOKEN is not set: discord-sync needs the bot token")
    # The command's shape is all Discord needs: it answers nothing here, so it reads no
    # history, and registering creates no database.
    with open_store(":memory:") as store:
        service = DigestService(store, app.digest_for, cooldown=timedelta(0))
        async with discord_rest(token.get_secret_value(), s.api_base_url) as client:
            tree = command_tree(client, service, set(s.admins))
            target = discord.Object(int(guild)) if guild else None
            if target:
                tree.copy_global_to(guild=target)
            try:
                synced = await tree.sync(guild=target)
            except discord.HTTPException as exc:
                raise DeliveryError(f"Discord refused the commands: {exc}", permanent=True) from exc
    return [command.name for command in synced]
