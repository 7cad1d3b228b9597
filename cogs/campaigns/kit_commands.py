"""`/campaign kit` for everyone and `/campaign kit-edit` for organizers: the campaign's media kit.

A base of the campaigns cog (`cog.py` lists it), so these commands join the `/campaign` group.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ensure_organizer, organizer_only
from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.replies import defer, reply, truncate
from bot.usecases import App
from cogs.campaigns.kit_views import KitWordsModal, kit_embed
from cogs.campaigns.service import kit as kit_service
from cogs.campaigns.service import lifecycle


async def campaign_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    cog = interaction.client.get_cog("Campaigns") if isinstance(interaction.client, commands.Bot) else None
    if interaction.guild_id is None or not isinstance(cog, KitCommands):
        return []
    found = await lifecycle.campaign_choices(
        cog.app, guild_id=interaction.guild_id, search=current, include_closed=True
    )
    return [app_commands.Choice(name=truncate(c.title, 100), value=str(c.id)) for c in found[:25]]


async def _resources(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    cog = interaction.client.get_cog("Campaigns") if isinstance(interaction.client, commands.Bot) else None
    if interaction.guild_id is None or not isinstance(cog, KitCommands):
        return []
    found = await kit_service.library_choices(cog.app, guild_id=interaction.guild_id, search=current)
    return [app_commands.Choice(name=truncate(r.title, 100), value=str(r.id)) for r in found[:25]]


async def _entries(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    cog = interaction.client.get_cog("Campaigns") if isinstance(interaction.client, commands.Bot) else None
    chosen = getattr(interaction.namespace, "campaign", None)
    if interaction.guild_id is None or not chosen or not isinstance(cog, KitCommands):
        return []
    try:
        kit = await kit_service.show_kit(cog.app, guild_id=interaction.guild_id, campaign=str(chosen))
    except UserFacingError:  # autocomplete for a campaign that is not there: offer nothing
        return []
    wanted = current.casefold()
    return [
        app_commands.Choice(name=truncate(e.title, 100), value=str(e.id))
        for e in kit.entries
        if wanted in e.title.casefold()
    ][:25]


class KitCommands(commands.Cog):
    """The media kit's commands and form handler (a base of the campaigns cog, never loaded alone)."""

    bot: CoalitionBot
    app: App
    kit_edit = app_commands.Group(name="kit-edit", description="Fill a campaign's media kit (organizers)")

    @app_commands.command(name="kit")
    @app_commands.describe(campaign="The campaign whose media kit to show")
    @app_commands.autocomplete(campaign=campaign_choices)
    async def kit(self, interaction: discord.Interaction, campaign: str) -> None:
        """Show a campaign's media kit: resources, talking points, key messages, hashtags."""
        await defer(interaction)
        assert interaction.guild_id is not None
        shown = await kit_service.show_kit(self.app, guild_id=interaction.guild_id, campaign=campaign)
        await reply(interaction, embed=kit_embed(shown), ephemeral=True)

    @kit_edit.command(name="add")
    @app_commands.describe(campaign="The campaign", resource="An approved resource of the library")
    @app_commands.autocomplete(campaign=campaign_choices, resource=_resources)
    @organizer_only()
    async def kit_add(self, interaction: discord.Interaction, campaign: str, resource: str) -> None:
        """Add a resource of the library to a campaign's media kit (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        shown = await kit_service.add_resource(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=campaign,
            resource=resource,
        )
        await reply(interaction, "Added to the kit.", embed=kit_embed(shown), ephemeral=True)

    @kit_edit.command(name="remove")
    @app_commands.describe(campaign="The campaign", entry="The resource or link to take out")
    @app_commands.autocomplete(campaign=campaign_choices, entry=_entries)
    @organizer_only()
    async def kit_remove(self, interaction: discord.Interaction, campaign: str, entry: str) -> None:
        """Take a resource or link out of a campaign's media kit (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        shown = await kit_service.remove_entry(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=campaign,
            entry=entry,
        )
        await reply(interaction, "Removed from the kit.", embed=kit_embed(shown), ephemeral=True)

    @kit_edit.command(name="words")
    @app_commands.describe(campaign="The campaign")
    @app_commands.autocomplete(campaign=campaign_choices)
    @organizer_only()
    async def kit_words(self, interaction: discord.Interaction, campaign: str) -> None:
        """Write a campaign's talking points, key messages and hashtags in a form (organizers)."""
        assert interaction.guild_id is not None
        current = await kit_service.show_kit(self.app, guild_id=interaction.guild_id, campaign=campaign)
        await interaction.response.send_modal(KitWordsModal(current.id, current))

    async def save_kit_words(
        self,
        interaction: discord.Interaction,
        campaign_id: int,
        *,
        talking_points: str,
        key_messages: str,
        hashtags: str,
    ) -> None:
        """Store what the form says (the form's id is untrusted: the use case checks the guild)."""
        assert interaction.guild_id is not None
        await ensure_organizer(interaction)
        shown = await kit_service.set_words(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=str(campaign_id),
            talking_points=talking_points,
            hashtags=hashtags,
            key_messages=key_messages,
        )
        await reply(interaction, "Saved the kit.", embed=kit_embed(shown), ephemeral=True)
