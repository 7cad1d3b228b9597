"""What cards, lists, histories, exports and onboarding read about campaigns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.campaigns.models import (
    CONFIRMED,
    OFFERED,
    OPEN,
    REMOVED,
    WAITLISTED,
    Campaign,
    CampaignLink,
    CampaignRollCall,
    CampaignSignup,
    CampaignSlot,
    CampaignView,
    HistoryRow,
    OpenPlace,
    RollCallAnswer,
    SlotNeed,
    SlotView,
    stored_id,
)
from db.campaigns.signups import member_signups, waitlist_position
from db.campaigns.slots import links_for
from db.disciplines import Discipline, MemberDiscipline
from db.members import MemberProfile
from db.types import table_of


def _card_query() -> Select[Any]:
    """The card's one read: the campaign, each live slot with its line's counts, and each confirmed member.

    One row per confirmed member (a slot with none still gives one row); whether slots need disciplines and
    whether the campaign has links ride along, so that the common card needs no other query. Built once:
    building it costs more Python than running it.
    """
    campaign_id: BindParameter[int] = bindparam("campaign_id")
    slot, held, sign = (
        table_of(CampaignSlot),
        table_of(CampaignSignup).alias("held"),
        table_of(CampaignSignup),
    )
    line = (
        select(
            sign.c.slot_id,
            func.sum(case((sign.c.status == WAITLISTED, 1), else_=0)).label("waitlisted"),
            func.sum(case((sign.c.status == OFFERED, 1), else_=0)).label("offered"),
        )
        .where(
            sign.c.campaign_id == campaign_id,
            sign.c.status.in_((WAITLISTED, OFFERED)),
            sign.c.user_id > 0,  # a former member's spot in line is history: nobody waits in it
        )
        .group_by(sign.c.slot_id)
        .subquery("line")
    )
    live_slots = select(slot.c.id).where(slot.c.campaign_id == campaign_id, slot.c.removed_at.is_(None))
    needs = table_of(SlotNeed)
    links = table_of(CampaignLink)
    return (
        select(
            Campaign,
            slot.c.id.label("slot_id"),
            slot.c.name,
            slot.c.capacity,
            slot.c.taken,
            held.c.user_id,
            line.c.waitlisted,
            line.c.offered,
            exists().where(needs.c.slot_id.in_(live_slots.scalar_subquery())).label("has_needs"),
            exists().where(links.c.campaign_id == campaign_id).label("has_links"),
        )
        .outerjoin(slot, and_(slot.c.campaign_id == col(Campaign.id), slot.c.removed_at.is_(None)))
        .outerjoin(held, and_(held.c.slot_id == slot.c.id, held.c.status == CONFIRMED))
        .outerjoin(line, line.c.slot_id == slot.c.id)
        .where(col(Campaign.id) == campaign_id)
        .order_by(slot.c.position, slot.c.id, held.c.ticket)
        .execution_options(populate_existing=True)
    )


CARD_QUERY = _card_query()


async def campaign_view(session: AsyncSession, campaign_id: int) -> CampaignView | None:
    """Everything the live card shows, read fresh (one query unless slots need disciplines)."""
    rows = (await session.execute(CARD_QUERY, {"campaign_id": campaign_id})).all()
    if not rows:
        return None
    campaign = rows[0].Campaign
    views: dict[int, SlotView] = {}
    for row in rows:
        if row.slot_id is None:
            continue
        view = views.get(row.slot_id)
        if view is None:
            view = views[row.slot_id] = SlotView(
                row.slot_id, row.name, row.capacity, row.taken, [], row.offered or 0, row.waitlisted or 0
            )
        if row.user_id is not None:
            view.confirmed.append(row.user_id)
    names = await _needs(session, campaign, views) if rows[0].has_needs else {}
    links = await links_for(session, campaign_id) if rows[0].has_links else []
    return CampaignView(campaign, list(views.values()), links, names)


async def _needs(session: AsyncSession, campaign: Campaign, views: dict[int, SlotView]) -> dict[int, str]:
    """Fill in what disciplines each slot needs and what its confirmed members bring; return their names."""
    needs = await session.execute(
        select(col(SlotNeed.slot_id), col(SlotNeed.discipline_id), col(SlotNeed.count)).where(
            col(SlotNeed.slot_id).in_(list(views))
        )
    )
    for slot_id, discipline_id, count in needs:
        views[slot_id].needs[discipline_id] = count
    wanted = {d for v in views.values() for d in v.needs}
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(Discipline.id), col(Discipline.name)).where(col(Discipline.id).in_(wanted))
    )
    names = {discipline_id: name for discipline_id, name in rows if discipline_id is not None}
    for view in views.values():
        if view.needs and view.confirmed:
            held = await session.execute(
                select(col(MemberDiscipline.user_id), col(MemberDiscipline.discipline_id)).where(
                    col(MemberDiscipline.guild_id) == campaign.guild_id,
                    col(MemberDiscipline.user_id).in_(view.confirmed),
                )
            )
            by_user: dict[int, set[int]] = {}
            for user_id, discipline_id in held:
                by_user.setdefault(user_id, set()).add(discipline_id)
            view.confirmed_disciplines = list(by_user.values())
    return names


async def confirmed_members(session: AsyncSession, campaign_id: int) -> list[tuple[int, str]]:
    """(user id, slot name) of every confirmed member, in sign-up order."""
    rows = await session.execute(
        select(col(CampaignSignup.user_id), col(CampaignSlot.name))
        .join(CampaignSlot, col(CampaignSlot.id) == col(CampaignSignup.slot_id))
        .where(
            col(CampaignSignup.campaign_id) == campaign_id,
            col(CampaignSignup.status) == CONFIRMED,
            col(CampaignSlot.removed_at).is_(None),
            col(CampaignSignup.user_id) > 0,  # a member who deleted their data can no longer be reached
        )
        .order_by(col(CampaignSlot.position), col(CampaignSignup.ticket))
    )
    return [(user_id, name) for user_id, name in rows]


async def member_history(session: AsyncSession, guild_id: int, user_id: int) -> list[HistoryRow]:
    attendance = await session.execute(
        select(col(CampaignRollCall.campaign_id), col(RollCallAnswer.answer))
        .join(CampaignRollCall, col(CampaignRollCall.id) == col(RollCallAnswer.rollcall_id))
        .where(col(CampaignRollCall.guild_id) == guild_id, col(RollCallAnswer.user_id) == user_id)
        .order_by(col(RollCallAnswer.id))
    )
    answers = {campaign_id: answer for campaign_id, answer in attendance}
    rows = []
    for signup, slot, campaign in await member_signups(session, guild_id, user_id, active_only=False):
        position = await waitlist_position(session, signup) if signup.status == WAITLISTED else None
        rows.append(
            HistoryRow(
                stored_id(campaign),
                campaign.title,
                campaign.starts_at,
                slot.name,
                signup.status,
                position,
                signup.signed_up_at,
                answers.get(stored_id(campaign)),
            )
        )
    return rows


async def export_rows(session: AsyncSession, campaign_id: int) -> list[tuple[Any, ...]]:
    """One row per sign-up: profile name (or None), disciplines, organization, slot, status, signed up at,
    roll-call answer, member id."""
    signups = (
        await session.execute(
            select(CampaignSignup, col(CampaignSlot.name))
            .join(CampaignSlot, col(CampaignSlot.id) == col(CampaignSignup.slot_id))
            .where(col(CampaignSignup.campaign_id) == campaign_id)
            .order_by(col(CampaignSlot.position), col(CampaignSignup.ticket))
        )
    ).all()
    if not signups:
        return []
    guild_id = signups[0][0].guild_id
    user_ids = {s.user_id for s, _ in signups}
    profiles = {
        p.user_id: p
        for p in await session.scalars(
            select(MemberProfile).where(
                col(MemberProfile.guild_id) == guild_id, col(MemberProfile.user_id).in_(user_ids)
            )
        )
    }
    disciplines: dict[int, list[str]] = {}
    held = await session.execute(
        select(col(MemberDiscipline.user_id), col(Discipline.name))
        .join(Discipline, col(Discipline.id) == col(MemberDiscipline.discipline_id))
        .where(col(MemberDiscipline.guild_id) == guild_id, col(MemberDiscipline.user_id).in_(user_ids))
        .order_by(col(Discipline.name))
    )
    for user_id, name in held:
        disciplines.setdefault(user_id, []).append(name)
    answers: dict[int, str] = {}
    rows = await session.execute(
        select(col(RollCallAnswer.user_id), col(RollCallAnswer.answer))
        .join(CampaignRollCall, col(CampaignRollCall.id) == col(RollCallAnswer.rollcall_id))
        .where(col(CampaignRollCall.campaign_id) == campaign_id)
        .order_by(col(RollCallAnswer.id))
    )
    for user_id, answer in rows:
        answers[user_id] = answer
    out = []
    for signup, slot_name in signups:
        profile = profiles.get(signup.user_id)
        member = profile.display_name if profile and profile.display_name else None
        out.append(
            (
                member,
                "; ".join(disciplines.get(signup.user_id, [])),
                profile.organization if profile else "",
                slot_name,
                # "removed" alone could read as the member being removed; it was the slot.
                "slot removed" if signup.status == REMOVED else signup.status,
                signup.signed_up_at.isoformat(),
                answers.get(signup.user_id, ""),
                signup.user_id,
            )
        )
    return out


async def open_places_for(
    session: AsyncSession, guild_id: int, *, discipline_ids: set[int], now: datetime, limit: int = 3
) -> list[OpenPlace]:
    """Open places in campaigns still taking sign-ups, slots needing these disciplines first."""
    rows = (
        await session.execute(
            select(Campaign, CampaignSlot)
            .join(CampaignSlot, col(CampaignSlot.campaign_id) == col(Campaign.id))
            .where(
                col(Campaign.guild_id) == guild_id,
                col(Campaign.status) == OPEN,
                col(Campaign.signup_deadline) > now,
                col(CampaignSlot.removed_at).is_(None),
                col(CampaignSlot.taken) < col(CampaignSlot.capacity),
            )
            .order_by(col(Campaign.signup_deadline), col(CampaignSlot.position))
        )
    ).all()
    fitting: set[int] = set()
    if discipline_ids and rows:
        fitting = set(
            await session.scalars(
                select(col(SlotNeed.slot_id)).where(
                    col(SlotNeed.slot_id).in_([slot.id for _, slot in rows]),
                    col(SlotNeed.discipline_id).in_(discipline_ids),
                )
            )
        )
    places = [
        OpenPlace(
            stored_id(campaign),
            campaign.title,
            stored_id(slot),
            slot.name,
            slot.capacity - slot.taken,
            campaign.signup_deadline,
            slot.id in fitting,
        )
        for campaign, slot in rows
    ]
    places.sort(key=lambda p: not p.fits_disciplines)  # stable: keeps deadline order within each group
    return places[:limit]
