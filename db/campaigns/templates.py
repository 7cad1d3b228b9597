"""Saved campaign templates: a campaign's slots, capacities, needs and kit, kept as JSON under a name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db.campaigns.models import CampaignRefused
from db.types import Snowflake, UTCDateTime

TEMPLATE_NAME_MAX = 80
TEMPLATES_MAX = 50


class CampaignTemplate(SQLModel, table=True):
    """What a new campaign copies; who saved it is in the audit log, not here (nothing personal to forget)."""

    __tablename__ = "campaign_template"
    __table_args__ = (UniqueConstraint("guild_id", "name", name="uq_campaign_template_name"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    name: str = Field(max_length=TEMPLATE_NAME_MAX)
    # {"description", "offer_window_hours", "slots": [{"name", "capacity", "needs": {id: n}}], "kit": {...}}
    body: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)


async def save_template(
    session: AsyncSession, guild_id: int, name: str, body: dict[str, Any], now: datetime
) -> CampaignTemplate:
    """Store a template under a new name; refused when the name is taken or there are too many."""
    existing = await list_templates(session, guild_id)
    if len(existing) >= TEMPLATES_MAX:
        raise CampaignRefused(f"A server keeps at most {TEMPLATES_MAX} templates: delete one first.")
    taken = f"A template called **{name}** exists already: pick another name."
    if any(t.name.casefold() == name.casefold() for t in existing):  # names differing only in case confuse
        raise CampaignRefused(taken)
    template = CampaignTemplate(guild_id=guild_id, name=name, body=body, created_at=now)
    try:
        async with session.begin_nested():
            session.add(template)
            await session.flush()
    except IntegrityError as exc:
        raise CampaignRefused(taken) from exc
    return template


async def list_templates(session: AsyncSession, guild_id: int) -> list[CampaignTemplate]:
    rows = await session.scalars(
        select(CampaignTemplate)
        .where(col(CampaignTemplate.guild_id) == guild_id)
        .order_by(col(CampaignTemplate.name))
    )
    return list(rows)


async def find_template(session: AsyncSession, guild_id: int, text: str) -> CampaignTemplate | None:
    """A template of this server by id (from autocomplete) or exact name."""
    wanted = text.strip()
    for template in await list_templates(session, guild_id):
        if str(template.id) == wanted or template.name.casefold() == wanted.casefold():
            return template
    return None


async def delete_template(session: AsyncSession, template: CampaignTemplate) -> None:
    await session.execute(delete(CampaignTemplate).where(col(CampaignTemplate.id) == template.id))
