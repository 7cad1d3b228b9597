"""Campaigns and their slots: create, find, resize, remove, close."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.campaigns.models import (
    ACTIVE,
    CLOSED,
    OPEN,
    REMOVED,
    Campaign,
    CampaignLink,
    CampaignRefused,
    CampaignSignup,
    CampaignSlot,
    Offer,
    SlotNeed,
    rowcount,
    stored_id,
)
from db.campaigns.rows import get_slot, lock_slot
from db.campaigns.signups import offer_free_places


async def create_campaign(
    session: AsyncSession,
    *,
    guild_id: int,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    signup_deadline: datetime,
    timezone: str,
    created_by: int,
    now: datetime,
    offer_window_hours: int = 24,
    links: list[tuple[str, str, str]] | None = None,
) -> Campaign:
    campaign = Campaign(
        guild_id=guild_id,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        signup_deadline=signup_deadline,
        timezone=timezone,
        offer_window_hours=offer_window_hours,
        created_by=created_by,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    for link_title, url, kind in links or []:
        session.add(CampaignLink(campaign_id=stored_id(campaign), title=link_title, url=url, kind=kind))
    await session.flush()
    return campaign


async def list_campaigns(
    session: AsyncSession,
    guild_id: int,
    *,
    include_closed: bool = False,
    search: str | None = None,
    limit: int = 25,
) -> list[Campaign]:
    query = select(Campaign).where(col(Campaign.guild_id) == guild_id)
    if not include_closed:
        query = query.where(col(Campaign.status) == OPEN)
    if search:
        query = query.where(func.lower(col(Campaign.title)).contains(search.casefold()))
    query = query.order_by(col(Campaign.starts_at), col(Campaign.id)).limit(limit)
    return list(await session.scalars(query))


async def links_for(session: AsyncSession, campaign_id: int) -> list[CampaignLink]:
    rows = await session.scalars(
        select(CampaignLink)
        .where(col(CampaignLink.campaign_id) == campaign_id)
        .order_by(col(CampaignLink.id))
    )
    return list(rows)


async def set_card(session: AsyncSession, campaign_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id)
        .values(card_channel_id=channel_id, card_message_id=message_id)
    )


async def close_campaign(session: AsyncSession, campaign: Campaign, now: datetime) -> bool:
    """Close sign-ups; False when it was closed already."""
    result = await session.execute(
        update(Campaign)
        .where(col(Campaign.id) == campaign.id, col(Campaign.status) == OPEN)
        .values(status=CLOSED, closed_at=now)
    )
    campaign.status, campaign.closed_at = CLOSED, now
    return rowcount(result) == 1


# -------------------------------------------------------------------------------------- slots


async def slots_for(session: AsyncSession, campaign_id: int) -> list[CampaignSlot]:
    """The campaign's live slots (removed ones are left out)."""
    rows = await session.scalars(
        select(CampaignSlot)
        .where(col(CampaignSlot.campaign_id) == campaign_id, col(CampaignSlot.removed_at).is_(None))
        .order_by(col(CampaignSlot.position), col(CampaignSlot.id))
    )
    return list(rows)


async def find_slot(session: AsyncSession, campaign_id: int, name: str) -> CampaignSlot | None:
    """A slot by its id (from autocomplete) or its name."""
    if name.isdigit():
        slot = await get_slot(session, campaign_id, int(name))
        if slot is not None:
            return slot
    return await session.scalar(
        select(CampaignSlot).where(
            col(CampaignSlot.campaign_id) == campaign_id,
            col(CampaignSlot.removed_at).is_(None),
            func.lower(col(CampaignSlot.name)) == name.strip().casefold(),
        )
    )


async def add_slot(
    session: AsyncSession, campaign: Campaign, name: str, capacity: int, needs: dict[int, int], now: datetime
) -> CampaignSlot:
    count = await session.scalar(
        select(func.count()).select_from(CampaignSlot).where(col(CampaignSlot.campaign_id) == campaign.id)
    )
    slot = CampaignSlot(
        campaign_id=stored_id(campaign),
        name=name,
        capacity=capacity,
        position=int(count or 0),
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(slot)
    except IntegrityError as exc:
        raise CampaignRefused(f"This campaign already has a slot called {name!r}.") from exc
    await set_needs(session, slot, needs)
    return slot


async def set_needs(session: AsyncSession, slot: CampaignSlot, needs: dict[int, int]) -> None:
    await session.execute(delete(SlotNeed).where(col(SlotNeed.slot_id) == slot.id))
    for discipline_id, count in needs.items():
        session.add(SlotNeed(slot_id=stored_id(slot), discipline_id=discipline_id, count=count))
    await session.flush()


async def needs_for(session: AsyncSession, slot_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(col(SlotNeed.discipline_id), col(SlotNeed.count)).where(col(SlotNeed.slot_id) == slot_id)
    )
    return {discipline_id: count for discipline_id, count in rows}


async def edit_slot(
    session: AsyncSession,
    campaign: Campaign,
    slot: CampaignSlot,
    now: datetime,
    *,
    name: str | None = None,
    capacity: int | None = None,
    needs: dict[int, int] | None = None,
) -> list[Offer]:
    """Rename, resize or change needs; new places go to the waitlist as offers."""
    slot = await lock_slot(session, stored_id(slot))
    if name is not None and name != slot.name:
        clash = await session.scalar(
            select(col(CampaignSlot.id)).where(
                col(CampaignSlot.campaign_id) == campaign.id,
                col(CampaignSlot.name) == name,
                col(CampaignSlot.removed_at).is_(None),
            )
        )
        if clash is not None:
            raise CampaignRefused(f"This campaign already has a slot called {name!r}.")
        slot.name = name
    if capacity is not None:
        if capacity < slot.taken:
            raise CampaignRefused(
                f"{slot.taken} places in that slot are already taken, so its capacity cannot go below {slot.taken}."
            )
        slot.capacity = capacity
    session.add(slot)
    await session.flush()
    if needs is not None:
        await set_needs(session, slot, needs)
    return await offer_free_places(session, campaign, slot, now)


async def remove_slot(session: AsyncSession, slot: CampaignSlot, now: datetime) -> list[int]:
    """Retire a slot and end its active sign-ups, keeping every row as history; return whom to tell.

    The sign-ups become REMOVED, so a pending offer-expiry job for one finds no offer and does nothing.
    """
    slot = await lock_slot(session, stored_id(slot))
    affected = list(
        await session.scalars(
            select(col(CampaignSignup.user_id))
            .where(
                col(CampaignSignup.slot_id) == slot.id,
                col(CampaignSignup.status).in_(ACTIVE),
                col(CampaignSignup.user_id) > 0,  # only members who can still be told
            )
            .order_by(col(CampaignSignup.ticket))
        )
    )
    await session.execute(
        update(CampaignSignup)
        .where(col(CampaignSignup.slot_id) == slot.id, col(CampaignSignup.status).in_(ACTIVE))
        .values(status=REMOVED, ended_at=now, offer_expires_at=None)
    )
    # Needs only steer live recruiting (cards, invitations); a removed slot recruits no one.
    await session.execute(delete(SlotNeed).where(col(SlotNeed.slot_id) == slot.id))
    await session.execute(
        update(CampaignSlot).where(col(CampaignSlot.id) == slot.id).values(removed_at=now, taken=0)
    )
    return affected
