"""`/audit recent`: the latest organizer actions, paginated and filterable by kind (organizers)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ensure_organizer, organizer_only
from bot.core import CoalitionBot
from bot.paginator import Page, page_source, send_first_page, with_page_footer
from bot.replies import defer, truncate
from cogs.audit import service

# The kind filter rides in the arrows' key: 0 is "every kind", otherwise its index in this list.
KINDS = ("setup", "discipline", "department", "resources", "campaign", "poll", "privacy", "roles")


@app_commands.guild_only()
class AuditCog(commands.GroupCog, group_name="audit", group_description="What organizers did, and when"):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        page_source("audit")(self.audit_page)

    @app_commands.command(name="recent")
    @app_commands.describe(kind="Only actions of this kind (campaign, poll, discipline, …)")
    @app_commands.choices(kind=[app_commands.Choice(name=kind, value=kind) for kind in KINDS])
    @organizer_only()
    async def recent(self, interaction: discord.Interaction, kind: str | None = None) -> None:
        """Show the latest organizer actions (organizers)."""
        await defer(interaction)
        key = KINDS.index(kind) + 1 if kind in KINDS else 0
        await send_first_page(interaction, "audit", key)

    async def audit_page(self, interaction: discord.Interaction, key: int, number: int) -> Page:
        # The arrows are untrusted input: only organizers of this guild see its log.
        await ensure_organizer(interaction)
        assert interaction.guild_id is not None
        kind = KINDS[key - 1] if 0 < key <= len(KINDS) else None
        page = await service.recent_actions(
            self.bot.app, guild_id=interaction.guild_id, kind=kind, number=number
        )
        return Page(embed=render(page, kind), number=page.number, count=page.count)


def render(page: service.AuditPage, kind: str | None) -> discord.Embed:
    title = f"Organizer actions: {kind}" if kind else "Organizer actions"
    embed = discord.Embed(title=title, colour=discord.Colour.dark_grey())
    if not page.lines:
        embed.description = "Nothing recorded yet."
    else:
        embed.description = truncate(
            "\n".join(
                f"{discord.utils.format_dt(line.created_at, 'f')} **{line.action}** by "
                f"{f'<@{line.actor_id}>' if line.actor_id else 'the bot'}: "
                f"{discord.utils.escape_mentions(truncate(line.detail, 200))}"
                for line in page.lines
            ),
            4000,
        )
    return with_page_footer(embed, Page(embed, page.number, page.count), f"{page.total} in all")
