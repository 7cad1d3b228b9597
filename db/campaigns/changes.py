"""Queries for changing a campaign after it was posted: who hears of it, its open offers, cancelling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.campaigns.models import ACTIVE, OFFERED, CampaignInvite, CampaignSignup, CampaignSlot

CANCELLED = "cancelled"


async def active_members(session: AsyncSession, campaign_id: int) -> list[int]:
    """Members holding, offered or waiting for a place in the campaign, each once, in sign-up order."""
    rows = await session.execute(
        select(col(CampaignSignup.user_id))
        .where(col(CampaignSignup.campaign_id) == campaign_id, col(CampaignSignup.status).in_(ACTIVE))
        .order_by(col(CampaignSignup.signed_up_at), col(CampaignSignup.id))
    )
    return list(dict.fromkeys(user_id for (user_id,) in rows))


async def open_offers(session: AsyncSession, campaign_id: int) -> list[CampaignSignup]:
    """The campaign's sign-ups holding an unanswered offer."""
    rows = await session.scalars(
        select(CampaignSignup).where(
            col(CampaignSignup.campaign_id) == campaign_id, col(CampaignSignup.status) == OFFERED
        )
    )
    return list(rows)


async def cancel_signups(session: AsyncSession, campaign_id: int, now: datetime) -> None:
    """End every live sign-up of the campaign as cancelled, keeping the rows as history."""
    await session.execute(
        update(CampaignSignup)
        .where(col(CampaignSignup.campaign_id) == campaign_id, col(CampaignSignup.status).in_(ACTIVE))
        .values(status=CANCELLED, ended_at=now, offer_expires_at=None)
    )
    await session.execute(
        update(CampaignSlot).where(col(CampaignSlot.campaign_id) == campaign_id).values(taken=0)
    )


async def signed_up_users(session: AsyncSession, campaign_id: int) -> set[int]:
    """Members with a live sign-up (confirmed, offered or waiting) in the campaign."""
    return set(await active_members(session, campaign_id))


async def invited_users(session: AsyncSession, campaign_id: int) -> set[int]:
    """Members already invited to the campaign, by `/campaign invite` or as interested in its event."""
    rows = await session.scalars(
        select(col(CampaignInvite.user_id)).where(col(CampaignInvite.campaign_id) == campaign_id)
    )
    return set(rows)


async def record_interest_invite(
    session: AsyncSession, campaign_id: int, user_id: int, now: datetime
) -> bool:
    """Record an invitation before it is sent; False when this member was invited to the campaign already."""
    try:
        async with session.begin_nested():
            session.add(CampaignInvite(campaign_id=campaign_id, user_id=user_id, slot_id=None, sent_at=now))
    except IntegrityError:
        return False
    return True
