"""`/privacy`: members export and delete what the bot stores about them; departed members are forgotten."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.replies import defer, reply
from cogs.privacy import service
from cogs.privacy.views import DELETE_EXPLAINED, DeleteAnswer, confirm_view
from db.jobs import ScheduledJob

log = logging.getLogger(__name__)


@app_commands.guild_only()
class PrivacyCog(commands.GroupCog, group_name="privacy", group_description="Your data in this server"):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self._catch_up: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.scheduler.register(service.EXPIRE_JOB, self.run_expiry)
        self.bot.add_dynamic_items(DeleteAnswer)
        self._catch_up = asyncio.create_task(self.catch_up_after_downtime(), name="privacy-catch-up")

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(DeleteAnswer)
        if self._catch_up is not None:
            self._catch_up.cancel()

    @app_commands.command(name="export")
    async def export(self, interaction: discord.Interaction) -> None:
        """Get everything the bot stores about you in this server, as a JSON file only you receive."""
        assert interaction.guild_id is not None
        await defer(interaction)
        exported = await service.export_member_data(
            self.bot.app, guild_id=interaction.guild_id, user_id=interaction.user.id
        )
        name = f"coalition-data-{interaction.guild_id}-{interaction.user.id}.json"
        try:
            await interaction.user.send(
                "Here is everything the coalition bot stores about you in this server.",
                file=discord.File(io.BytesIO(exported.text.encode()), filename=name),
            )
        except discord.HTTPException:
            # DMs closed: only the caller sees an ephemeral attachment.
            await reply(
                interaction,
                "Your DMs are closed, so here is your file; only you can see this message.",
                file=discord.File(io.BytesIO(exported.text.encode()), filename=name),
                ephemeral=True,
            )
            return
        await reply(interaction, "I sent your data to you in a DM, as a JSON file.", ephemeral=True)

    @app_commands.command(name="delete")
    async def delete(self, interaction: discord.Interaction) -> None:
        """Delete what the bot stores about you in this server (you confirm first)."""
        await interaction.response.send_message(
            DELETE_EXPLAINED, view=confirm_view(interaction.user.id), ephemeral=True
        )

    async def confirm_delete(self, interaction: discord.Interaction, user_id: int, answer: str) -> None:
        """The member answered the confirmation: forget them, or leave everything as it is."""
        if interaction.user.id != user_id or interaction.guild is None:
            raise UserFacingError("Only the member who asked can confirm deleting their own data.")
        if answer == "no":
            await interaction.response.edit_message(content="Nothing was deleted.", view=None)
            return
        await interaction.response.defer()
        deletion = await service.delete_member_data(
            self.bot.app, guild_id=interaction.guild.id, user_id=user_id, reason="a member deleted their data"
        )
        roles_note = await self.remove_given_roles(interaction.guild, user_id, deletion)
        self.bot.dispatch("member_forgotten", interaction.guild.id, deletion)
        await interaction.edit_original_response(
            content=f"Done: your data in this server is deleted.{roles_note}", view=None
        )

    async def remove_given_roles(self, guild: discord.Guild, user_id: int, deletion: service.Deletion) -> str:
        """Take back the member role and discipline roles the bot gave; say so if Discord refuses."""
        member = guild.get_member(user_id)
        if member is None:
            return ""
        config = await self.bot.guild_config(guild.id)
        wanted = {*deletion.discipline_role_ids, *([config.member_role_id] if config.member_role_id else [])}
        roles = [role for role in member.roles if role.id in wanted]
        if not roles:
            return ""
        try:
            await member.remove_roles(*roles, reason="The member deleted their data (/privacy delete)")
        except discord.HTTPException:
            log.warning("Could not remove roles from a member who deleted their data", exc_info=True)
            return " I could not take back your roles; an organizer can remove them."
        return " The roles I gave you are removed."

    # ------------------------------------------------------------------------- departed members

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        await service.member_left(
            self.bot.app,
            guild_id=member.guild.id,
            user_id=member.id,
            retention_days=self.bot.settings.departed_retention_days,
        )

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await service.member_returned(self.bot.app, guild_id=member.guild.id, user_id=member.id)

    async def run_expiry(self, job: ScheduledJob) -> None:
        guild_id, user_id = int(job.payload["guild_id"]), int(job.payload["user_id"])
        if not await service.still_departed(self.bot.app, guild_id=guild_id, user_id=user_id):
            return
        if await self.still_in_guild(guild_id, user_id):
            log.warning(
                "Member %s of guild %s was recorded as departed but is in the server: their data is kept",
                user_id,
                guild_id,
            )
            await service.keep_present_member(self.bot.app, guild_id=guild_id, user_id=user_id)
            return
        deletion = await service.delete_member_data(
            self.bot.app,
            guild_id=guild_id,
            user_id=user_id,
            reason=f"a departed member's data after {self.bot.settings.departed_retention_days} days",
        )
        self.bot.dispatch("member_forgotten", guild_id, deletion)

    async def still_in_guild(self, guild_id: int, user_id: int) -> bool:
        """Ask Discord, not only the record: a present member's data is never deleted as a departed one's."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return False  # the bot is no longer in the server: the record is all there is
        if guild.get_member(user_id) is not None:
            return True
        try:
            await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        # Any other refusal propagates: the scheduler retries later rather than delete on a guess.
        return True

    async def catch_up_after_downtime(self) -> None:
        """Members who left or came back while the bot was offline are noticed once it is ready."""
        await self.bot.wait_until_ready()
        if not self.bot.intents.members:
            return  # without the members intent the member list is partial: marking from it would be wrong
        for guild in list(self.bot.guilds):
            present = await everyone_in(guild)
            if present is None:
                log.warning(
                    "Guild %s: its member list did not load completely (%d of %s members), so departures "
                    "while the bot was offline are not caught up now; leaves from now on are",
                    guild.id,
                    len(guild.members),
                    guild.member_count,
                )
                continue
            left, returned = await service.catch_up_departures(
                self.bot.app,
                guild_id=guild.id,
                present=present,
                retention_days=self.bot.settings.departed_retention_days,
            )
            if left or returned:
                log.info(
                    "Guild %s: %d members left and %d came back while the bot was offline",
                    guild.id,
                    len(left),
                    len(returned),
                )


# Long enough for Discord to send a very large guild's members (1,000 per chunk), short enough that a
# guild whose members never come does not hold up the others.
CHUNK_WAIT_S = 120.0


async def everyone_in(guild: discord.Guild) -> frozenset[int] | None:
    """The ids of every member of the guild, loading them first if needed; None if the list stays partial.

    The bot's member cache is not the member list: at `on_ready` discord.py may not have chunked a large
    guild yet (it gives up waiting after a few seconds), and a guild that is unavailable has no member count
    at all. Anyone missing from a partial list would be taken for departed, and their data deleted 90 days
    later; so the list counts only when its length is the member count Discord gave.
    """
    if not guild.chunked and not guild.unavailable:
        # A timeout is judged below with every other way of ending short: the caller logs the refusal.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(guild.chunk(), timeout=CHUNK_WAIT_S)
    return complete_member_ids(guild)


def complete_member_ids(guild: discord.Guild) -> frozenset[int] | None:
    """The member ids in the cache when they are all of the guild's members, else None."""
    # `chunked`: Discord gave a member count and the cache holds exactly that many members.
    if guild.unavailable or not guild.chunked:
        return None
    return frozenset(member.id for member in guild.members)
