"""`/campaign interested`: who marked the campaign's event "Interested" without signing up, and inviting them.

Mixed into `CampaignsCog` like `changes_commands.py`. Each member is invited at most once per campaign
(recorded with `/campaign invite`'s invitations), however often the button is pressed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ensure_organizer, organizer_only
from bot.core import CoalitionBot
from bot.pacing import pace_dm
from bot.replies import defer, reply, truncate
from bot.ui import PersistentButton
from bot.usecases import App
from cogs.campaigns import render
from cogs.campaigns.events import CampaignEvents
from cogs.campaigns.messaging import CampaignMessaging
from cogs.campaigns.service import interest
from cogs.campaigns.views import COG_NAME

if TYPE_CHECKING:
    from cogs.campaigns.cog import CampaignsCog

LISTED = 40


def _cog(interaction: discord.Interaction) -> CampaignsCog:
    client = interaction.client
    cog = client.get_cog(COG_NAME) if isinstance(client, commands.Bot) else None
    assert cog is not None, "the campaigns cog is loaded whenever its controls are registered"
    return cast("CampaignsCog", cog)


class InviteInterestedButton(PersistentButton, id="campaign:interested:{campaign_id:int}"):
    """Invite the interested members who have not signed up (each once)."""

    def __init__(self, campaign_id: int, count: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Invite them ({count})" if count else "Invite them",
                style=discord.ButtonStyle.primary,
                custom_id=self.make_id(campaign_id=campaign_id),
            )
        )
        self.campaign_id = campaign_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).invite_interested(interaction, self.campaign_id)


INTEREST_ITEMS = (InviteInterestedButton,)


class CampaignInterest(commands.Cog):
    """Mixed into the cog: the event's interested members who did not sign up."""

    app: App
    bot: CoalitionBot
    messaging: CampaignMessaging
    events: CampaignEvents

    async def _interest_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        cog = _cog(interaction)
        return await cog.campaign_autocomplete(interaction, current)

    async def _interested(self, guild_id: int, campaign: str) -> interest.Interested:
        found = await interest.event_of(self.app, guild_id=guild_id, campaign=campaign)
        ids = await self.events.interested_ids(found.campaign, found.event_id)
        return await interest.interested_without_signing_up(
            self.app, campaign_id=found.id, interested_ids=ids
        )

    @app_commands.command(name="interested")
    @app_commands.describe(campaign="The campaign whose server event to look at")
    @app_commands.autocomplete(campaign=_interest_autocomplete)
    @organizer_only()
    async def interested(self, interaction: discord.Interaction, campaign: str) -> None:
        """Members interested in the campaign's event who have not signed up (organizers)."""
        assert interaction.guild_id is not None
        await defer(interaction)
        found = await self._interested(interaction.guild_id, campaign)
        view = discord.ui.View(timeout=None)
        if found.not_invited:
            view.add_item(InviteInterestedButton(found.id, len(found.not_invited)))
        await reply(interaction, render.interested_report(found, LISTED), view=view, ephemeral=True)

    async def invite_interested(self, interaction: discord.Interaction, campaign_id: int) -> None:
        """DM each interested member not yet invited, once; say how many were reached."""
        await ensure_organizer(interaction)
        guild = interaction.guild
        assert guild is not None
        await defer(interaction)
        found = await self._interested(guild.id, str(campaign_id))
        sent = closed = 0
        text = render.interest_invitation(guild.name, found.campaign)
        for attempted, user_id in enumerate(found.not_invited):
            member = guild.get_member(user_id)
            if member is None or not await interest.claim_interest_invite(
                self.app, campaign_id=found.id, user_id=user_id
            ):
                continue
            if await self.messaging.dm(user_id, text):
                sent += 1
            else:
                closed += 1
            await pace_dm(attempted + 1)
        await interest.interest_invites_sent(
            self.app, guild_id=guild.id, actor_id=interaction.user.id, campaign_id=found.id, sent=sent
        )
        note = f" {closed} could not be reached (DMs closed)." if closed else ""
        await reply(interaction, truncate(f"Invited {sent} member(s).{note}", 2000), ephemeral=True)
