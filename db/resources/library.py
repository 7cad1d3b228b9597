"""Adding, reviewing, editing and removing resources, and their links to areas, principles, disciplines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.resources.models import (
    PUBLISHER_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    AlreadyDecided,
    DuplicateResource,
    Resource,
    ResourceArea,
    ResourceDiscipline,
    ResourcePrinciple,
)
from db.resources.urls import check_url, normalize_url


async def link(
    session: AsyncSession,
    resource_id: int,
    *,
    area_keys: Iterable[str] = (),
    principle_ids: Iterable[str] = (),
    discipline_ids: Iterable[int] = (),
) -> None:
    """Link a stored resource to areas, principles and disciplines (each once)."""
    for key in dict.fromkeys(area_keys):
        session.add(ResourceArea(resource_id=resource_id, area_key=key))
    for principle_id in dict.fromkeys(principle_ids):
        session.add(ResourcePrinciple(resource_id=resource_id, principle_id=principle_id))
    for discipline_id in dict.fromkeys(discipline_ids):
        session.add(ResourceDiscipline(resource_id=resource_id, discipline_id=discipline_id))
    await session.flush()


async def find_by_url(session: AsyncSession, guild_id: int, url: str) -> Resource | None:
    """The guild's entry with the same normalised address (raises InvalidUrl for a bad address)."""
    statement = select(Resource).where(
        col(Resource.guild_id) == guild_id, col(Resource.normalized_url) == normalize_url(url)
    )
    return (await session.scalars(statement)).first()


async def create_resource(
    session: AsyncSession,
    guild_id: int,
    *,
    title: str,
    url: str,
    now: datetime,
    summary: str = "",
    kind: str = "other",
    publisher: str = "",
    status: str = "pending",
    suggested_by: int | None = None,
    reviewed_by: int | None = None,
    area_keys: Iterable[str] = (),
    principle_ids: Iterable[str] = (),
    discipline_ids: Iterable[int] = (),
) -> Resource:
    """Add a resource; raise DuplicateResource when the guild has the address, InvalidUrl when it is bad."""
    cleaned = check_url(url)
    existing = await find_by_url(session, guild_id, cleaned)
    if existing is not None:
        raise DuplicateResource(existing)
    resource = Resource(
        guild_id=guild_id,
        title=title.strip()[:TITLE_MAX],
        url=cleaned,
        normalized_url=normalize_url(cleaned),
        summary=(summary or "").strip()[:SUMMARY_MAX],
        kind=kind,
        publisher=(publisher or "").strip()[:PUBLISHER_MAX],
        status=status,
        suggested_by=suggested_by,
        created_at=now,
    )
    if status == "approved":
        resource.reviewed_by = reviewed_by
        resource.reviewed_at = now
        resource.last_reviewed = now.date()
    try:
        # A savepoint: when another writer added the same address a moment ago, the constraint decides.
        async with session.begin_nested():
            session.add(resource)
            await session.flush()
    except IntegrityError:
        existing = await find_by_url(session, guild_id, cleaned)
        if existing is None:
            raise
        raise DuplicateResource(existing) from None
    assert resource.id is not None  # flushed: the database gave it an id
    await link(
        session, resource.id, area_keys=area_keys, principle_ids=principle_ids, discipline_ids=discipline_ids
    )
    return resource


async def get_resource(session: AsyncSession, guild_id: int, resource_id: int) -> Resource | None:
    """The resource if it exists in this guild (an id from another guild finds nothing)."""
    resource = await session.get(Resource, resource_id)
    return resource if resource is not None and resource.guild_id == guild_id else None


async def approve(session: AsyncSession, resource: Resource, reviewer_id: int, now: datetime) -> Resource:
    """Approve a pending resource; raise AlreadyDecided when another reviewer decided it first."""
    return await _decide(
        session,
        resource,
        status="approved",
        reviewed_by=reviewer_id,
        reviewed_at=now,
        last_reviewed=now.date(),
        reject_reason=None,
    )


async def reject(
    session: AsyncSession, resource: Resource, reviewer_id: int, reason: str, now: datetime
) -> Resource:
    """Reject a pending resource; raise AlreadyDecided when another reviewer decided it first."""
    return await _decide(
        session,
        resource,
        status="rejected",
        reviewed_by=reviewer_id,
        reviewed_at=now,
        reject_reason=reason.strip()[:REASON_MAX] or None,
    )


async def _decide(session: AsyncSession, resource: Resource, **values: Any) -> Resource:
    # The status test in the WHERE clause decides a race: of an approve and a reject arriving together,
    # only one UPDATE still finds the row pending (on PostgreSQL the second waits, then matches nothing).
    result = await session.execute(
        update(Resource)
        .where(col(Resource.id) == resource.id, col(Resource.status) == "pending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise AlreadyDecided()
    decided = await session.get(Resource, resource.id, populate_existing=True)
    assert decided is not None  # the UPDATE above just matched it
    return decided


async def update_details(
    session: AsyncSession,
    resource: Resource,
    *,
    title: str,
    url: str,
    summary: str,
    publisher: str | None = None,
    kind: str | None = None,
) -> Resource:
    """Edit a resource's text and address; raise DuplicateResource when the new address is taken."""
    cleaned = check_url(url)
    key = normalize_url(cleaned)
    if key != resource.normalized_url:
        other = await find_by_url(session, resource.guild_id, cleaned)
        if other is not None and other.id != resource.id:
            raise DuplicateResource(other)
    resource.title = title.strip()[:TITLE_MAX]
    resource.url = cleaned
    resource.normalized_url = key
    resource.summary = (summary or "").strip()[:SUMMARY_MAX]
    if publisher is not None:
        resource.publisher = publisher.strip()[:PUBLISHER_MAX]
    if kind is not None:
        resource.kind = kind
    session.add(resource)
    await session.flush()
    return resource


async def set_review_message(
    session: AsyncSession, resource: Resource, channel_id: int, message_id: int
) -> None:
    resource.review_channel_id = channel_id
    resource.review_message_id = message_id
    session.add(resource)
    await session.flush()


async def delete_resource(session: AsyncSession, resource: Resource) -> None:
    # Links first: SQLite enforces ON DELETE CASCADE only with the foreign_keys pragma, which a raw
    # connection (the CLI, a test) may lack.
    await session.execute(delete(ResourceArea).where(col(ResourceArea.resource_id) == resource.id))
    await session.execute(delete(ResourcePrinciple).where(col(ResourcePrinciple.resource_id) == resource.id))
    await session.execute(
        delete(ResourceDiscipline).where(col(ResourceDiscipline.resource_id) == resource.id)
    )
    await session.delete(resource)
    await session.flush()


async def pending_resources(session: AsyncSession, guild_id: int, limit: int = 25) -> list[Resource]:
    rows = await session.scalars(
        select(Resource)
        .where(col(Resource.guild_id) == guild_id, col(Resource.status) == "pending")
        .order_by(col(Resource.created_at), col(Resource.id))
        .limit(limit)
    )
    return list(rows)


async def count_pending(session: AsyncSession, guild_id: int) -> int:
    counted = await session.scalar(
        select(func.count())
        .select_from(Resource)
        .where(col(Resource.guild_id) == guild_id, col(Resource.status) == "pending")
    )
    return int(counted or 0)
