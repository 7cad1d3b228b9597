"""Answer an interaction without caring whether it was already answered or deferred."""

from __future__ import annotations

from typing import Any

import discord


async def reply(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Send the first response, or a followup when the interaction was already answered."""
    if content is not None:
        kwargs["content"] = content
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def defer(interaction: discord.Interaction, *, ephemeral: bool = True, thinking: bool = True) -> None:
    """Defer once, before slow work, so the 3-second window never closes on the member."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=thinking)


def truncate(text: str, limit: int) -> str:
    """Cut text to Discord's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
