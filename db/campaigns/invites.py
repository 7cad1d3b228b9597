"""Invitations to members whose disciplines fit a slot, and the opt-out from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.campaigns.models import ACTIVE, Campaign, CampaignInvite, CampaignInviteOptOut, CampaignSignup
from db.disciplines import MemberDiscipline
from db.members import MemberProfile


async def set_invite_opt_out(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime, opted_out: bool = True
) -> None:
    existing = await session.scalar(
        select(CampaignInviteOptOut).where(
            col(CampaignInviteOptOut.guild_id) == guild_id, col(CampaignInviteOptOut.user_id) == user_id
        )
    )
    if opted_out and existing is None:
        session.add(CampaignInviteOptOut(guild_id=guild_id, user_id=user_id, created_at=now))
    elif not opted_out and existing is not None:
        await session.delete(existing)
    await session.flush()


async def invite_candidates(
    session: AsyncSession, campaign: Campaign, wanted: dict[int, tuple[int, str]]
) -> list[tuple[int, int, str]]:
    """(user id, slot id, discipline name) for members holding a wanted discipline who may be invited.

    `wanted` maps a discipline id to the slot that still needs it and the discipline's name. Skips
    members who opted out, were invited to this campaign before, left, or already signed up there.
    """
    if not wanted:
        return []
    excluded = set(
        await session.scalars(
            select(col(CampaignInviteOptOut.user_id)).where(
                col(CampaignInviteOptOut.guild_id) == campaign.guild_id
            )
        )
    )
    excluded |= set(
        await session.scalars(
            select(col(CampaignInvite.user_id)).where(col(CampaignInvite.campaign_id) == campaign.id)
        )
    )
    excluded |= set(
        await session.scalars(
            select(col(CampaignSignup.user_id)).where(
                col(CampaignSignup.campaign_id) == campaign.id, col(CampaignSignup.status).in_(ACTIVE)
            )
        )
    )
    departed = set(
        await session.scalars(
            select(col(MemberProfile.user_id)).where(
                col(MemberProfile.guild_id) == campaign.guild_id, col(MemberProfile.left_at).is_not(None)
            )
        )
    )
    rows = await session.execute(
        select(col(MemberDiscipline.user_id), col(MemberDiscipline.discipline_id))
        .where(
            col(MemberDiscipline.guild_id) == campaign.guild_id,
            col(MemberDiscipline.discipline_id).in_(wanted),
        )
        .order_by(col(MemberDiscipline.id))
    )
    out: list[tuple[int, int, str]] = []
    chosen: set[int] = set()
    for user_id, discipline_id in rows:
        if user_id in excluded or user_id in departed or user_id in chosen:
            continue
        chosen.add(user_id)
        slot_id, name = wanted[discipline_id]
        out.append((user_id, slot_id, name))
    return out


async def record_invite(
    session: AsyncSession, campaign_id: int, user_id: int, slot_id: int, now: datetime
) -> bool:
    try:
        async with session.begin_nested():
            session.add(
                CampaignInvite(campaign_id=campaign_id, user_id=user_id, slot_id=slot_id, sent_at=now)
            )
    except IntegrityError:
        return False
    return True
