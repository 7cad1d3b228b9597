"""`/discipline`: the catalog, members tagging themselves, the directory, and roles kept in step with Discord."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import organizer_only
from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.paginator import send_first_page
from bot.replies import defer, reply, truncate
from cogs.disciplines import roles as role_tools
from cogs.disciplines import service, views
from cogs.disciplines.service import DisciplineEntry
from cogs.onboarding.steps import OPTIONS_PER_SELECT
from cogs.onboarding.views import COLOUR, safe

log = logging.getLogger(__name__)


def _member(interaction: discord.Interaction) -> discord.Member:
    if not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage()
    return interaction.user


def _guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


def _names(entries: Sequence[DisciplineEntry]) -> str:
    return ", ".join(f"**{safe(d.name)}**" for d in entries)


@app_commands.guild_only()
class DisciplinesCog(
    commands.GroupCog,
    name="Disciplines",
    group_name="discipline",
    group_description="Tag your disciplines and find colleagues by discipline",
):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self._catch_up: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*views.PERSISTENT_ITEMS)
        self._catch_up = asyncio.create_task(self.catch_up_roles(), name="disciplines-catch-up")

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*views.PERSISTENT_ITEMS)
        if self._catch_up is not None:
            self._catch_up.cancel()

    async def catch_up_roles(self) -> None:
        """Discipline roles given or taken by hand while the bot was offline change the tags, once ready."""
        await self.bot.wait_until_ready()
        if not self.bot.intents.members:
            return  # without the members intent the member list is partial: untagging from it would be wrong
        for guild in list(self.bot.guilds):
            if not guild.chunked:
                await guild.chunk()  # every member, so that who holds a role is known
            mapped = await service.mapped_role_ids(self.bot.app, guild.id)
            roles = [role for role_id in mapped if (role := guild.get_role(role_id)) is not None]
            changed = await service.catch_up_roles(
                self.bot.app,
                guild_id=guild.id,
                present=frozenset(member.id for member in guild.members if not member.bot),
                role_holders={role.id: frozenset(m.id for m in role.members) for role in roles},
                absence_means_removed=frozenset(
                    role.id for role in roles if role_tools.role_problem(guild, role) is None
                ),
            )
            if changed.added or changed.removed:
                log.info(
                    "Guild %s: %d discipline tags added and %d removed to match roles changed while offline",
                    guild.id,
                    len(changed.added),
                    len(changed.removed),
                )

    # --------------------------------------------------------------------------------- roles

    async def retag_roles(
        self, member: discord.Member, add: Sequence[DisciplineEntry], remove: Sequence[DisciplineEntry]
    ) -> list[str]:
        """Give and take the roles of disciplines just tagged or untagged; tell organizers what failed."""
        guild = member.guild
        problems: list[str] = []
        wanted: list[discord.Role] = []
        for discipline in add:
            role, problem = await role_tools.ensure_discipline_role(self.bot, guild, discipline)
            problems += [problem] if problem else []
            wanted += [role] if role is not None else []
        problems += await role_tools.give_roles(
            guild, member, wanted, reason="Discipline chosen by the member"
        )
        for discipline in remove:
            role = guild.get_role(discipline.role_id) if discipline.role_id else None
            if role is not None:
                problem = await role_tools.take_role(
                    guild, member, role, reason="Discipline removed by the member"
                )
                problems += [problem] if problem else []
        if problems:
            await role_tools.tell_organizers(self.bot, guild.id, member, problems)
        return problems

    async def redraw_panels(self, guild: discord.Guild) -> None:
        """Redraw every panel posted in the guild with the catalog as it is now; forget deleted ones."""
        panels, entries = await service.posted_panels(self.bot.app, guild.id)
        gone: set[int] = set()
        for panel in panels:
            channel = guild.get_channel(panel.channel_id)
            if not isinstance(channel, discord.TextChannel):
                gone.add(panel.message_id)
                continue
            try:
                await channel.get_partial_message(panel.message_id).edit(
                    **views.panel_message(guild.id, entries)
                )
            except discord.NotFound:
                gone.add(panel.message_id)
            except discord.HTTPException:
                # Left as it was: the next catalog edit, or a member's pick on it, redraws it again.
                log.warning("Could not redraw the discipline panel %s", panel.message_id, exc_info=True)
        if gone:
            await service.forget_panels(self.bot.app, guild_id=guild.id, message_ids=gone)

    # -------------------------------------------------------------------------------- members

    @app_commands.command(name="add")
    @app_commands.describe(name="The discipline to add")
    async def add(self, interaction: discord.Interaction, name: str) -> None:
        """Add a discipline to your profile and get its role."""
        await defer(interaction)
        member = _member(interaction)
        added = await service.add_to_member(
            self.bot.app, guild_id=member.guild.id, user_id=member.id, name=name
        )
        problems = await self.retag_roles(member, [added], [])
        said = f"Added **{safe(added.name)}** to your disciplines."
        await interaction.followup.send(
            said + (f"\n{role_tools.MEMBER_NOTICE}" if problems else ""), ephemeral=True
        )

    @app_commands.command(name="remove")
    @app_commands.describe(name="The discipline to remove")
    async def remove(self, interaction: discord.Interaction, name: str) -> None:
        """Remove a discipline from your profile and its role from you."""
        await defer(interaction)
        member = _member(interaction)
        removed = await service.remove_from_member(
            self.bot.app, guild_id=member.guild.id, user_id=member.id, name=name
        )
        problems = await self.retag_roles(member, [], [removed])
        said = f"Removed **{safe(removed.name)}** from your disciplines."
        await interaction.followup.send(
            said + (f"\n{role_tools.MEMBER_NOTICE}" if problems else ""), ephemeral=True
        )

    @add.autocomplete("name")
    @remove.autocomplete("name")
    async def name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        mine = interaction.command is not None and interaction.command.name == "remove"
        return await self.suggest(interaction, current, mine=mine)

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the disciplines, how many members hold each, and yours."""
        await defer(interaction)
        guild = _guild(interaction)
        lines = await service.overview(self.bot.app, guild.id, interaction.user.id)
        text = "\n".join(
            f"{'✅' if line.mine else '▫️'} {safe(line.discipline.name)}: {line.members} "
            f"member{'s' if line.members != 1 else ''}"
            for line in lines
        )
        yours = ", ".join(safe(line.discipline.name) for line in lines if line.mine)
        embed = discord.Embed(title="Disciplines", description=truncate(text, 4000), colour=COLOUR)
        embed.add_field(
            name="Yours", value=truncate(yours or "none yet (`/discipline add`)", 1024), inline=False
        )
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="members")
    @app_commands.describe(name="The discipline whose listed members to show")
    async def members(self, interaction: discord.Interaction, name: str) -> None:
        """Show members of a discipline who chose to be listed in the directory."""
        await defer(interaction)
        guild = _guild(interaction)
        discipline = await service.find(self.bot.app, guild.id, name)
        await send_first_page(interaction, views.DIRECTORY_SOURCE, discipline.id)

    @members.autocomplete("name")
    async def members_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.suggest(interaction, current)

    async def suggest(
        self, interaction: discord.Interaction, current: str, *, mine: bool = False
    ) -> list[app_commands.Choice[str]]:
        """Up to 25 disciplines whose name contains what was typed (only the caller's own when `mine`)."""
        if interaction.guild_id is None:
            return []
        found = await service.suggest(
            self.bot.app, interaction.guild_id, current, held_by_user=interaction.user.id if mine else None
        )
        return [app_commands.Choice(name=truncate(d.name, 100), value=truncate(d.name, 100)) for d in found]

    async def toggle_from_panel(
        self, interaction: discord.Interaction, guild_id: int, picked: list[int]
    ) -> None:
        """A pick on a panel: toggle those disciplines for the member, redraw the panel, answer privately."""
        if interaction.guild_id != guild_id or not isinstance(interaction.user, discord.Member):
            raise UserFacingError("That panel belongs to another server.")
        member = interaction.user
        changed = await service.toggle_for_member(
            self.bot.app, guild_id=guild_id, user_id=member.id, picked=picked
        )
        # Redraw the panel unchanged: a client keeps showing the last picks in a select, and picking again
        # from that state would toggle off what was just added.
        await interaction.response.edit_message(**views.panel_message(guild_id, changed.catalog))
        problems = await self.retag_roles(member, changed.added, changed.removed)
        parts = []
        if changed.added:
            parts.append(f"Added {_names(changed.added)}.")
        if changed.removed:
            parts.append(f"Removed {_names(changed.removed)}.")
        if problems:
            parts.append(role_tools.MEMBER_NOTICE)
        await interaction.followup.send(" ".join(parts), ephemeral=True)

    # ----------------------------------------------------------------------------- organizers

    @app_commands.command(name="create")
    @app_commands.describe(name="The new discipline's name")
    @organizer_only()
    async def create(self, interaction: discord.Interaction, name: str) -> None:
        """Add a discipline to the catalog, with its own role."""
        await defer(interaction)
        guild = _guild(interaction)
        created = await service.create(
            self.bot.app, guild_id=guild.id, actor_id=interaction.user.id, name=name
        )
        role, problem = await role_tools.ensure_discipline_role(self.bot, guild, created)
        said = f"Added the discipline **{safe(created.name)}**" + (
            f" with the role {role.mention}." if role else "."
        )
        if problem:
            said += f"\nBut: {problem}"
        twin = role_tools.look_alike(guild, created.name, role.id if role else None)
        if twin is not None:
            said += (
                f"\nA role {twin.mention} with the same name already existed; I did not hand it out. To use it "
                "instead, run `/discipline map` with it."
            )
        await interaction.followup.send(said, ephemeral=True)
        await self.redraw_panels(guild)

    @app_commands.command(name="rename")
    @app_commands.describe(name="The discipline to rename", new_name="Its new name")
    @organizer_only()
    async def rename(self, interaction: discord.Interaction, name: str, new_name: str) -> None:
        """Rename a discipline (and its role, when the bot can)."""
        await defer(interaction)
        guild = _guild(interaction)
        renamed = await service.rename(
            self.bot.app, guild_id=guild.id, actor_id=interaction.user.id, name=name, new_name=new_name
        )
        fresh = renamed.discipline
        said = f"Renamed **{safe(renamed.old_name)}** to **{safe(fresh.name)}**."
        role = guild.get_role(fresh.role_id) if fresh.role_id else None
        if role is not None and role_tools.role_problem(guild, role) is None:
            try:
                await role.edit(name=fresh.name, reason="Discipline renamed")
            except discord.HTTPException:
                log.warning("Could not rename role %s", role.id, exc_info=True)
                said += " I could not rename its role; rename it in Server Settings."
        await reply(interaction, said, ephemeral=True)
        await self.redraw_panels(guild)

    @app_commands.command(name="delete")
    @app_commands.describe(name="The discipline to delete")
    @organizer_only()
    async def delete(self, interaction: discord.Interaction, name: str) -> None:
        """Delete a discipline from the catalog; members lose the tag, the role stays."""
        await defer(interaction)
        guild = _guild(interaction)
        deleted = await service.delete(
            self.bot.app, guild_id=guild.id, actor_id=interaction.user.id, name=name
        )
        said = f"Deleted the discipline **{safe(deleted.name)}**."
        if deleted.role_id and guild.get_role(deleted.role_id):
            said += f" Its role <@&{deleted.role_id}> is still there; delete it in Server Settings if nobody needs it."
        await reply(interaction, said, ephemeral=True)
        await self.redraw_panels(guild)

    @app_commands.command(name="map")
    @app_commands.describe(name="The discipline", role="The existing role members who tag it should get")
    @organizer_only()
    async def map_role(self, interaction: discord.Interaction, name: str, role: discord.Role) -> None:
        """Hand out an existing role for a discipline instead of one the bot creates."""
        await defer(interaction)
        guild = _guild(interaction)
        config = await self.bot.guild_config(guild.id)
        problem = role_tools.mapping_problem(guild, role, {config.member_role_id, config.organizer_role_id})
        if problem:
            raise UserFacingError(problem)
        mapped = await service.map_role(
            self.bot.app, guild_id=guild.id, actor_id=interaction.user.id, name=name, role_id=role.id
        )
        moved = await self.swap_roles(guild, mapped.holders, role, mapped.previous_role_id)
        said = f"Members who tag **{safe(mapped.discipline.name)}** now get {role.mention}."
        if moved:
            said += f" The {moved} who already had it got it too."
        if mapped.previous_role_id and guild.get_role(mapped.previous_role_id):
            said += (
                f" Its old role <@&{mapped.previous_role_id}> is no longer handed out; delete it in Server "
                "Settings if nobody needs it."
            )
        await interaction.followup.send(said, ephemeral=True)

    async def swap_roles(
        self, guild: discord.Guild, holders: Sequence[int], role: discord.Role, previous_role_id: int | None
    ) -> int:
        """Give the newly mapped role to members who hold the discipline, taking the old one; return how many."""
        previous = guild.get_role(previous_role_id) if previous_role_id else None
        moved = 0
        for user_id in holders:
            member = guild.get_member(user_id)
            if member is None:
                continue
            problems = await role_tools.give_roles(
                guild, member, [role], reason="Discipline mapped to this role"
            )
            if previous is not None:
                problem = await role_tools.take_role(
                    guild, member, previous, reason="Discipline mapped to another role"
                )
                problems += [problem] if problem else []
            if problems:
                await role_tools.tell_organizers(self.bot, guild.id, member, problems)
            moved += 1
        return moved

    @rename.autocomplete("name")
    @delete.autocomplete("name")
    @map_role.autocomplete("name")
    async def organizer_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.suggest(interaction, current)

    @app_commands.command(name="panel")
    @app_commands.describe(channel="Where to post the panel (this channel if empty)")
    @organizer_only()
    async def panel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        """Post a panel where members pick their disciplines from a menu."""
        await defer(interaction)
        guild = _guild(interaction)
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise UserFacingError("Pick a text channel for the panel.")
        permissions = target.permissions_for(guild.me)
        if not (permissions.view_channel and permissions.send_messages):
            raise UserFacingError(f"I cannot post in {target.mention}; give my role Send Messages there.")
        entries = await service.list_catalog(self.bot.app, guild.id)
        message = await target.send(**views.panel_message(guild.id, entries))
        await service.record_panel(
            self.bot.app,
            guild_id=guild.id,
            actor_id=interaction.user.id,
            channel_id=target.id,
            message_id=message.id,
            channel_name=target.name,
        )
        shown = min(len(entries), views.PANEL_SELECTS * OPTIONS_PER_SELECT)
        await reply(
            interaction,
            f"Posted the discipline panel in {target.mention} ({shown} disciplines).",
            ephemeral=True,
        )

    # ---------------------------------------------------------------------- Discord → database

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Roles given or taken by hand in Discord change the member's disciplines too."""
        old, new = {r.id for r in before.roles}, {r.id for r in after.roles}
        if old == new or after.bot:
            return
        await service.follow_role_changes(
            self.bot.app, guild_id=after.guild.id, user_id=after.id, gained=new - old, lost=old - new
        )

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        detached = await service.forget_role(self.bot.app, guild_id=role.guild.id, role_id=role.id)
        if detached:
            log.info(
                "Role %s of guild %s was deleted; its discipline will get a new role", role.id, role.guild.id
            )
