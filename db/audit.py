"""The audit log: one row per organizer action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Index, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

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


def _of_kind(guild_id: int, kind: str | None) -> list[ColumnElement[bool]]:
    where = [col(AuditEntry.guild_id) == guild_id]
    if kind:
        # autoescape: a kind is matched as typed, never as a LIKE pattern.
        where.append(col(AuditEntry.action).startswith(f"{kind}.", autoescape=True))
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
    rows = await session.scalars(
        select(AuditEntry)
        .where(*_of_kind(guild_id, kind))
        .order_by(col(AuditEntry.created_at).desc(), col(AuditEntry.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)
