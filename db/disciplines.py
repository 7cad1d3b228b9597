"""The discipline catalog per guild, each entry mapped to a Discord role, and who holds which."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ForeignKey, UniqueConstraint, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db import state
from db.types import Snowflake, UTCDateTime

if TYPE_CHECKING:
    from db.members import MemberProfile

DISCIPLINE_NAME_MAX = 60
RoleOrigin = Literal["created", "mapped"]
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
    # How the role came to stand for the discipline: "created" by the bot, or "mapped" by an organizer.
    # None for mappings made before this was recorded (they may be roles adopted by name).
    role_origin: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)


class MemberDiscipline(SQLModel, table=True):
    __tablename__ = "member_discipline"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", "discipline_id", name="uq_member_discipline"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    user_id: int = Field(sa_type=Snowflake)
    discipline_id: int = Field(sa_column_args=[ForeignKey("discipline.id", ondelete="CASCADE")], index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class DisciplinePanel(SQLModel, table=True):
    """A discipline panel posted in a channel, kept so that catalog edits can redraw it."""

    __tablename__ = "discipline_panel"
    __table_args__ = (UniqueConstraint("message_id", name="uq_discipline_panel_message"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    channel_id: int = Field(sa_type=Snowflake)
    message_id: int = Field(sa_type=Snowflake)
    created_at: datetime = Field(sa_type=UTCDateTime)


def slugify(name: str) -> str:
    """The comparison key of a discipline name: lower-case words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


async def list_disciplines(session: AsyncSession, guild_id: int) -> list[Discipline]:
    rows = await session.scalars(
        select(Discipline)
        .where(col(Discipline.guild_id) == guild_id)
        .order_by(func.lower(col(Discipline.name)))
    )
    return list(rows)


async def seed_defaults(session: AsyncSession, guild_id: int, now: datetime) -> list[Discipline]:
    """Give a guild the default catalog the first time it is asked for; later calls change nothing.

    Once seeded, an emptied catalog stays empty: organizers who deleted the defaults meant it.
    """
    existing = await list_disciplines(session, guild_id)
    marker = f"disciplines_seeded:{guild_id}"
    if await state.get_value(session, marker) is not None:
        return existing
    await state.set_value(session, marker, "1")
    if existing:
        return existing
    for name in DEFAULT_DISCIPLINES:
        session.add(Discipline(guild_id=guild_id, name=name, slug=slugify(name), created_at=now))
    await session.flush()
    return await list_disciplines(session, guild_id)


async def member_discipline_ids(session: AsyncSession, guild_id: int, user_id: int) -> set[int]:
    rows = await session.scalars(
        select(col(MemberDiscipline.discipline_id)).where(
            col(MemberDiscipline.guild_id) == guild_id, col(MemberDiscipline.user_id) == user_id
        )
    )
    return set(rows)


async def holders(session: AsyncSession, guild_id: int, discipline_id: int) -> list[int]:
    """The members tagged with a discipline, by id."""
    rows = await session.scalars(
        select(col(MemberDiscipline.user_id))
        .where(
            col(MemberDiscipline.guild_id) == guild_id, col(MemberDiscipline.discipline_id) == discipline_id
        )
        .order_by(col(MemberDiscipline.user_id))
    )
    return list(rows)


async def set_member_disciplines(
    session: AsyncSession, guild_id: int, user_id: int, discipline_ids: set[int], now: datetime
) -> tuple[set[int], set[int]]:
    """Make the member's disciplines exactly these; return (added, removed) ids."""
    current = await member_discipline_ids(session, guild_id, user_id)
    added, removed = discipline_ids - current, current - discipline_ids
    if removed:
        await session.execute(
            delete(MemberDiscipline).where(
                col(MemberDiscipline.guild_id) == guild_id,
                col(MemberDiscipline.user_id) == user_id,
                col(MemberDiscipline.discipline_id).in_(removed),
            )
        )
    for discipline_id in added:
        session.add(
            MemberDiscipline(guild_id=guild_id, user_id=user_id, discipline_id=discipline_id, created_at=now)
        )
    await session.flush()
    return added, removed


# ------------------------------------------------------------------ catalog edits and lookups (onboarding)


async def get_discipline(session: AsyncSession, guild_id: int, discipline_id: int) -> Discipline | None:
    """The discipline with this id, only if it belongs to this guild (ids from custom ids are untrusted)."""
    discipline = await session.get(Discipline, discipline_id)
    return discipline if discipline is not None and discipline.guild_id == guild_id else None


async def find_discipline(session: AsyncSession, guild_id: int, name: str) -> Discipline | None:
    """The guild's discipline whose name matches, ignoring case and punctuation."""
    return await session.scalar(
        select(Discipline).where(col(Discipline.guild_id) == guild_id, col(Discipline.slug) == slugify(name))
    )


async def create_discipline(
    session: AsyncSession, guild_id: int, name: str, now: datetime
) -> Discipline | None:
    """Add a discipline; None when one with the same name exists already."""
    discipline = Discipline(guild_id=guild_id, name=name, slug=slugify(name), created_at=now)
    try:
        async with session.begin_nested():
            session.add(discipline)
            await session.flush()
    except IntegrityError:
        return None
    return discipline


async def rename_discipline(session: AsyncSession, discipline: Discipline, name: str) -> bool:
    """Rename; False when another discipline of the guild already has that name."""
    clash = await find_discipline(session, discipline.guild_id, name)
    if clash is not None and clash.id != discipline.id:
        return False
    discipline.name, discipline.slug = name, slugify(name)
    session.add(discipline)
    await session.flush()
    return True


