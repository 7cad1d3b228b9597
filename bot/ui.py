"""Shared UI pieces: views and modals that answer their errors the way slash commands do."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import answer_error


class CoalitionView(discord.ui.View):
    """A view whose callback errors reach the member as a clear message, and bugs reach the log."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await answer_error(interaction, error)


class CoalitionModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await answer_error(interaction, error)


def custom_id(feature: str, action: str, *args: object) -> str:
    """Build a `feature:action:id[:arg]` custom id and keep it within Discord's 100 characters."""
    value = ":".join([feature, action, *(str(arg) for arg in args)])
    if len(value) > 100:
        raise ValueError(f"custom_id too long ({len(value)} characters): {value[:40]}…")
    return value
