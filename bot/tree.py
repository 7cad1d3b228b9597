"""The command tree, with one error handler for every slash command."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import answer_error


class CoalitionTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await answer_error(interaction, error)