async def delete_discipline(session: AsyncSession, discipline: Discipline) -> None:
    await session.execute(
        delete(MemberDiscipline).where(col(MemberDiscipline.discipline_id) == discipline.id)
    )
    await session.delete(discipline)
    await session.flush()


async def set_discipline_role(
    session: AsyncSession, discipline: Discipline, role_id: int | None, origin: RoleOrigin | None = None
) -> bool:
    """Map the discipline to a role; False when that role already belongs to another discipline."""
    if role_id is not None:
        clash = await session.scalar(
            select(col(Discipline.id)).where(
                col(Discipline.guild_id) == discipline.guild_id,
                col(Discipline.role_id) == role_id,
                col(Discipline.id) != discipline.id,
            )
        )
        if clash is not None:
            return False
    # The unique constraint still guards a concurrent mapping; the caller's unit of work then fails whole.
    discipline.role_id = role_id
    discipline.role_origin = origin if role_id is not None else None
    session.add(discipline)
    await session.flush()
    return True


async def detach_role(session: AsyncSession, guild_id: int, role_id: int) -> int:
    """Forget a deleted role: the disciplines that used it keep their members and get a new role later."""
    result = await session.execute(
        update(Discipline)
        .where(col(Discipline.guild_id) == guild_id, col(Discipline.role_id) == role_id)
        .values(role_id=None, role_origin=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def disciplines_by_role(session: AsyncSession, guild_id: int, role_ids: set[int]) -> list[Discipline]:
    if not role_ids:
        return []
    rows = await session.scalars(
        select(Discipline).where(col(Discipline.guild_id) == guild_id, col(Discipline.role_id).in_(role_ids))
    )
    return list(rows)


async def add_member_discipline(
    session: AsyncSession, guild_id: int, user_id: int, discipline_id: int, now: datetime
) -> bool:
    """Tag the member; False when they already had it (a role event and a command may race)."""
    try:
        async with session.begin_nested():
            session.add(
                MemberDiscipline(
                    guild_id=guild_id, user_id=user_id, discipline_id=discipline_id, created_at=now
                )
            )
            await session.flush()
    except IntegrityError:
        return False
    return True


async def remove_member_discipline(
    session: AsyncSession, guild_id: int, user_id: int, discipline_id: int
) -> bool:
    result = await session.execute(
        delete(MemberDiscipline).where(
            col(MemberDiscipline.guild_id) == guild_id,
            col(MemberDiscipline.user_id) == user_id,
            col(MemberDiscipline.discipline_id) == discipline_id,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0) > 0


def _departed(guild_id: int) -> Any:
    """Members of this guild who left: they no longer count and are not listed."""
    from db.members import MemberProfile

    return select(col(MemberProfile.user_id)).where(
        col(MemberProfile.guild_id) == guild_id,
        col(MemberProfile.left_at).is_not(None),
    )


async def member_counts(session: AsyncSession, guild_id: int) -> dict[int, int]:
    """How many current members hold each discipline."""
    rows = await session.execute(
        select(col(MemberDiscipline.discipline_id), func.count())
        .where(
            col(MemberDiscipline.guild_id) == guild_id,
            col(MemberDiscipline.user_id).not_in(_departed(guild_id)),
        )
        .group_by(col(MemberDiscipline.discipline_id))
    )
    return {discipline_id: count for discipline_id, count in rows.all()}


def _listed(guild_id: int, discipline_id: int) -> tuple[Any, ...]:
    """Who the directory shows for a discipline: current members who chose to be listed."""
    from db.members import MemberProfile

    return (
        col(MemberProfile.guild_id) == guild_id,
        col(MemberProfile.directory_opt_in).is_(True),
        col(MemberProfile.left_at).is_(None),
        col(MemberProfile.user_id).in_(
            select(col(MemberDiscipline.user_id)).where(
                col(MemberDiscipline.guild_id) == guild_id,
                col(MemberDiscipline.discipline_id) == discipline_id,
            )
        ),
    )


async def directory_count(session: AsyncSession, guild_id: int, discipline_id: int) -> int:
    """How many members the directory lists for a discipline."""
    from db.members import MemberProfile

    found = await session.scalar(
        select(func.count()).select_from(MemberProfile).where(*_listed(guild_id, discipline_id))
    )
    return int(found or 0)


async def directory_page(
    session: AsyncSession, guild_id: int, discipline_id: int, *, offset: int, limit: int
) -> tuple[list[MemberProfile], int]:
    """One page of the opted-in directory for a discipline (profiles, by name) and the total."""
    from db.members import MemberProfile

    total = await directory_count(session, guild_id, discipline_id)
    rows = await session.scalars(
        select(MemberProfile)
        .where(*_listed(guild_id, discipline_id))
        .order_by(func.lower(col(MemberProfile.display_name)), col(MemberProfile.user_id))
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


# ------------------------------------------------------------------ posted panels


async def add_panel(
    session: AsyncSession, guild_id: int, channel_id: int, message_id: int, now: datetime
) -> None:
    session.add(
        DisciplinePanel(guild_id=guild_id, channel_id=channel_id, message_id=message_id, created_at=now)
    )
    await session.flush()


async def list_panels(session: AsyncSession, guild_id: int) -> list[DisciplinePanel]:
    rows = await session.scalars(
        select(DisciplinePanel)
        .where(col(DisciplinePanel.guild_id) == guild_id)
        .order_by(col(DisciplinePanel.id))
    )
    return list(rows)


async def remove_panels(session: AsyncSession, guild_id: int, message_ids: set[int]) -> int:
    """Forget panels whose message or channel is gone."""
    if not message_ids:
        return 0
    result = await session.execute(
        delete(DisciplinePanel).where(
            col(DisciplinePanel.guild_id) == guild_id, col(DisciplinePanel.message_id).in_(message_ids)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
