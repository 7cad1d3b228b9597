"""Per-guild configuration: channels, roles and the code of conduct, set through `/setup`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from db.types import Snowflake, UTCDateTime

ChannelPurpose = Literal["welcome", "introductions", "campaigns", "polls", "review", "audit", "announcements"]
RolePurpose = Literal["member", "organizer"]
CHANNEL_PURPOSES: tuple[ChannelPurpose, ...] = (
    "welcome",
    "introductions",
    "campaigns",
    "polls",
    "review",
    "audit",
)
# Purposes a server may leave unset without missing anything the bot needs (`/setup check` does not ask).
OPTIONAL_CHANNEL_PURPOSES: tuple[ChannelPurpose, ...] = ("announcements",)
ALL_CHANNEL_PURPOSES: tuple[ChannelPurpose, ...] = CHANNEL_PURPOSES + OPTIONAL_CHANNEL_PURPOSES
ROLE_PURPOSES: tuple[RolePurpose, ...] = ("member", "organizer")
CODE_OF_CONDUCT_MAX = 4000


class GuildConfig(SQLModel, table=True):
    __tablename__ = "guild_config"

    guild_id: int = Field(sa_type=Snowflake, primary_key=True)
    welcome_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    introductions_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    campaigns_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    polls_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    review_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    audit_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    # An announcement channel: campaign calls published there reach the servers that follow it.
    announcements_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    member_role_id: int | None = Field(default=None, sa_type=Snowflake)
    organizer_role_id: int | None = Field(default=None, sa_type=Snowflake)
    code_of_conduct: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def channel_id(self, purpose: ChannelPurpose) -> int | None:
        found: int | None = getattr(self, f"{purpose}_channel_id")
        return found

    def role_id(self, purpose: RolePurpose) -> int | None:
        found: int | None = getattr(self, f"{purpose}_role_id")
        return found


async def get_config(session: AsyncSession, guild_id: int) -> GuildConfig:
    """Return the guild's configuration, or an unsaved empty one."""
    return await session.get(GuildConfig, guild_id) or GuildConfig(guild_id=guild_id)


async def _edit(session: AsyncSession, guild_id: int, now: datetime, **changes: object) -> GuildConfig:
    config = await session.get(GuildConfig, guild_id) or GuildConfig(guild_id=guild_id)
    for name, value in changes.items():
        setattr(config, name, value)
    config.updated_at = now
    session.add(config)
    await session.flush()
    return config


async def set_channel(
    session: AsyncSession, guild_id: int, purpose: ChannelPurpose, channel_id: int | None, now: datetime
) -> GuildConfig:
    if purpose not in ALL_CHANNEL_PURPOSES:
        raise ValueError(f"unknown channel purpose {purpose!r}")
    return await _edit(session, guild_id, now, **{f"{purpose}_channel_id": channel_id})


async def set_role(
    session: AsyncSession, guild_id: int, purpose: RolePurpose, role_id: int | None, now: datetime
) -> GuildConfig:
    if purpose not in ROLE_PURPOSES:
        raise ValueError(f"unknown role purpose {purpose!r}")
    return await _edit(session, guild_id, now, **{f"{purpose}_role_id": role_id})


async def set_code_of_conduct(
    session: AsyncSession, guild_id: int, text: str | None, now: datetime
) -> GuildConfig:
    return await _edit(session, guild_id, now, code_of_conduct=text)
