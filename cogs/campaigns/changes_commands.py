"""`/campaign edit` and `/campaign cancel`: change a campaign after it was created (organizers).

Mixed into `CampaignsCog` (discord.py collects a GroupCog's commands along its whole MRO), so that these
commands sit in the `/campaign` group while `cog.py` stays under 500 lines.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ensure_organizer, organizer_only
from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.replies import defer, reply, truncate
from bot.ui import PersistentButton
from bot.usecases import App
from cogs.campaigns import render
from cogs.campaigns.events import CampaignEvents
from cogs.campaigns.messaging import CampaignMessaging
from cogs.campaigns.service import changes, lifecycle
from cogs.campaigns.service.results import CampaignInfo
from cogs.campaigns.views import COG_NAME

if TYPE_CHECKING:
    from cogs.campaigns.cog import CampaignsCog

log = logging.getLogger(__name__)


def _cog(interaction: discord.Interaction) -> CampaignsCog:
    client = interaction.client
    cog = client.get_cog(COG_NAME) if isinstance(client, commands.Bot) else None
    assert cog is not None, "the campaigns cog is loaded whenever its controls are registered"
    return cast("CampaignsCog", cog)


class CancelConfirmButton(PersistentButton, id="campaign:cancel:{campaign_id:int}"):
    """Confirm a cancellation; the reason travels in the confirmation's embed, so it survives a restart."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Yes, cancel it",
                style=discord.ButtonStyle.danger,
                custom_id=self.make_id(campaign_id=campaign_id),
            )
        )
        self.campaign_id = campaign_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).confirm_cancel(interaction, self.campaign_id)


CHANGE_ITEMS = (CancelConfirmButton,)


class CampaignChanges(commands.Cog):
    """Mixed into the cog: edit and cancel a campaign, telling its members once."""

    app: App
    bot: CoalitionBot
    messaging: CampaignMessaging
    events: CampaignEvents

    async def campaign_posted(
        self, interaction: discord.Interaction, campaign: CampaignInfo, card: discord.Message
    ) -> str:
        """After the card is up: add it to the server's Events and announce it; notes for the organizer."""
        notes = []
        if interaction.guild is not None:
            note = await self.events.create(interaction.guild, campaign, card.jump_url)
            if note is not None:
                notes.append(note)
        announced = await self._announce(campaign, card.jump_url)
        if announced is not None:
            notes.append(announced)
        return "".join(f"\n{note}" for note in notes)

    async def _announce(self, campaign: CampaignInfo, jump_url: str) -> str | None:
        """Publish a short call in the announcement channel, mentioning nobody; a note when that failed."""
        channel = await self.bot.configured_channel(campaign.guild_id, "announcements")
        if channel is None:
            return None
        try:
            message = await channel.send(
                render.announcement(campaign, jump_url), allowed_mentions=discord.AllowedMentions.none()
            )
            if channel.is_news():
                # Published, it reaches the allied servers that follow this channel.
                await message.publish()
        except discord.HTTPException:
            log.warning("Could not announce campaign %s in %s", campaign.id, channel.id, exc_info=True)
            return f"I could not announce it in {channel.mention}: check my Send Messages and Manage Messages there."
        return f"Announced in {channel.mention}."

    async def _changeable_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await lifecycle.campaign_choices(
            self.app, guild_id=interaction.guild_id, search=current, include_closed=True
        )
        return [
            app_commands.Choice(name=truncate(c.title, 100), value=str(c.id))
            for c in found
            if c.status != "cancelled"
        ][:25]

    @app_commands.command(name="edit")
    @app_commands.describe(
        campaign="The campaign to change",
        title="A new name (up to 100 characters)",
        description="A new description",
        start="A new start, e.g. 2026-12-02 14:00 (in the campaign's time zone, or the one below)",
        end="A new end",
        signup_deadline="A new sign-up deadline (no later than the start)",
        timezone="The time zone of the times you type, and the campaign's from now on",
        offer_window_hours="Hours a waitlisted member has to accept a freed place",
    )
    @app_commands.autocomplete(campaign=_changeable_autocomplete)
    @organizer_only()
    async def edit_campaign(
        self,
        interaction: discord.Interaction,
        campaign: str,
        title: str | None = None,
        description: str | None = None,
        start: str | None = None,
        end: str | None = None,
        signup_deadline: str | None = None,
        timezone: str | None = None,
        offer_window_hours: int | None = None,
    ) -> None:
        """Change a campaign's text or times; its members hear once (organizers)."""
        assert interaction.guild_id is not None
        await defer(interaction)
        edit = changes.CampaignEdit(
            title, description, start, end, signup_deadline, timezone, offer_window_hours
        )
        edited = await changes.edit_campaign(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=campaign,
            edit=edit,
        )
        await reply(interaction, render.edit_report(edited), ephemeral=True)
        self.messaging.refresh_card(edited.id)
        await self.events.follow(edited.after)
        await self.messaging.dm_many(edited.members, render.edit_notice(edited))

    @app_commands.command(name="cancel")
    @app_commands.describe(campaign="The campaign to cancel", reason="Why: every member signed up reads it")
    @app_commands.autocomplete(campaign=_changeable_autocomplete)
    @organizer_only()
    async def cancel_campaign(self, interaction: discord.Interaction, campaign: str, reason: str) -> None:
        """Cancel a campaign after a confirmation (organizers)."""
        assert interaction.guild_id is not None
        await defer(interaction)
        found = await changes.campaign_to_cancel(
            self.app, guild_id=interaction.guild_id, campaign=campaign, reason=reason
        )
        embed = discord.Embed(
            title=truncate(f"Cancel {found.title}?", 256),
            description=changes.check_reason(reason),
            colour=discord.Colour.red(),
        )
        embed.set_footer(text="The reason above goes to every member signed up or waiting.")
        view = discord.ui.View(timeout=None)
        view.add_item(CancelConfirmButton(found.id))
        await reply(
            interaction,
            "This stops its reminders, offers and roll calls and tells its members. Sure?",
            embed=embed,
            view=view,
            ephemeral=True,
        )

    async def confirm_cancel(self, interaction: discord.Interaction, campaign_id: int) -> None:
        """The organizer confirmed: cancel, redraw the card, tell the members once."""
        await ensure_organizer(interaction)
        assert interaction.guild_id is not None
        embeds = interaction.message.embeds if interaction.message is not None else []
        reason = embeds[0].description if embeds else None
        if not reason:
            raise UserFacingError("I cannot read the reason any more: run `/campaign cancel` again.")
        cancelled = await changes.cancel_campaign(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=str(campaign_id),
            reason=reason,
        )
        await interaction.response.edit_message(
            content=f"Cancelled **{cancelled.campaign.title}**; {len(cancelled.members)} member(s) will be told.",
            view=None,
        )
        self.messaging.refresh_card(cancelled.id)
        await self.events.cancel(cancelled.campaign)
        await self.messaging.dm_many(cancelled.members, render.cancel_notice(cancelled))
