"""Write an organizer action to the audit log, and to the audit channel when one is set."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.replies import truncate
from db import audit

if TYPE_CHECKING:
    from bot.core import CoalitionBot

log = logging.getLogger(__name__)


async def record_action(
    bot: CoalitionBot, guild_id: int, actor_id: int | None, action: str, detail: str
) -> None:
    """Store the action, then post it to the audit channel (never pinging anyone)."""
    async with bot.database.session() as session:
        await audit.record(session, guild_id, actor_id, action, detail, discord.utils.utcnow())
    channel = await bot.configured_channel(guild_id, "audit")
    if channel is None:
        return
    actor = f"<@{actor_id}>" if actor_id else "the bot"
    try:
        await channel.send(
            truncate(f"**{action}** by {actor}: {detail}", 2000),
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.HTTPException:
        log.warning("Could not post to the audit channel of guild %s", guild_id, exc_info=True)
