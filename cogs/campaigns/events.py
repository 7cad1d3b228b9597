"""A campaign's Discord scheduled event: created when its card is posted, kept in step, completed at its end.

The event is a convenience: without the Manage Events permission (or when Discord refuses) the campaign
works as before, and the organizer who posted it is told what to grant (`/setup check` says so too).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import discord

from bot.core import CoalitionBot
from bot.replies import truncate
from bot.scheduler import Scheduler
from cogs.campaigns.service import lifecycle
from cogs.campaigns.service.common import EVENT_END_JOB
from cogs.campaigns.service.results import CampaignInfo
from db.jobs import ScheduledJob

log = logging.getLogger(__name__)

NAME_MAX = 100
DESCRIPTION_MAX = 1000
NO_PERMISSION = (
    "I could not add it to the server's Events: give me the Manage Events permission "
    "(`/setup check` shows what is missing). The campaign works without it."
)


def _description(campaign: CampaignInfo, jump_url: str) -> str:
    link = f"\n\nSign up on the card: {jump_url}"
    return truncate(campaign.description, DESCRIPTION_MAX - len(link)) + link


def _jump_url(campaign: CampaignInfo) -> str:
    return f"https://discord.com/channels/{campaign.guild_id}/{campaign.card_channel_id}/{campaign.card_message_id}"


class CampaignEvents:
    """The Discord side of campaigns' scheduled events."""

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.app = bot.app

    def register_jobs(self, scheduler: Scheduler) -> None:
        scheduler.register(EVENT_END_JOB, self.on_event_end_job)

    async def create(self, guild: discord.Guild, campaign: CampaignInfo, jump_url: str) -> str | None:
        """Create the campaign's event and remember it; a note for the organizer when that failed."""
        if not guild.me.guild_permissions.manage_events:
            return NO_PERMISSION
        existing = await self._event(campaign)
        if existing is not None and existing.status is discord.EventStatus.scheduled:
            # A card posted again: the one event now points at the new card.
            try:
                await existing.edit(location=jump_url, description=_description(campaign, jump_url))
            except discord.HTTPException:
                log.warning(
                    "Could not point the event of campaign %s at its new card", campaign.id, exc_info=True
                )
            return None
        try:
            event = await guild.create_scheduled_event(
                name=truncate(campaign.title, NAME_MAX),
                start_time=campaign.starts_at,
                end_time=campaign.ends_at,
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                location=jump_url,
                description=_description(campaign, jump_url),
            )
        except discord.Forbidden:
            return NO_PERMISSION
        except discord.HTTPException:
            log.warning("Could not create the event of campaign %s", campaign.id, exc_info=True)
            return "Discord did not accept the server event for this campaign; the campaign works without it."
        await lifecycle.event_created(self.app, campaign_id=campaign.id, event_id=event.id)
        return None

    async def _event(self, campaign: CampaignInfo) -> discord.ScheduledEvent | None:
        guild = self.bot.get_guild(campaign.guild_id)
        if guild is None or campaign.event_id is None:
            return None
        try:
            return guild.get_scheduled_event(campaign.event_id) or await guild.fetch_scheduled_event(
                campaign.event_id
            )
        except discord.HTTPException:
            log.info("The event of campaign %s is gone", campaign.id)
            return None

    async def follow(self, campaign: CampaignInfo) -> None:
        """Bring the event in step with an edited campaign."""
        event = await self._event(campaign)
        if event is None or event.status is not discord.EventStatus.scheduled:
            return
        try:
            await event.edit(
                name=truncate(campaign.title, NAME_MAX),
                start_time=campaign.starts_at,
                end_time=campaign.ends_at,
                description=_description(campaign, _jump_url(campaign)),
            )
        except discord.HTTPException:
            log.warning("Could not update the event of campaign %s", campaign.id, exc_info=True)

    async def cancel(self, campaign: CampaignInfo) -> None:
        """Cancel the event of a cancelled campaign."""
        event = await self._event(campaign)
        if event is None:
            return
        try:
            if event.status is discord.EventStatus.scheduled:
                await event.cancel()
            elif event.status is discord.EventStatus.active:
                await event.end()
        except discord.HTTPException:
            log.warning("Could not cancel the event of campaign %s", campaign.id, exc_info=True)

    async def interested_ids(self, campaign: CampaignInfo, event_id: int) -> list[int]:
        """The members who marked the event "Interested" (Discord lists them 100 at a time)."""
        event = await self._event(replace(campaign, event_id=event_id))
        if event is None:
            return []
        return [user.id async for user in event.users() if not user.bot]

    async def on_event_end_job(self, job: ScheduledJob) -> None:
        """The campaign ended: complete its event (starting it first if nobody did)."""
        campaign = await lifecycle.campaign_by_id(self.app, int(job.payload["campaign_id"]))
        if campaign is None:
            return
        event = await self._event(campaign)
        if event is None:
            return
        try:
            if event.status is discord.EventStatus.scheduled:
                event = await event.start()
            if event.status is discord.EventStatus.active:
                await event.end()
        except discord.HTTPException:
            log.warning("Could not complete the event of campaign %s", campaign.id, exc_info=True)
