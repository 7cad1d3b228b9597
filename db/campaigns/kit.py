"""A campaign's media kit: library resources and links it points to, talking points, hashtags, key messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db.campaigns.models import CampaignRefused
from db.resources.models import Resource
from db.types import UTCDateTime

KIT_TEXT_MAX = 4000  # a form's paragraph holds at most 4000 characters
HASHTAGS_MAX = 300
KIT_ITEMS_MAX = 15
RESOURCE, LINK = "resource", "link"


class CampaignKit(SQLModel, table=True):
    """The kit's words, one row per campaign."""

    __tablename__ = "campaign_kit"
    __table_args__ = (UniqueConstraint("campaign_id", name="uq_campaign_kit_campaign"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")])
    talking_points: str = Field(default="", sa_type=Text)
    hashtags: str = Field(default="", max_length=HASHTAGS_MAX)
    key_messages: str = Field(default="", sa_type=Text)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CampaignKitItem(SQLModel, table=True):
    """A resource of the library, or a plain link (the old toolkit options), in a campaign's kit."""

    __tablename__ = "campaign_kit_item"
    __table_args__ = (UniqueConstraint("campaign_id", "resource_id", name="uq_campaign_kit_resource"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")], index=True)
    kind: str = Field(default=RESOURCE, max_length=16)
    resource_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("resource.id", ondelete="CASCADE")]
    )
    title: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=500)
    position: int = 0


async def kit_text(session: AsyncSession, campaign_id: int) -> CampaignKit | None:
    return (
        await session.scalars(select(CampaignKit).where(col(CampaignKit.campaign_id) == campaign_id))
    ).first()


async def set_text(
    session: AsyncSession,
    campaign_id: int,
    now: datetime,
    *,
    talking_points: str,
    hashtags: str,
    key_messages: str,
) -> CampaignKit:
    """Write the kit's words (creating the row the first time)."""
    kit = await kit_text(session, campaign_id) or CampaignKit(campaign_id=campaign_id, updated_at=now)
    kit.talking_points, kit.hashtags, kit.key_messages, kit.updated_at = (
        talking_points,
        hashtags,
        key_messages,
        now,
    )
    session.add(kit)
    await session.flush()
    return kit


async def items_for(session: AsyncSession, campaign_id: int) -> list[tuple[CampaignKitItem, Resource | None]]:
    """The kit's resources and links in order, each resource with its library row."""
    rows = await session.execute(
        select(CampaignKitItem, Resource)
        .outerjoin(Resource, col(Resource.id) == col(CampaignKitItem.resource_id))
        .where(col(CampaignKitItem.campaign_id) == campaign_id)
        .order_by(col(CampaignKitItem.position), col(CampaignKitItem.id))
    )
    return [(item, resource) for item, resource in rows.all()]


async def _next_position(session: AsyncSession, campaign_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(CampaignKitItem)
        .where(col(CampaignKitItem.campaign_id) == campaign_id)
    )
    if int(count or 0) >= KIT_ITEMS_MAX:
        raise CampaignRefused(f"A kit holds at most {KIT_ITEMS_MAX} resources and links.")
    return int(count or 0)


async def add_resource(session: AsyncSession, campaign_id: int, resource: Resource) -> CampaignKitItem:
    """Put a library resource in the kit; refused when it is there already."""
    item = CampaignKitItem(
        campaign_id=campaign_id,
        kind=RESOURCE,
        resource_id=resource.id,
        title=resource.title,
        url=resource.url,
        position=await _next_position(session, campaign_id),
    )
    try:
        async with session.begin_nested():
            session.add(item)
            await session.flush()
    except IntegrityError as exc:
        raise CampaignRefused(f"**{resource.title}** is already in the kit.") from exc
    return item


async def add_links(session: AsyncSession, campaign_id: int, links: list[tuple[str, str]]) -> None:
    """Put plain links (title, address) in the kit, after what it holds."""
    for title, url in links:
        position = await _next_position(session, campaign_id)
        session.add(
            CampaignKitItem(campaign_id=campaign_id, kind=LINK, title=title, url=url, position=position)
        )
        await session.flush()


async def remove_item(session: AsyncSession, campaign_id: int, item_id: int) -> bool:
    """Take a resource or link out of the kit; False when it was not there."""
    result = await session.execute(
        delete(CampaignKitItem).where(
            col(CampaignKitItem.campaign_id) == campaign_id, col(CampaignKitItem.id) == item_id
        )
    )
    return bool(getattr(result, "rowcount", 0))
