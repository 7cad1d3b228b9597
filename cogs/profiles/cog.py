"""`/profile`: see a member's profile (others only when they opted in to the directory) and edit your own."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.replies import defer, defer_update, reply
from cogs.departments.service import suggest
from cogs.onboarding import steps
from cogs.profiles import service
from cogs.profiles.views import InterestsEdit, ProfileEditForm, interests_view, profile_embed

log = logging.getLogger(__name__)

SECTIONS = {"about you": steps.ABOUT, "where you work": steps.WORKPLACE}
INTERESTS_PROMPT = "Pick the topics that matter to your work; your choice is saved as you pick."


def _same_guild(interaction: discord.Interaction, guild_id: int) -> None:
    """A form or menu acts only in the server it was opened in (its id is untrusted)."""
    if interaction.guild_id != guild_id:
        raise UserFacingError("That form belongs to another server; run `/profile edit` here.")


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserFacingError("That command only works inside a server, not in DMs.")
    return interaction.guild_id


@app_commands.guild_only()
class ProfilesCog(
    commands.GroupCog, name="Profiles", group_name="profile", group_description="Member profiles"
):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(InterestsEdit)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(InterestsEdit)

    @app_commands.command(name="view")
    @app_commands.describe(member="Whose profile (yours if empty)")
    async def view(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        """Show your profile, or another member's if they are listed in the directory."""
        target = member or interaction.user
        own = target.id == interaction.user.id
        await defer(interaction)
        card = await service.view_profile(
            self.bot.app, guild_id=_guild_id(interaction), viewer_id=interaction.user.id, target_id=target.id
        )
        title = "Your profile" if own else f"Profile of {target.display_name}"
        embed = profile_embed(card, title=title)
        if own:
            embed.set_footer(text="Change it with /profile edit; disciplines with /discipline add or remove.")
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="edit")
    @app_commands.describe(
        section="Which part of your profile to edit",
        directory="List you in the member directory (leave empty to keep it as it is)",
        department="Your health department: start typing its name and pick it from the list",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        section: Literal["about you", "where you work", "interests"] = "about you",
        directory: bool | None = None,
        department: str | None = None,
    ) -> None:
        """Edit your profile: name, job title, pronouns, organization, jurisdiction, state, interests, listing."""
        guild_id, user_id = _guild_id(interaction), interaction.user.id
        if department is not None:
            await defer(interaction)
            card = await service.set_department(
                self.bot.app, guild_id=guild_id, user_id=user_id, department=department
            )
            await reply(
                interaction,
                f"Your health department is now **{discord.utils.escape_markdown(card.department or '')}**.",
                embed=profile_embed(card, title="Your profile"),
                ephemeral=True,
            )
            return
        if directory is not None:
            await defer(interaction)
            await service.set_listing(self.bot.app, guild_id=guild_id, user_id=user_id, listed=directory)
            said = (
                "You are now listed in the directory."
                if directory
                else "You are no longer listed in the directory."
            )
            await reply(interaction, said, ephemeral=True)
            return
        if section == "interests":
            await defer(interaction)
            chosen = await service.own_interests(self.bot.app, guild_id=guild_id, user_id=user_id)
            await reply(interaction, INTERESTS_PROMPT, view=interests_view(guild_id, chosen), ephemeral=True)
            return
        step = SECTIONS[section]
        defaults = await service.section_defaults(
            self.bot.app, guild_id=guild_id, user_id=user_id, section=step
        )
        title = f"Edit: {steps.STEP_TITLES[step].lower()}"
        await interaction.response.send_modal(ProfileEditForm(step, guild_id, defaults, title=title))

    @edit.autocomplete("department")
    async def department_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await suggest(self.bot.app, guild_id=interaction.guild_id, typed=current)
        return [app_commands.Choice(name=choice.label[:100], value=str(choice.id)) for choice in found]

    async def on_form_saved(
        self, interaction: discord.Interaction, guild_id: int, clean: dict[str, str | None]
    ) -> None:
        _same_guild(interaction, guild_id)
        await defer(interaction)
        card = await service.save_section(
            self.bot.app, guild_id=guild_id, user_id=interaction.user.id, values=clean
        )
        await reply(interaction, "Saved.", embed=profile_embed(card, title="Your profile"), ephemeral=True)

    async def on_interests_picked(
        self, interaction: discord.Interaction, guild_id: int, picked: list[str]
    ) -> None:
        _same_guild(interaction, guild_id)
        await defer_update(interaction)
        card = await service.set_interests(
            self.bot.app, guild_id=guild_id, user_id=interaction.user.id, picked=picked
        )
        await interaction.edit_original_response(
            content="Saved.",
            embed=profile_embed(card, title="Your profile"),
            view=interests_view(guild_id, card.interests),
        )

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        """A member who leaves drops out of the directory; their history stays."""
        await service.mark_left(self.bot.app, guild_id=member.guild.id, user_id=member.id)
