"""Reminders sent once per member, and roll calls with their answers and nudges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.campaigns.models import (
    CLOSED,
    DECLINED,
    OPEN,
    PENDING,
    READY,
    SILENT,
    Campaign,
    CampaignRefused,
    CampaignReminderSent,
    CampaignRollCall,
    RollCallAnswer,
    rowcount,
    stored_id,
)


async def claim_reminder(
    session: AsyncSession, campaign_id: int, user_id: int, hours: int, now: datetime
) -> bool:
    """Mark this reminder as sent to this member; False if it was already (by us or another process)."""
    try:
        async with session.begin_nested():
            session.add(
                CampaignReminderSent(
                    campaign_id=campaign_id, user_id=user_id, hours_before=hours, sent_at=now
                )
            )
    except IntegrityError:
        return False
    return True


async def release_reminder(session: AsyncSession, campaign_id: int, user_id: int, hours: int) -> None:
    """Take back a claim whose reminder Discord failed to deliver, so that a retry sends it."""
    await session.execute(
        delete(CampaignReminderSent).where(
            col(CampaignReminderSent.campaign_id) == campaign_id,
            col(CampaignReminderSent.user_id) == user_id,
            col(CampaignReminderSent.hours_before) == hours,
        )
    )


# ---------------------------------------------------------------------------------- roll calls


async def create_rollcall(
    session: AsyncSession,
    campaign: Campaign,
    *,
    created_by: int,
    now: datetime,
    nudge_at: datetime,
    closes_at: datetime,
    members: list[tuple[int, str]],
) -> CampaignRollCall:
    rollcall = CampaignRollCall(
        guild_id=campaign.guild_id,
        campaign_id=stored_id(campaign),
        created_by=created_by,
        created_at=now,
        nudge_at=nudge_at,
        closes_at=closes_at,
    )
    session.add(rollcall)
    await session.flush()
    seen: set[int] = set()
    for user_id, slot_name in members:
        if user_id in seen:
            continue
        seen.add(user_id)
        session.add(RollCallAnswer(rollcall_id=stored_id(rollcall), user_id=user_id, slot_name=slot_name))
    await session.flush()
    return rollcall


async def delete_rollcall(session: AsyncSession, rollcall_id: int) -> None:
    """Forget a roll call whose message could not be posted (no one was ever asked)."""
    await session.execute(delete(RollCallAnswer).where(col(RollCallAnswer.rollcall_id) == rollcall_id))
    await session.execute(delete(CampaignRollCall).where(col(CampaignRollCall.id) == rollcall_id))


async def set_rollcall_message(
    session: AsyncSession, rollcall_id: int, channel_id: int, message_id: int
) -> None:
    await session.execute(
        update(CampaignRollCall)
        .where(col(CampaignRollCall.id) == rollcall_id)
        .values(channel_id=channel_id, message_id=message_id)
    )


async def get_rollcall(session: AsyncSession, rollcall_id: int) -> CampaignRollCall | None:
    return await session.scalar(
        select(CampaignRollCall)
        .where(col(CampaignRollCall.id) == rollcall_id)
        .execution_options(populate_existing=True)
    )


async def rollcall_answers(session: AsyncSession, rollcall_id: int) -> list[RollCallAnswer]:
    rows = await session.scalars(
        select(RollCallAnswer)
        .where(col(RollCallAnswer.rollcall_id) == rollcall_id)
        .order_by(col(RollCallAnswer.id))
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def answer_rollcall(
    session: AsyncSession, rollcall_id: int, user_id: int, answer: str, now: datetime
) -> RollCallAnswer:
    rollcall = await get_rollcall(session, rollcall_id)
    if rollcall is None:
        raise CampaignRefused("That roll call no longer exists.")
    if rollcall.status != OPEN:
        raise CampaignRefused("This roll call is closed.")
    row = await session.scalar(
        select(RollCallAnswer)
        .where(col(RollCallAnswer.rollcall_id) == rollcall_id, col(RollCallAnswer.user_id) == user_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise CampaignRefused(
            "This roll call is for the confirmed members of the campaign, and you are not among them."
        )
    if row.answer == DECLINED and answer == READY:
        raise CampaignRefused(
            "You already said you can't make it, and your place was passed on. Thank you for letting us know."
        )
    row.answer, row.answered_at = answer, now
    session.add(row)
    await session.flush()
    return row


async def claim_nudge(session: AsyncSession, rollcall_id: int, user_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(RollCallAnswer)
        .where(
            col(RollCallAnswer.rollcall_id) == rollcall_id,
            col(RollCallAnswer.user_id) == user_id,
            col(RollCallAnswer.answer) == PENDING,
            col(RollCallAnswer.nudged_at).is_(None),
        )
        .values(nudged_at=now)
    )
    return rowcount(result) == 1


async def close_rollcall(session: AsyncSession, rollcall_id: int, now: datetime) -> bool:
    """Close once: the unanswered become silent in the attendance record. False if already closed."""
    result = await session.execute(
        update(CampaignRollCall)
        .where(col(CampaignRollCall.id) == rollcall_id, col(CampaignRollCall.status) == OPEN)
        .values(status=CLOSED, closed_at=now)
    )
    if rowcount(result) != 1:
        return False
    await session.execute(
        update(RollCallAnswer)
        .where(col(RollCallAnswer.rollcall_id) == rollcall_id, col(RollCallAnswer.answer) == PENDING)
        .values(answer=SILENT)
    )
    return True
