"""What members published for a campaign: one row per reported link, unique per campaign."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db.campaigns.models import CampaignRefused
from db.types import Snowflake, UTCDateTime

POST_URL_MAX = 500
POST_NOTE_MAX = 200


class CampaignPost(SQLModel, table=True):
    __tablename__ = "campaign_post"
    __table_args__ = (
        # One report per published link and campaign, whoever reports it and however it is spelt.
        UniqueConstraint("campaign_id", "url_key", name="uq_campaign_post_url"),
        Index("ix_campaign_post_guild_user", "guild_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")], index=True)
    # The slot the member held when reporting; its name is kept so a removed slot still counts.
    slot_name: str = Field(default="", max_length=80)
    user_id: int = Field(sa_type=Snowflake)
    url: str = Field(max_length=POST_URL_MAX)
    url_key: str = Field(max_length=POST_URL_MAX)
    platform: str = Field(max_length=16)
    note: str = Field(default="", max_length=POST_NOTE_MAX)
    posted_at: datetime = Field(sa_type=UTCDateTime)


async def add_post(session: AsyncSession, post: CampaignPost) -> CampaignPost:
    """Store a reported post; refused when that link was already reported for the campaign."""
    try:
        async with session.begin_nested():
            session.add(post)
            await session.flush()
    except IntegrityError as exc:
        raise CampaignRefused("That link was already reported for this campaign: each counts once.") from exc
    return post


async def posts_for(session: AsyncSession, campaign_id: int) -> list[CampaignPost]:
    """Every post reported for a campaign, oldest first."""
    rows = await session.execute(
        select(CampaignPost)
        .where(col(CampaignPost.campaign_id) == campaign_id)
        .order_by(col(CampaignPost.posted_at), col(CampaignPost.id))
    )
    return list(rows.scalars())


async def count_posts(session: AsyncSession, campaign_id: int) -> int:
    """How many posts were reported for a campaign."""
    total = await session.scalar(
        select(func.count()).select_from(CampaignPost).where(col(CampaignPost.campaign_id) == campaign_id)
    )
    return int(total or 0)
