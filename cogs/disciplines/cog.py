"""`/discipline`: the catalog, members tagging themselves, the directory, and roles kept in step with Discord."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit import record_action
from bot.checks import organizer_only
from bot.core import CoalitionBot
from bot.errors import NotFound, UserFacingError
from bot.replies import truncate
from cogs.disciplines import roles as role_tools
from cogs.disciplines import views
from cogs.onboarding.steps import OPTIONS_PER_SELECT, toggle
from cogs.onboarding.views import COLOUR, safe
from db import disciplines as catalog
from db.disciplines import DISCIPLINE_NAME_MAX, Discipline, slugify

log = logging.getLogger(__name__)


@app_commands.guild_only()
class DisciplinesCog(
    commands.GroupCog,
    name="Disciplines",
    group_name="discipline",
    group_description="Tag your disciplines and find colleagues by discipline",
):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)

    # --------------------------------------------------------------------------------- helpers

    async def catalog_of(self, guild_id: int) -> list[Discipline]:
        async with self.bot.database.session() as session:
            return await catalog.seed_defaults(session, guild_id, discord.utils.utcnow())

    async def find(self, guild_id: int, name: str) -> Discipline:
        await self.catalog_of(guild_id)
        async with self.bot.database.session() as session:
            found = await catalog.find_discipline(session, guild_id, name)
        if found is None:
            raise NotFound(
                f"There is no discipline called “{safe(name)}”. `/discipline list` shows them all."
            )
        return found

    async def suggest(
        self, guild_id: int, typed: str, only: set[int] | None = None
    ) -> list[app_commands.Choice[str]]:
        wanted = typed.casefold().strip()
        matches = [
            d
            for d in await self.catalog_of(guild_id)
            if wanted in d.name.casefold() and (only is None or d.id in only)
        ]
        return [
            app_commands.Choice(name=truncate(d.name, 100), value=truncate(d.name, 100)) for d in matches[:25]
        ]

    async def held_by(self, guild_id: int, user_id: int) -> set[int]:
        async with self.bot.database.session() as session:
            return await catalog.member_discipline_ids(session, guild_id, user_id)

    async def give(self, member: discord.Member, entries: list[Discipline]) -> list[str]:
        problems: list[str] = []
        wanted: list[discord.Role] = []
        for discipline in entries:
            role, problem = await role_tools.ensure_discipline_role(self.bot, member.guild, discipline)
            if problem:
                problems.append(problem)
            if role is not None:
                wanted.append(role)
        problems += await role_tools.give_roles(
            member.guild, member, wanted, reason="Discipline chosen by the member"
        )
        return problems

    async def take(self, member: discord.Member, entries: list[Discipline]) -> list[str]:
        problems = []
        for discipline in entries:
            role = member.guild.get_role(discipline.role_id) if discipline.role_id else None
            if role is not None:
                problem = await role_tools.take_role(
                    member.guild, member, role, reason="Discipline removed by the member"
                )
                if problem:
                    problems.append(problem)
        return problems

    async def tag(self, member: discord.Member, add: list[Discipline], remove: list[Discipline]) -> list[str]:
        """Change the member's disciplines in the database, then their roles; return role problems."""
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            for discipline in add:
                await catalog.add_member_discipline(
                    session, member.guild.id, member.id, discipline.id or 0, now
                )
            for discipline in remove:
                await catalog.remove_member_discipline(
                    session, member.guild.id, member.id, discipline.id or 0
                )
        problems = await self.give(member, add) + await self.take(member, remove)
        if problems:
            await role_tools.tell_organizers(self.bot, member.guild.id, member, problems)
        return problems

    # -------------------------------------------------------------------------------- members

    @app_commands.command(name="add")
    @app_commands.describe(name="The discipline to add")
    async def add(self, interaction: discord.Interaction, name: str) -> None:
        """Add a discipline to your profile and get its role."""
        assert isinstance(interaction.user, discord.Member)
        discipline = await self.find(interaction.user.guild.id, name)
        if discipline.id in await self.held_by(interaction.user.guild.id, interaction.user.id):
            raise UserFacingError(f"You already have {safe(discipline.name)}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        problems = await self.tag(interaction.user, [discipline], [])
        said = f"Added **{safe(discipline.name)}** to your disciplines."
        await interaction.followup.send(
            said + (f"\n{role_tools.MEMBER_NOTICE}" if problems else ""), ephemeral=True
        )

    @app_commands.command(name="remove")
    @app_commands.describe(name="The discipline to remove")
    async def remove(self, interaction: discord.Interaction, name: str) -> None:
        """Remove a discipline from your profile and its role from you."""
        assert isinstance(interaction.user, discord.Member)
        discipline = await self.find(interaction.user.guild.id, name)
        if discipline.id not in await self.held_by(interaction.user.guild.id, interaction.user.id):
            raise UserFacingError(f"You do not have {safe(discipline.name)}; `/discipline list` shows yours.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        problems = await self.tag(interaction.user, [], [discipline])
        said = f"Removed **{safe(discipline.name)}** from your disciplines."
        await interaction.followup.send(
            said + (f"\n{role_tools.MEMBER_NOTICE}" if problems else ""), ephemeral=True
        )

    @add.autocomplete("name")
    @remove.autocomplete("name")
    async def name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        only = None
        if interaction.command is not None and interaction.command.name == "remove":
            only = await self.held_by(interaction.guild_id, interaction.user.id)
        return await self.suggest(interaction.guild_id, current, only)

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the disciplines, how many members hold each, and yours."""
        assert interaction.guild_id is not None
        entries = await self.catalog_of(interaction.guild_id)
        async with self.bot.database.session() as session:
            counts = await catalog.member_counts(session, interaction.guild_id)
        mine = await self.held_by(interaction.guild_id, interaction.user.id)
        lines = [
            f"{'✅' if d.id in mine else '▫️'} {safe(d.name)}: {counts.get(d.id or 0, 0)} "
            f"member{'s' if counts.get(d.id or 0, 0) != 1 else ''}"
            for d in entries
        ]
        yours = ", ".join(safe(d.name) for d in entries if d.id in mine) or "none yet (`/discipline add`)"
        embed = discord.Embed(
            title="Disciplines", description=truncate("\n".join(lines), 4000), colour=COLOUR
        )
        embed.add_field(name="Yours", value=truncate(yours, 1024), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="members")
    @app_commands.describe(name="The discipline whose listed members to show")
    async def members(self, interaction: discord.Interaction, name: str) -> None:
        """Show members of a discipline who chose to be listed in the directory."""
        assert interaction.guild_id is not None
        discipline = await self.find(interaction.guild_id, name)
        await self.show_directory(interaction, discipline.id or 0, 0, edit=False)

    @members.autocomplete("name")
    async def members_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        return await self.suggest(interaction.guild_id, current)

    async def show_directory(
        self, interaction: discord.Interaction, discipline_id: int, page: int, *, edit: bool
    ) -> None:
        if interaction.guild_id is None:
            raise UserFacingError("The directory only works inside a server.")
        async with self.bot.database.session() as session:
            discipline = await catalog.get_discipline(session, interaction.guild_id, discipline_id)
            if discipline is None:
                raise NotFound("That discipline no longer exists; `/discipline list` shows the current ones.")
            profiles, total = await catalog.directory_page(
                session,
                interaction.guild_id,
                discipline_id,
                offset=page * views.DIRECTORY_PAGE_SIZE,
                limit=views.DIRECTORY_PAGE_SIZE,
            )
        message = views.directory_message(discipline_id, discipline.name, profiles, total, page)
        if edit:
            await interaction.response.edit_message(**message)
        else:
            await interaction.response.send_message(**message, ephemeral=True)

    async def toggle_from_panel(
        self, interaction: discord.Interaction, guild_id: int, picked: list[str]
    ) -> None:
        if interaction.guild_id != guild_id or not isinstance(interaction.user, discord.Member):
            raise UserFacingError("That panel belongs to another server.")
        by_id = {d.id: d for d in await self.catalog_of(guild_id)}
        chosen = {int(value) for value in picked if value.isdigit() and int(value) in by_id}
        if not chosen:
            raise NotFound("Those disciplines no longer exist; ask an organizer to post a fresh panel.")
        to_add, to_remove = toggle(await self.held_by(guild_id, interaction.user.id), chosen)
        # Redraw the panel unchanged: a client keeps showing the last picks in a select, and picking again
        # from that state would toggle off what was just added.
        catalog_entries = sorted(by_id.values(), key=lambda d: d.name.casefold())
        await interaction.response.edit_message(
            **views.panel_message(guild_id, [(d.id or 0, d.name) for d in catalog_entries])
        )
        add = sorted((by_id[i] for i in to_add), key=lambda d: d.name)
        remove = sorted((by_id[i] for i in to_remove), key=lambda d: d.name)
        problems = await self.tag(interaction.user, add, remove)
        parts = []
        if add:
            parts.append("Added " + ", ".join(f"**{safe(d.name)}**" for d in add) + ".")
        if remove:
            parts.append("Removed " + ", ".join(f"**{safe(d.name)}**" for d in remove) + ".")
        if problems:
            parts.append(role_tools.MEMBER_NOTICE)
        await interaction.followup.send(" ".join(parts), ephemeral=True)

    # ----------------------------------------------------------------------------- organizers

    @app_commands.command(name="create")
    @app_commands.describe(name="The new discipline's name")
    @organizer_only()
    async def create(self, interaction: discord.Interaction, name: str) -> None:
        """Add a discipline to the catalog, with its own role."""
        assert interaction.guild is not None
        clean = " ".join(name.split())
        if not slugify(clean) or len(clean) > DISCIPLINE_NAME_MAX:
            raise UserFacingError(
                f"A discipline name needs letters or digits and at most {DISCIPLINE_NAME_MAX} characters."
            )
        await self.catalog_of(interaction.guild.id)
        async with self.bot.database.session() as session:
            created = await catalog.create_discipline(
                session, interaction.guild.id, clean, discord.utils.utcnow()
            )
        if created is None:
            raise UserFacingError(f"There is already a discipline called “{safe(clean)}”.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        role, problem = await role_tools.ensure_discipline_role(self.bot, interaction.guild, created)
        said = f"Added the discipline **{safe(clean)}**" + (
            f" with the role {role.mention}." if role else "."
        )
        if problem:
            said += f"\nBut: {problem}"
        await interaction.followup.send(said, ephemeral=True)
        await record_action(self.bot, interaction.guild.id, interaction.user.id, "discipline.create", clean)

    @app_commands.command(name="rename")
    @app_commands.describe(name="The discipline to rename", new_name="Its new name")
    @organizer_only()
    async def rename(self, interaction: discord.Interaction, name: str, new_name: str) -> None:
        """Rename a discipline (and its role, when the bot can)."""
        assert interaction.guild is not None
        discipline = await self.find(interaction.guild.id, name)
        clean = " ".join(new_name.split())
        if not slugify(clean) or len(clean) > DISCIPLINE_NAME_MAX:
            raise UserFacingError(
                f"A discipline name needs letters or digits and at most {DISCIPLINE_NAME_MAX} characters."
            )
        old = discipline.name
        async with self.bot.database.session() as session:
            fresh = await catalog.get_discipline(session, interaction.guild.id, discipline.id or 0)
            if fresh is None or not await catalog.rename_discipline(session, fresh, clean):
                raise UserFacingError(f"There is already a discipline called “{safe(clean)}”.")
        said = f"Renamed **{safe(old)}** to **{safe(clean)}**."
        role = interaction.guild.get_role(discipline.role_id) if discipline.role_id else None
        if role is not None and role_tools.role_problem(interaction.guild, role) is None:
            try:
                await role.edit(name=clean, reason="Discipline renamed")
            except discord.HTTPException:
                log.warning("Could not rename role %s", role.id, exc_info=True)
                said += " I could not rename its role; rename it in Server Settings."
        await interaction.response.send_message(said, ephemeral=True)
        await record_action(
            self.bot, interaction.guild.id, interaction.user.id, "discipline.rename", f"{old} → {clean}"
        )

    @app_commands.command(name="delete")
    @app_commands.describe(name="The discipline to delete")
    @organizer_only()
    async def delete(self, interaction: discord.Interaction, name: str) -> None:
        """Delete a discipline from the catalog; members lose the tag, the role stays."""
        assert interaction.guild is not None
        discipline = await self.find(interaction.guild.id, name)
        async with self.bot.database.session() as session:
            fresh = await catalog.get_discipline(session, interaction.guild.id, discipline.id or 0)
            if fresh is not None:
                await catalog.delete_discipline(session, fresh)
        said = f"Deleted the discipline **{safe(discipline.name)}**."
        if discipline.role_id and interaction.guild.get_role(discipline.role_id):
            said += f" Its role <@&{discipline.role_id}> is still there; delete it in Server Settings if nobody needs it."
        await interaction.response.send_message(said, ephemeral=True)
        await record_action(
            self.bot, interaction.guild.id, interaction.user.id, "discipline.delete", discipline.name
        )

    @rename.autocomplete("name")
    @delete.autocomplete("name")
    async def organizer_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        return await self.suggest(interaction.guild_id, current)

    @app_commands.command(name="panel")
    @app_commands.describe(channel="Where to post the panel (this channel if empty)")
    @organizer_only()
    async def panel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        """Post a panel where members pick their disciplines from a menu."""
        assert interaction.guild is not None
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise UserFacingError("Pick a text channel for the panel.")
        permissions = target.permissions_for(interaction.guild.me)
        if not (permissions.view_channel and permissions.send_messages):
            raise UserFacingError(f"I cannot post in {target.mention}; give my role Send Messages there.")
        entries = await self.catalog_of(interaction.guild.id)
        await target.send(**views.panel_message(interaction.guild.id, [(d.id or 0, d.name) for d in entries]))
        shown = min(len(entries), views.PANEL_SELECTS * OPTIONS_PER_SELECT)
        await interaction.response.send_message(
            f"Posted the discipline panel in {target.mention} ({shown} disciplines).", ephemeral=True
        )
        await record_action(
            self.bot, interaction.guild.id, interaction.user.id, "discipline.panel", f"#{target.name}"
        )

    # ---------------------------------------------------------------------- Discord → database

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Roles given or taken by hand in Discord change the member's disciplines too."""
        old, new = {r.id for r in before.roles}, {r.id for r in after.roles}
        if old == new or after.bot:
            return
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            for discipline in await catalog.disciplines_by_role(session, after.guild.id, new - old):
                await catalog.add_member_discipline(
                    session, after.guild.id, after.id, discipline.id or 0, now
                )
            for discipline in await catalog.disciplines_by_role(session, after.guild.id, old - new):
                await catalog.remove_member_discipline(session, after.guild.id, after.id, discipline.id or 0)

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        async with self.bot.database.session() as session:
            detached = await catalog.detach_role(session, role.guild.id, role.id)
        if detached:
            log.info(
                "Role %s of guild %s was deleted; its discipline will get a new role", role.id, role.guild.id
            )
