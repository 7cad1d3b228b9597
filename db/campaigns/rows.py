"""Single rows, loaded fresh: a guild's campaign, a live slot (optionally locked), a sign-up."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.campaigns.models import Campaign, CampaignRefused, CampaignSignup, CampaignSlot


async def get_campaign(session: AsyncSession, guild_id: int, campaign_id: int) -> Campaign | None:
    """The campaign, only if it belongs to this guild (ids from buttons are untrusted)."""
    campaign = await session.get(Campaign, campaign_id)
    return campaign if campaign is not None and campaign.guild_id == guild_id else None


async def get_slot(session: AsyncSession, campaign_id: int, slot_id: int) -> CampaignSlot | None:
    """A live slot of this campaign; None when it is another campaign's, unknown or removed."""
    slot = await session.scalar(
        select(CampaignSlot).where(col(CampaignSlot.id) == slot_id).execution_options(populate_existing=True)
    )
    if slot is None or slot.campaign_id != campaign_id or slot.removed_at is not None:
        return None
    return slot


async def lock_slot(session: AsyncSession, slot_id: int) -> CampaignSlot:
    """Reload the live slot with its row locked until commit (FOR UPDATE; SQLite already holds the write lock)."""
    slot = await session.scalar(
        select(CampaignSlot)
        .where(col(CampaignSlot.id) == slot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if slot is None or slot.removed_at is not None:
        raise CampaignRefused("That slot no longer exists.")
    return slot


async def get_signup(session: AsyncSession, signup_id: int) -> CampaignSignup | None:
    return await session.scalar(
        select(CampaignSignup)
        .where(col(CampaignSignup.id) == signup_id)
        .execution_options(populate_existing=True)
    )
