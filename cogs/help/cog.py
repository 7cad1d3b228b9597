"""`/help`: the commands the caller may use, grouped by feature."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_organizer, needs_organizer
from bot.core import CoalitionBot
from bot.replies import truncate


class HelpCog(commands.Cog):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """List the commands you can use here."""
        organizer = await is_organizer(self.bot, interaction.user, interaction.guild)
        sections: dict[str, list[str]] = {}
        for command in sorted(self.bot.tree.walk_commands(), key=lambda c: c.qualified_name):
            if isinstance(command, app_commands.Group):
                continue
            if needs_organizer(command) and not organizer:
                continue
            root = command.qualified_name.split()[0]
            sections.setdefault(root, []).append(f"`/{command.qualified_name}`: {command.description}")
        embed = discord.Embed(
            title="What you can do with the coalition bot",
            description="Organizer commands are included." if organizer else None,
            colour=discord.Colour.blurple(),
        )
        for root, lines in list(sections.items())[:25]:
            embed.add_field(name=f"/{root}", value=truncate("\n".join(lines), 1024), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)
