"""Member profiles: who a member is in the coalition, kept minimal and per guild."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db import departments as _departments  # noqa: F401  # the table department_id refers to
from db.types import Snowflake, UTCDateTime

# Field limits, shared by the onboarding modal, /profile edit and imports.
NAME_MAX = 80
ORGANIZATION_MAX = 120
JURISDICTION_MAX = 100
STATE_MAX = 40
JOB_TITLE_MAX = 100
PRONOUNS_MAX = 40


class MemberProfile(SQLModel, table=True):
    __tablename__ = "member_profile"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", name="uq_member_profile_guild_user"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    user_id: int = Field(sa_type=Snowflake)
    display_name: str | None = Field(default=None, max_length=NAME_MAX)
    organization: str | None = Field(default=None, max_length=ORGANIZATION_MAX)
    # Lower-cased, whitespace-folded organization: "one ballot per health department" groups on it.
    organization_key: str | None = Field(default=None, max_length=ORGANIZATION_MAX, index=True)
    # The known department the member works for (`db/departments.py`); polls count one ballot per it.
    department_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("department.id", ondelete="SET NULL")]
    )
    jurisdiction: str | None = Field(default=None, max_length=JURISDICTION_MAX)
    state: str | None = Field(default=None, max_length=STATE_MAX)
    job_title: str | None = Field(default=None, max_length=JOB_TITLE_MAX)
    pronouns: str | None = Field(default=None, max_length=PRONOUNS_MAX)
    # Interests: report chapters ("chapter:6") and coalition objectives ("objective:3").
    interests: list[str] = Field(default_factory=list, sa_type=JSON)
    directory_opt_in: bool = False
    # Set when the member leaves the server: they drop out of the directory but keep their history.
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)

    def summary_fields(self) -> dict[str, Any]:
        return {
            "Name": self.display_name,
            "Organization": self.organization,
            "Jurisdiction": self.jurisdiction,
            "State": self.state,
            "Job title": self.job_title,
            "Pronouns": self.pronouns,
        }


def organization_key(organization: str | None) -> str | None:
    """Fold an organization's name so that spacing and case do not split one department in two."""
    if not organization:
        return None
    return " ".join(organization.casefold().split()) or None


async def get_profile(session: AsyncSession, guild_id: int, user_id: int) -> MemberProfile | None:
    return (
        await session.scalars(
            select(MemberProfile).where(
                col(MemberProfile.guild_id) == guild_id, col(MemberProfile.user_id) == user_id
            )
        )
    ).first()


async def get_or_create_profile(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime
) -> MemberProfile:
    profile = await get_profile(session, guild_id, user_id)
    if profile is None:
        profile = MemberProfile(guild_id=guild_id, user_id=user_id, created_at=now, updated_at=now)
        session.add(profile)
        await session.flush()
    return profile


async def update_profile(
    session: AsyncSession, profile: MemberProfile, now: datetime, **changes: Any
) -> MemberProfile:
    for name, value in changes.items():
        setattr(profile, name, value)
    if "organization" in changes:
        profile.organization_key = organization_key(profile.organization)
    profile.updated_at = now
    session.add(profile)
    await session.flush()
    return profile


async def mark_left(session: AsyncSession, guild_id: int, user_id: int, now: datetime) -> bool:
    """Note that the member left the server: they drop out of the directory, their history stays."""
    profile = await get_profile(session, guild_id, user_id)
    if profile is None:
        return False
    profile.left_at = now
    profile.updated_at = now
    session.add(profile)
    await session.flush()
    return True


async def mark_returned(session: AsyncSession, guild_id: int, user_id: int, now: datetime) -> bool:
    """A departed member came back: list them again if they had opted in."""
    profile = await get_profile(session, guild_id, user_id)
    if profile is None or profile.left_at is None:
        return False
    profile.left_at = None
    profile.updated_at = now
    session.add(profile)
    await session.flush()
    return True
