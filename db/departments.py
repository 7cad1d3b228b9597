"""Health departments an organizer keeps per guild, and the aliases members may type for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db.types import Snowflake, UTCDateTime

NAME_MAX = 120


class Department(SQLModel, table=True):
    __tablename__ = "department"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    name: str = Field(max_length=NAME_MAX)
    created_at: datetime = Field(sa_type=UTCDateTime)


class DepartmentAlias(SQLModel, table=True):
    """A spelling of a department (its own name included); the folded spelling is unique per guild."""

    __tablename__ = "department_alias"
    __table_args__ = (
        UniqueConstraint("guild_id", "normalized", name="uq_department_alias_guild_normalized"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    department_id: int = Field(sa_column_args=[ForeignKey("department.id", ondelete="CASCADE")], index=True)
    alias: str = Field(max_length=NAME_MAX)
    normalized: str = Field(max_length=NAME_MAX)


async def list_departments(session: AsyncSession, guild_id: int) -> list[Department]:
    rows = await session.scalars(
        select(Department).where(col(Department.guild_id) == guild_id).order_by(col(Department.name))
    )
    return list(rows)


async def count_departments(session: AsyncSession, guild_id: int) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Department).where(col(Department.guild_id) == guild_id)
    )
    return int(total or 0)


async def get_department(session: AsyncSession, guild_id: int, department_id: int) -> Department | None:
    department = await session.get(Department, department_id)
    return department if department is not None and department.guild_id == guild_id else None


async def list_aliases(session: AsyncSession, guild_id: int) -> list[DepartmentAlias]:
    rows = await session.scalars(
        select(DepartmentAlias)
        .where(col(DepartmentAlias.guild_id) == guild_id)
        .order_by(col(DepartmentAlias.id))
    )
    return list(rows)


async def find_alias(session: AsyncSession, guild_id: int, normalized: str) -> DepartmentAlias | None:
    return (
        await session.scalars(
            select(DepartmentAlias).where(
                col(DepartmentAlias.guild_id) == guild_id, col(DepartmentAlias.normalized) == normalized
            )
        )
    ).first()


async def add_department(session: AsyncSession, guild_id: int, name: str, now: datetime) -> Department:
    department = Department(guild_id=guild_id, name=name, created_at=now)
    session.add(department)
    await session.flush()
    return department


async def add_alias(
    session: AsyncSession, department: Department, alias: str, normalized: str
) -> DepartmentAlias:
    assert department.id is not None
    row = DepartmentAlias(
        guild_id=department.guild_id, department_id=department.id, alias=alias, normalized=normalized
    )
    session.add(row)
    await session.flush()
    return row


async def delete_department(session: AsyncSession, department: Department) -> None:
    """Delete the department and its aliases; profiles that named it keep no department (SET NULL)."""
    await session.execute(delete(DepartmentAlias).where(col(DepartmentAlias.department_id) == department.id))
    await session.delete(department)
    await session.flush()


async def names_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.scalars(select(Department).where(col(Department.id).in_(list(ids))))
    return {row.id: row.name for row in rows if row.id is not None}
