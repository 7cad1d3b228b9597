"""The discipline catalog per guild, each entry mapped to a Discord role, and who holds which."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from db.types import Snowflake, UTCDateTime

DISCIPLINE_NAME_MAX = 60
DEFAULT_DISCIPLINES: tuple[str, ...] = (
    "Epidemiology",
    "Environmental health",
    "Public health nursing",
    "Health education",
    "Policy and planning",
    "Urban planning",
    "Transportation",
    "Environmental justice",
    "Labor",
    "Community organizing",
    "Communications",
    "Data and informatics",
    "Leadership",
    "Research",
    "Community member",
)


class Discipline(SQLModel, table=True):
    __tablename__ = "discipline"
    __table_args__ = (
        UniqueConstraint("guild_id", "slug", name="uq_discipline_guild_slug"),
        UniqueConstraint("guild_id", "role_id", name="uq_discipline_guild_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    name: str = Field(max_length=DISCIPLINE_NAME_MAX)
    slug: str = Field(max_length=DISCIPLINE_NAME_MAX)
    role_id: int | None = Field(default=None, sa_type=Snowflake)
    created_at: datetime = Field(sa_type=UTCDateTime)


class MemberDiscipline(SQLModel, table=True):
    __tablename__ = "member_discipline"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", "discipline_id", name="uq_member_discipline"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    user_id: int = Field(sa_type=Snowflake)
    discipline_id: int = Field(sa_column_args=[ForeignKey("discipline.id", ondelete="CASCADE")], index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


def slugify(name: str) -> str:
    """The comparison key of a discipline name: lower-case words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


async def list_disciplines(session: AsyncSession, guild_id: int) -> list[Discipline]:
    rows = await session.scalars(
        select(Discipline).where(Discipline.guild_id == guild_id).order_by(func.lower(Discipline.name))
    )
    return list(rows)


async def seed_defaults(session: AsyncSession, guild_id: int, now: datetime) -> list[Discipline]:
    """Give a guild the default catalog the first time it is asked for; later calls change nothing."""
    existing = await list_disciplines(session, guild_id)
    if existing:
        return existing
    for name in DEFAULT_DISCIPLINES:
        session.add(Discipline(guild_id=guild_id, name=name, slug=slugify(name), created_at=now))
    await session.flush()
    return await list_disciplines(session, guild_id)


async def member_discipline_ids(session: AsyncSession, guild_id: int, user_id: int) -> set[int]:
    rows = await session.scalars(
        select(MemberDiscipline.discipline_id).where(
            MemberDiscipline.guild_id == guild_id, MemberDiscipline.user_id == user_id
        )
    )
    return set(rows)


async def set_member_disciplines(
    session: AsyncSession, guild_id: int, user_id: int, discipline_ids: set[int], now: datetime
) -> tuple[set[int], set[int]]:
    """Make the member's disciplines exactly these; return (added, removed) ids."""
    current = await member_discipline_ids(session, guild_id, user_id)
    added, removed = discipline_ids - current, current - discipline_ids
    if removed:
        await session.execute(
            delete(MemberDiscipline).where(
                MemberDiscipline.guild_id == guild_id,
                MemberDiscipline.user_id == user_id,
                MemberDiscipline.discipline_id.in_(removed),  # type: ignore[attr-defined]
            )
        )
    for discipline_id in added:
        session.add(
            MemberDiscipline(guild_id=guild_id, user_id=user_id, discipline_id=discipline_id, created_at=now)
        )
    await session.flush()
    return added, removed
