"""Shared UI pieces: views and modals that answer their errors the way slash commands do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.errors import answer_error, is_user_facing


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


async def run_guarded(interaction: discord.Interaction, work: Callable[[], Awaitable[None]]) -> None:
    """Run a persistent control's work, answering its errors the way slash commands answer theirs.

    discord.py hands a DynamicItem's exception only to a throwaway view that logs it, so the member would
    see "This interaction failed": a refusal reaches them instead, and a bug gets an apology and is
    re-raised for the log (and for the tests).
    """
    try:
        await work()
    except Exception as error:
        await answer_error(interaction, error)
        if not is_user_facing(error):
            raise
