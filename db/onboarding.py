"""Onboarding progress per guild and member: the step reached, each answer as given, and nudge bookkeeping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db.types import Snowflake, UTCDateTime

# Columns that record a one-time message; claim_once() sets each at most once, release() undoes a claim whose
# message Discord refused for a while (a 500), so that a retry can send it.
ONCE_FLAGS = (
    "dm_notice_sent_at",
    "reminder_sent_at",
    "followup_7_sent_at",
    "followup_30_sent_at",
    "introduced_at",
    "picks_sent_at",
)


class OnboardingProgress(SQLModel, table=True):
    __tablename__ = "onboarding_progress"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", name="uq_onboarding_progress_guild_user"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    user_id: int = Field(sa_type=Snowflake)
    step: str = Field(default="welcome", max_length=32)
    # Every answer exactly as the member gave it, keyed by step ("about", "disciplines", ...).
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    joined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_activity_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The member's DMs were closed the last time we tried; the flow then runs from the welcome channel.
    dm_closed: bool = False
    dm_notice_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminder_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followup_7_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followup_30_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What finishing owes the member beyond roles: the introduction post and the resource picks.
    introduced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    picks_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Resources already sent (at completion, day 7): each follow-up brings new ones.
    sent_resource_ids: list[int] = Field(default_factory=list, sa_type=JSON)

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


async def get_progress(session: AsyncSession, guild_id: int, user_id: int) -> OnboardingProgress | None:
    return (
        await session.scalars(
            select(OnboardingProgress)
            .where(col(OnboardingProgress.guild_id) == guild_id, col(OnboardingProgress.user_id) == user_id)
            .execution_options(populate_existing=True)
        )
    ).first()


async def get_or_create_progress(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime, *, joined: bool = False
) -> OnboardingProgress:
    """The member's progress, created on first sight (a concurrent creation is tolerated)."""
    progress = await get_progress(session, guild_id, user_id)
    if progress is None:
        progress = OnboardingProgress(
            guild_id=guild_id, user_id=user_id, joined_at=now if joined else None, answers={}
        )
        try:
            async with session.begin_nested():
                session.add(progress)
                await session.flush()
        except IntegrityError:
            progress = await get_progress(session, guild_id, user_id)
            if progress is None:
                raise
    elif joined and progress.joined_at is None:
        progress.joined_at = now
        session.add(progress)
    return progress


async def start(session: AsyncSession, progress: OnboardingProgress, now: datetime) -> OnboardingProgress:
    """Mark the flow started (the first time only) and note activity."""
    if progress.started_at is None:
        progress.started_at = now
    progress.last_activity_at = now
    session.add(progress)
    await session.flush()
    return progress


async def save_answer(
    session: AsyncSession,
    progress: OnboardingProgress,
    key: str,
    value: Any,
    now: datetime,
    *,
    next_step: str | None = None,
) -> OnboardingProgress:
    """Store one answer as given, optionally move to the next step, and note activity."""
    # A new dict: in-place changes to a JSON column are not tracked.
    progress.answers = {**(progress.answers or {}), key: value}
    if next_step is not None:
        progress.step = next_step
    progress.last_activity_at = now
    if progress.started_at is None:
        progress.started_at = now
    session.add(progress)
    await session.flush()
    return progress


async def set_step(
    session: AsyncSession, progress: OnboardingProgress, step: str, now: datetime
) -> OnboardingProgress:
    progress.step = step
    progress.last_activity_at = now
    session.add(progress)
    await session.flush()
    return progress


async def set_dm_closed(session: AsyncSession, guild_id: int, user_id: int, closed: bool) -> None:
    await session.execute(
        update(OnboardingProgress)
        .where(col(OnboardingProgress.guild_id) == guild_id, col(OnboardingProgress.user_id) == user_id)
        .values(dm_closed=closed)
    )


async def claim_finish(session: AsyncSession, guild_id: int, user_id: int, now: datetime) -> bool:
    """Record completion; False when it was already recorded (a double click, another process)."""
    result = await session.execute(
        update(OnboardingProgress)
        .where(
            col(OnboardingProgress.guild_id) == guild_id,
            col(OnboardingProgress.user_id) == user_id,
            col(OnboardingProgress.finished_at).is_(None),
        )
        .values(finished_at=now, step="done", last_activity_at=now)
    )
    return _rowcount(result) == 1


async def claim_once(session: AsyncSession, guild_id: int, user_id: int, flag: str, now: datetime) -> bool:
    """Set a one-time flag; False when it was already set, so the message it guards is never sent twice."""
    if flag not in ONCE_FLAGS:
        raise ValueError(f"unknown flag {flag!r}")
    column = col(getattr(OnboardingProgress, flag))
    result = await session.execute(
        update(OnboardingProgress)
        .where(
            col(OnboardingProgress.guild_id) == guild_id,
            col(OnboardingProgress.user_id) == user_id,
            column.is_(None),
        )
        .values({flag: now})
    )
    return _rowcount(result) == 1


async def release(session: AsyncSession, guild_id: int, user_id: int, flag: str) -> None:
    """Undo a one-time claim whose message could not be sent, so that a retry may send it."""
    if flag not in ONCE_FLAGS:
        raise ValueError(f"unknown flag {flag!r}")
    await session.execute(
        update(OnboardingProgress)
        .where(col(OnboardingProgress.guild_id) == guild_id, col(OnboardingProgress.user_id) == user_id)
        .values({flag: None})
    )


async def remember_sent(session: AsyncSession, progress: OnboardingProgress, resource_ids: list[int]) -> None:
    """Add resources to those the member has received, so that later follow-ups bring new ones."""
    known = list(progress.sent_resource_ids or [])
    progress.sent_resource_ids = known + [i for i in resource_ids if i not in known]
    session.add(progress)
    await session.flush()


async def funnel_counts(session: AsyncSession, guild_id: int) -> tuple[int, int, int, dict[str, int]]:
    """(known, started, finished, unfinished members per step) for one guild."""
    in_guild = col(OnboardingProgress.guild_id) == guild_id
    started = col(OnboardingProgress.started_at).is_not(None)
    finished = col(OnboardingProgress.finished_at).is_not(None)
    counted = select(func.count(col(OnboardingProgress.id)))
    known_count = await session.scalar(counted.where(in_guild)) or 0
    started_count = await session.scalar(counted.where(in_guild, started)) or 0
    finished_count = await session.scalar(counted.where(in_guild, finished)) or 0
    rows = await session.execute(
        select(col(OnboardingProgress.step), func.count(col(OnboardingProgress.id)))
        .where(in_guild, started, col(OnboardingProgress.finished_at).is_(None))
        .group_by(col(OnboardingProgress.step))
    )
    return known_count, started_count, finished_count, {str(row[0]): int(row[1]) for row in rows.all()}


def _rowcount(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else int(getattr(result, "rowcount", 0))
