"""The audit log: one row per organizer action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from db.types import Snowflake, UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_guild_created", "guild_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    actor_id: int | None = Field(default=None, sa_type=Snowflake)
    action: str = Field(max_length=64)
    detail: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)


async def record(
    session: AsyncSession, guild_id: int, actor_id: int | None, action: str, detail: str, now: datetime
) -> AuditEntry:
    entry = AuditEntry(guild_id=guild_id, actor_id=actor_id, action=action, detail=detail, created_at=now)
    session.add(entry)
    await session.flush()
    return entry


async def recent(session: AsyncSession, guild_id: int, limit: int = 20) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.guild_id == guild_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())  # type: ignore[attr-defined, union-attr]
        .limit(limit)
    )
    return list(rows)


def _of_kind(guild_id: int, kind: str | None) -> list[Any]:
    table = AuditEntry.__table__.c  # type: ignore[attr-defined]  # SQLModel tables carry __table__ at run time
    where = [table.guild_id == guild_id]
    if kind:
        where.append(table.action.like(f"{kind}.%"))
    return where


async def count(session: AsyncSession, guild_id: int, kind: str | None = None) -> int:
    """How many actions the guild's log holds (of one kind: actions named `kind.…`)."""
    total = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(*_of_kind(guild_id, kind))
    )
    return int(total or 0)


async def page(
    session: AsyncSession, guild_id: int, kind: str | None, *, offset: int, limit: int
) -> list[AuditEntry]:
    """A slice of the guild's log, newest first."""
    table = AuditEntry.__table__.c  # type: ignore[attr-defined]  # SQLModel tables carry __table__ at run time
    rows = await session.scalars(
        select(AuditEntry)
        .where(*_of_kind(guild_id, kind))
        .order_by(table.created_at.desc(), table.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)
