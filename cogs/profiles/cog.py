"""`/profile`: see a member's profile (others only when they opted in to the directory) and edit your own."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import CoalitionBot
from bot.errors import NotFound
from cogs.onboarding import steps
from cogs.onboarding.views import ProfileModal, profile_embed
from db import disciplines as catalog
from db import members

log = logging.getLogger(__name__)

SECTIONS = {"about you": steps.ABOUT, "where you work": steps.WORKPLACE}


@app_commands.guild_only()
class ProfilesCog(
    commands.GroupCog, name="Profiles", group_name="profile", group_description="Member profiles"
):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    @app_commands.command(name="view")
    @app_commands.describe(member="Whose profile (yours if empty)")
    async def view(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        """Show your profile, or another member's if they are listed in the directory."""
        assert interaction.guild_id is not None
        target = member or interaction.user
        own = target.id == interaction.user.id
        async with self.bot.database.session() as session:
            profile = await members.get_profile(session, interaction.guild_id, target.id)
            held = await catalog.member_discipline_ids(session, interaction.guild_id, target.id)
            names = sorted(
                d.name for d in await catalog.list_disciplines(session, interaction.guild_id) if d.id in held
            )
        if profile is None:
            if own:
                raise NotFound("You have no profile yet: `/onboard` sets one up in about three minutes.")
            raise NotFound("That member is not listed in the directory.")
        if not own and (not profile.directory_opt_in or profile.left_at is not None):
            raise NotFound("That member is not listed in the directory.")
        title = "Your profile" if own else f"Profile of {target.display_name}"
        embed = profile_embed(profile, names, title=title)
        if own:
            embed.set_footer(text="Change it with /profile edit; disciplines with /discipline add or remove.")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="edit")
    @app_commands.describe(
        section="Which part of your profile to edit",
        directory="List you in the member directory (leave empty to keep it as it is)",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        section: Literal["about you", "where you work"] = "about you",
        directory: bool | None = None,
    ) -> None:
        """Edit your profile: name, job title, pronouns, organization, jurisdiction, state, directory listing."""
        guild_id = interaction.guild_id
        assert guild_id is not None
        now = discord.utils.utcnow()
        if directory is not None:
            async with self.bot.database.session() as session:
                profile = await members.get_or_create_profile(session, guild_id, interaction.user.id, now)
                await members.update_profile(session, profile, now, directory_opt_in=directory)
            said = (
                "You are now listed in the directory."
                if directory
                else "You are no longer listed in the directory."
            )
            await interaction.response.send_message(said, ephemeral=True)
            return
        step = SECTIONS[section]
        async with self.bot.database.session() as session:
            profile = await members.get_profile(session, guild_id, interaction.user.id)
        defaults = {f.key: getattr(profile, f.key) for f in steps.PROFILE_SECTIONS[step]} if profile else {}

        async def saved(submitted: discord.Interaction, clean: dict[str, str | None]) -> None:
            stamp = discord.utils.utcnow()
            async with self.bot.database.session() as session:
                fresh = await members.get_or_create_profile(session, guild_id, submitted.user.id, stamp)
                await members.update_profile(session, fresh, stamp, **clean)
                held = await catalog.member_discipline_ids(session, guild_id, submitted.user.id)
                names = sorted(
                    d.name for d in await catalog.list_disciplines(session, guild_id) if d.id in held
                )
            await submitted.response.send_message(
                "Saved.", embed=profile_embed(fresh, names, title="Your profile"), ephemeral=True
            )

        title = f"Edit: {steps.STEP_TITLES[step].lower()}"
        await interaction.response.send_modal(
            ProfileModal(
                title, f"profiles:edit:{step}:{guild_id}", steps.PROFILE_SECTIONS[step], defaults, saved
            )
        )

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        """A member who leaves drops out of the directory; their history stays."""
        async with self.bot.database.session() as session:
            await members.mark_left(session, member.guild.id, member.id, discord.utils.utcnow())
