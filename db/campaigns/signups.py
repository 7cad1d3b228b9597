"""Sign-ups, the waitlist and the offers of freed places."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.campaigns.models import (
    ACTIVE,
    CONFIRMED,
    HOLDING,
    LAPSED,
    LEFT,
    OFFER_DECLINED,
    OFFERED,
    OPEN,
    WAITLISTED,
    WITHDRAWN,
    Campaign,
    CampaignRefused,
    CampaignSignup,
    CampaignSlot,
    Offer,
    SignUpResult,
    rowcount,
    stored_id,
)
from db.campaigns.rows import get_campaign, get_signup, get_slot, lock_slot


async def waitlist_position(session: AsyncSession, signup: CampaignSignup) -> int:
    ahead = await session.scalar(
        select(func.count())
        .select_from(CampaignSignup)
        .where(
            col(CampaignSignup.slot_id) == signup.slot_id,
            col(CampaignSignup.status) == WAITLISTED,
            col(CampaignSignup.ticket) < signup.ticket,
        )
    )
    return int(ahead or 0) + 1


async def _open_campaign(
    session: AsyncSession, guild_id: int, campaign_id: int, slot_id: int, now: datetime
) -> Campaign:
    """The campaign, if it still takes sign-ups for this live slot."""
    campaign = await get_campaign(session, guild_id, campaign_id)
    if campaign is None:
        raise CampaignRefused("That campaign does not exist in this server (it may have been deleted).")
    if campaign.status == "cancelled":
        raise CampaignRefused(f"{campaign.title} was cancelled.")
    if campaign.status != OPEN:
        raise CampaignRefused(f"Sign-ups for {campaign.title} are closed.")
    if now >= campaign.signup_deadline:
        raise CampaignRefused(f"The sign-up deadline for {campaign.title} has passed.")
    if await get_slot(session, campaign_id, slot_id) is None:
        raise CampaignRefused("That slot no longer exists in this campaign.")
    return campaign


async def _issue_ticket(session: AsyncSession, slot_id: int) -> tuple[CampaignSlot, int]:
    """The slot's next waitlist ticket; this UPDATE locks the slot's row, serializing its sign-ups."""
    ticket = await session.scalar(
        update(CampaignSlot)
        .where(col(CampaignSlot.id) == slot_id)
        .values(tickets_issued=col(CampaignSlot.tickets_issued) + 1)
        .returning(col(CampaignSlot.tickets_issued))
    )
    slot = await session.scalar(
        select(CampaignSlot).where(col(CampaignSlot.id) == slot_id).execution_options(populate_existing=True)
    )
    if slot is None or ticket is None or slot.removed_at is not None:
        # Removed while this sign-up waited for the row lock: raising rolls the ticket back too.
        raise CampaignRefused("That slot no longer exists in this campaign.")
    return slot, ticket


async def sign_up(
    session: AsyncSession, *, guild_id: int, campaign_id: int, slot_id: int, user_id: int, now: datetime
) -> SignUpResult:
    """Take a place in the slot if one is free, else join its waitlist; a repeat click changes nothing."""
    campaign = await _open_campaign(session, guild_id, campaign_id, slot_id, now)
    slot, ticket = await _issue_ticket(session, slot_id)
    existing = await session.scalar(
        select(CampaignSignup)
        .where(col(CampaignSignup.slot_id) == slot_id, col(CampaignSignup.user_id) == user_id)
        .execution_options(populate_existing=True)
    )
    if (
        existing is not None
        and existing.status == OFFERED
        and existing.offer_expires_at is not None
        and now <= existing.offer_expires_at
    ):
        # Joining again while a place is offered is how a member without DMs accepts it.
        existing.status, existing.confirmed_at, existing.offer_expires_at = CONFIRMED, now, None
        session.add(existing)
        await session.flush()
        return SignUpResult(campaign_id, campaign.title, slot_id, slot.name, CONFIRMED, None, False)
    if existing is not None and existing.status in ACTIVE:
        position = await waitlist_position(session, existing) if existing.status == WAITLISTED else None
        return SignUpResult(campaign_id, campaign.title, slot_id, slot.name, existing.status, position, True)
    took = await session.execute(
        update(CampaignSlot)
        .where(col(CampaignSlot.id) == slot_id, col(CampaignSlot.taken) < col(CampaignSlot.capacity))
        .values(taken=col(CampaignSlot.taken) + 1)
    )
    status = CONFIRMED if rowcount(took) == 1 else WAITLISTED
    signup = existing or CampaignSignup(
        guild_id=guild_id,
        campaign_id=campaign_id,
        slot_id=slot_id,
        user_id=user_id,
        status=status,
        ticket=ticket,
        signed_up_at=now,
    )
    signup.status, signup.ticket, signup.signed_up_at = status, ticket, now
    signup.confirmed_at = now if status == CONFIRMED else None
    signup.offer_expires_at, signup.ended_at = None, None
    session.add(signup)
    await session.flush()
    position = await waitlist_position(session, signup) if status == WAITLISTED else None
    return SignUpResult(campaign_id, campaign.title, slot_id, slot.name, status, position, False)


async def member_signups(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    campaign_id: int | None = None,
    *,
    active_only: bool = True,
) -> list[tuple[CampaignSignup, CampaignSlot, Campaign]]:
    query = (
        select(CampaignSignup, CampaignSlot, Campaign)
        .join(CampaignSlot, col(CampaignSlot.id) == col(CampaignSignup.slot_id))
        .join(Campaign, col(Campaign.id) == col(CampaignSignup.campaign_id))
        .where(col(CampaignSignup.guild_id) == guild_id, col(CampaignSignup.user_id) == user_id)
    )
    if campaign_id is not None:
        query = query.where(col(CampaignSignup.campaign_id) == campaign_id)
    if active_only:
        query = query.where(col(CampaignSignup.status).in_(ACTIVE))
    query = query.order_by(col(Campaign.starts_at).desc(), col(CampaignSlot.position))
    return [(a, b, c) for a, b, c in (await session.execute(query)).all()]


async def withdraw(
    session: AsyncSession,
    *,
    guild_id: int,
    slot_id: int,
    user_id: int,
    now: datetime,
    status: str = WITHDRAWN,
) -> tuple[CampaignSignup | None, list[Offer]]:
    """Step out of a slot; a held place goes to the first in line as an offer."""
    slot = await lock_slot(session, slot_id)
    campaign = await get_campaign(session, guild_id, slot.campaign_id)
    if campaign is None:
        raise CampaignRefused("That campaign does not exist in this server.")
    signup = await session.scalar(
        select(CampaignSignup)
        .where(col(CampaignSignup.slot_id) == slot_id, col(CampaignSignup.user_id) == user_id)
        .execution_options(populate_existing=True)
    )
    if signup is None or signup.status not in ACTIVE:
        return None, []
    held = signup.status in HOLDING
    signup.status, signup.ended_at, signup.offer_expires_at = status, now, None
    session.add(signup)
    await session.flush()
    if not held:
        return signup, []
    return signup, await _free_place(session, campaign, slot, now)


async def withdraw_everywhere(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime
) -> list[Offer]:
    """Free every place the member holds or awaits in this guild (they left the server)."""
    offers: list[Offer] = []
    for _signup, slot, _campaign in await member_signups(session, guild_id, user_id):
        _, more = await withdraw(
            session, guild_id=guild_id, slot_id=stored_id(slot), user_id=user_id, now=now, status=LEFT
        )
        offers.extend(more)
    return offers


async def _next_in_line(session: AsyncSession, slot_id: int) -> CampaignSignup | None:
    return await session.scalar(
        select(CampaignSignup)
        .where(col(CampaignSignup.slot_id) == slot_id, col(CampaignSignup.status) == WAITLISTED)
        .order_by(col(CampaignSignup.ticket))
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _make_offer(campaign: Campaign, slot: CampaignSlot, signup: CampaignSignup, now: datetime) -> Offer:
    signup.status = OFFERED
    signup.offers_made += 1
    expires_at = now + timedelta(hours=campaign.offer_window_hours)
    signup.offer_expires_at = expires_at
    return _offer(campaign, slot, signup, expires_at)


def _offer(campaign: Campaign, slot: CampaignSlot, signup: CampaignSignup, expires_at: datetime) -> Offer:
    return Offer(
        signup_id=stored_id(signup),
        guild_id=campaign.guild_id,
        user_id=signup.user_id,
        campaign_id=stored_id(campaign),
        campaign_title=campaign.title,
        slot_name=slot.name,
        expires_at=expires_at,
        number=signup.offers_made,
    )


async def open_offer(session: AsyncSession, signup_id: int, number: int, now: datetime) -> Offer | None:
    """The offer, if this one (by its number) is still open and unanswered."""
    signup = await get_signup(session, signup_id)
    if signup is None or signup.status != OFFERED or signup.offers_made != number:
        return None
    if signup.offer_expires_at is None or signup.offer_expires_at <= now:
        return None
    campaign = await session.get(Campaign, signup.campaign_id)
    slot = await session.get(CampaignSlot, signup.slot_id)
    if campaign is None or slot is None:
        return None
    return _offer(campaign, slot, signup, signup.offer_expires_at)


async def _free_place(
    session: AsyncSession, campaign: Campaign, slot: CampaignSlot, now: datetime
) -> list[Offer]:
    """A held place was released: offer it to the first in line (it stays taken), or give it back."""
    nxt = await _next_in_line(session, stored_id(slot))
    if nxt is None:
        await session.execute(
            update(CampaignSlot)
            .where(col(CampaignSlot.id) == slot.id, col(CampaignSlot.taken) > 0)
            .values(taken=col(CampaignSlot.taken) - 1)
        )
        return []
    offer = _make_offer(campaign, slot, nxt, now)
    session.add(nxt)
    await session.flush()
    return [offer]


async def offer_free_places(
    session: AsyncSession, campaign: Campaign, slot: CampaignSlot, now: datetime
) -> list[Offer]:
    """Offer every free place to the waitlist, in ticket order (after a capacity raise)."""
    offers = []
    while True:
        nxt = await _next_in_line(session, stored_id(slot))
        if nxt is None:
            break
        took = await session.execute(
            update(CampaignSlot)
            .where(col(CampaignSlot.id) == slot.id, col(CampaignSlot.taken) < col(CampaignSlot.capacity))
            .values(taken=col(CampaignSlot.taken) + 1)
        )
        if rowcount(took) != 1:
            break
        offers.append(_make_offer(campaign, slot, nxt, now))
        session.add(nxt)
        await session.flush()
    return offers


async def accept_offer(
    session: AsyncSession, signup_id: int, user_id: int, now: datetime
) -> tuple[CampaignSignup, Campaign, CampaignSlot]:
    signup = await get_signup(session, signup_id)
    if signup is None or signup.user_id != user_id:
        raise CampaignRefused("That offer is not yours, or it no longer exists.")
    slot = await lock_slot(session, signup.slot_id)
    campaign = await session.get(Campaign, signup.campaign_id)
    assert campaign is not None
    signup = await get_signup(session, signup_id)
    assert signup is not None
    if signup.status == CONFIRMED:
        return signup, campaign, slot
    if signup.status != OFFERED or signup.offer_expires_at is None:
        raise CampaignRefused("This offer is no longer open: it expired or went to someone else.")
    if now > signup.offer_expires_at:
        raise CampaignRefused("Sorry, this offer has expired; the place goes to the next person in line.")
    signup.status, signup.confirmed_at, signup.offer_expires_at = CONFIRMED, now, None
    session.add(signup)
    await session.flush()
    return signup, campaign, slot


async def decline_offer(session: AsyncSession, signup_id: int, user_id: int, now: datetime) -> list[Offer]:
    signup = await get_signup(session, signup_id)
    if signup is None or signup.user_id != user_id:
        raise CampaignRefused("That offer is not yours, or it no longer exists.")
    if signup.status != OFFERED:
        raise CampaignRefused("This offer is no longer open.")
    _, offers = await withdraw(
        session,
        guild_id=signup.guild_id,
        slot_id=signup.slot_id,
        user_id=user_id,
        now=now,
        status=OFFER_DECLINED,
    )
    return offers


async def expire_offer(session: AsyncSession, signup_id: int, number: int, now: datetime) -> list[Offer]:
    """Lapse an unanswered offer and pass the place on; a no-op when it was answered in time."""
    signup = await get_signup(session, signup_id)
    if signup is None or signup.status != OFFERED or signup.offers_made != number:
        return []
    if signup.offer_expires_at is not None and signup.offer_expires_at > now:
        return []
    _, offers = await withdraw(
        session,
        guild_id=signup.guild_id,
        slot_id=signup.slot_id,
        user_id=signup.user_id,
        now=now,
        status=LAPSED,
    )
    return offers
