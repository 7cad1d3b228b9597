"""Answer an interaction without caring whether it was already answered or deferred."""

from __future__ import annotations

import logging
from typing import Any

import discord

log = logging.getLogger(__name__)


async def reply(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Send the first response, or a followup when the interaction was already answered."""
    if content is not None:
        kwargs["content"] = content
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def defer(interaction: discord.Interaction, *, ephemeral: bool = True, thinking: bool = True) -> None:
    """Defer once, before slow work, so the 3-second window never closes on the member.

    A refused or expired acknowledgement does not stop the work: what the member asked for still happens,
    and the answer after it is tried again (and, where it is about stored work, never called a failure).
    """
    if interaction.response.is_done():
        return
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=thinking)
    except discord.HTTPException:
        log.warning(
            "Could not acknowledge interaction %s; doing the work anyway", interaction.id, exc_info=True
        )


async def defer_update(interaction: discord.Interaction) -> None:
    """Acknowledge a button or select without a new message: its own message is edited once the work is done."""
    await defer(interaction, thinking=False)


def truncate(text: str, limit: int) -> str:
    """Cut text to Discord's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
