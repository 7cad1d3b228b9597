"""`/department`: organizers keep the list of health departments (with aliases) that polls count by."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ensure_organizer, organizer_only
from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.paginator import Page, page_source, send_first_page, with_page_footer
from bot.replies import defer, reply, truncate
from cogs.departments import service

LIST_SOURCE = "departments"
CSV_MAX_BYTES = 512 * 1024
COLOUR = discord.Colour.teal()


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserFacingError("That command only works inside a server, not in DMs.")
    return interaction.guild_id


def _escape(text: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


@app_commands.guild_only()
class DepartmentsCog(
    commands.GroupCog,
    name="Departments",
    group_name="department",
    group_description="The health departments members belong to (organizers)",
):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        page_source(LIST_SOURCE)(self.list_page)

    async def department_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await service.suggest(self.bot.app, guild_id=interaction.guild_id, typed=current)
        return [app_commands.Choice(name=choice.label[:100], value=str(choice.id)) for choice in found]

    @app_commands.command(name="add")
    @app_commands.describe(
        name="The department's full name", aliases="Other spellings members type, separated by |"
    )
    @organizer_only()
    async def add(self, interaction: discord.Interaction, name: str, aliases: str | None = None) -> None:
        """Add a health department members can pick (organizers)."""
        await defer(interaction)
        entry = await service.add_department(
            self.bot.app,
            guild_id=_guild_id(interaction),
            actor_id=interaction.user.id,
            name=name,
            aliases=aliases,
        )
        await reply(interaction, f"Added **{_escape(entry.name)}**{_aliases_text(entry)}.", ephemeral=True)

    @app_commands.command(name="alias")
    @app_commands.describe(department="The department", alias="Another spelling members may type")
    @app_commands.autocomplete(department=department_autocomplete)
    @organizer_only()
    async def alias(self, interaction: discord.Interaction, department: str, alias: str) -> None:
        """Let members find a department under another spelling (organizers)."""
        await defer(interaction)
        entry = await service.add_alias(
            self.bot.app,
            guild_id=_guild_id(interaction),
            actor_id=interaction.user.id,
            department=department,
            alias=alias,
        )
        await reply(interaction, f"**{_escape(entry.name)}**{_aliases_text(entry)}.", ephemeral=True)

    @app_commands.command(name="remove")
    @app_commands.describe(department="The department to remove")
    @app_commands.autocomplete(department=department_autocomplete)
    @organizer_only()
    async def remove(self, interaction: discord.Interaction, department: str) -> None:
        """Remove a health department and its aliases (organizers)."""
        await defer(interaction)
        name = await service.remove_department(
            self.bot.app, guild_id=_guild_id(interaction), actor_id=interaction.user.id, department=department
        )
        await reply(
            interaction,
            f"Removed **{_escape(name)}**. Members who had picked it will be asked to pick again "
            "when a poll counts one ballot per department.",
            ephemeral=True,
        )

    @app_commands.command(name="list")
    @organizer_only()
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the health departments and their aliases (organizers)."""
        await defer(interaction)
        await send_first_page(interaction, LIST_SOURCE, _guild_id(interaction))

    async def list_page(self, interaction: discord.Interaction, key: int, number: int) -> Page:
        # The arrows are untrusted input: only this guild's organizers see its list.
        await ensure_organizer(interaction)
        if interaction.guild_id != key:
            raise UserFacingError("That list belongs to another server; run `/department list` here.")
        page = await service.list_page(self.bot.app, guild_id=key, number=number)
        return Page(embed=render_page(page), number=page.number, count=page.count)

    @app_commands.command(name="import")
    @app_commands.describe(file="A CSV file with the columns name,aliases (aliases separated by |)")
    @organizer_only()
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Add departments and aliases from a CSV file; importing it again changes nothing (organizers)."""
        if file.size > CSV_MAX_BYTES:
            raise UserFacingError(f"That file is {file.size // 1024} KB; please keep it under 512 KB.")
        await defer(interaction)
        try:
            text = (await file.read()).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UserFacingError(
                "That file is not UTF-8 text; save it as CSV (UTF-8) and try again."
            ) from error
        report = await service.import_csv(
            self.bot.app, guild_id=_guild_id(interaction), actor_id=interaction.user.id, text=text
        )
        await reply(interaction, render_import(report), ephemeral=True)


def _aliases_text(entry: service.DepartmentEntry) -> str:
    if not entry.aliases:
        return " (no aliases)"
    return " (aliases: " + ", ".join(_escape(alias) for alias in entry.aliases) + ")"


def render_page(page: service.DepartmentPage) -> discord.Embed:
    embed = discord.Embed(title="Health departments", colour=COLOUR)
    if not page.entries:
        embed.description = "None yet: add one with `/department add` or `/department import`."
    else:
        embed.description = truncate(
            "\n".join(
                f"**{_escape(entry.name)}**"
                + (f": {', '.join(_escape(alias) for alias in entry.aliases)}" if entry.aliases else "")
                for entry in page.entries
            ),
            4000,
        )
    return with_page_footer(embed, Page(embed, page.number, page.count), f"{page.total} in all")


def render_import(report: service.ImportReport) -> str:
    lines = [
        f"Imported: {len(report.added)} new departments, {report.aliases_added} new aliases; "
        f"{report.unchanged} rows were already known."
    ]
    if report.rejected:
        lines.append(f"{len(report.rejected)} rows were not imported:")
        lines += [f"• line {row.line}: {_escape(row.reason)}" for row in report.rejected]
    return truncate("\n".join(lines), 2000)
