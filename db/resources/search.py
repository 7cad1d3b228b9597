"""Finding resources: saved searches, links, lists by area, autocomplete (the ranked search: `ranking`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    Text,
    delete,
    insert,
    literal_column,
    union_all,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.disciplines import Discipline
from db.resources import words
from db.resources.models import (
    RecommendationArea,
    Resource,
    ResourceArea,
    ResourceDiscipline,
    ResourcePrinciple,
    ResourceSearch,
)
from db.resources.ranking import by_title, is_postgres

Links = dict[str, list[str]]


def _approved_in(guild_id: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return col(Resource.guild_id) == guild_id, col(Resource.status) == "approved"


async def load_in_order(session: AsyncSession, ids: Sequence[int]) -> list[Resource]:
    """The resources with these ids, in the order given (missing ones skipped)."""
    if not ids:
        return []
    found = {r.id: r for r in await session.scalars(select(Resource).where(col(Resource.id).in_(ids)))}
    return [found[i] for i in ids if i in found]


async def vocabulary(session: AsyncSession, guild_id: int) -> set[str]:
    """Every word of the guild's approved resources and of the report's titles (for "did you mean")."""
    found: set[str] = set()
    for line in await session.scalars(select(Resource.search_text).where(*_approved_in(guild_id))):
        found.update(line.split())
    for title in await session.scalars(select(RecommendationArea.title)):
        found.update(words.tokens(title))
    return found


async def save_search(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    query: str,
    recommendation: str | None,
    discipline_id: int | None,
    now: datetime,
) -> int:
    """Store a member's search for its page buttons; its id."""
    saved = await session.scalar(
        insert(ResourceSearch)
        .values(
            guild_id=guild_id,
            user_id=user_id,
            query=query[: words.QUERY_MAX],
            recommendation=recommendation,
            discipline_id=discipline_id,
            created_at=now,
        )
        .returning(col(ResourceSearch.id))
    )
    assert saved is not None  # RETURNING gives the new row's id
    return saved


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A stored search and the name of its discipline (None when it has none, or it was removed)."""

    id: int
    user_id: int
    query: str
    recommendation: str | None
    discipline_id: int | None
    discipline_name: str | None


async def get_search(session: AsyncSession, guild_id: int, search_id: int) -> SavedSearch | None:
    """The saved search if it exists in this guild, with its discipline's name (one statement)."""
    row = (
        await session.execute(
            select(ResourceSearch, Discipline.name)
            .outerjoin(Discipline, col(Discipline.id) == ResourceSearch.discipline_id)
            .where(col(ResourceSearch.id) == search_id, col(ResourceSearch.guild_id) == guild_id)
        )
    ).first()
    if row is None:
        return None
    saved, name = row
    return SavedSearch(search_id, saved.user_id, saved.query, saved.recommendation, saved.discipline_id, name)


async def forget_searches_before(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(ResourceSearch).where(col(ResourceSearch.created_at) < cutoff))


async def area_resources(
    session: AsyncSession, guild_id: int, area_key: str, limit: int = 10
) -> list[Resource]:
    """Approved resources linked to this area, by title."""
    statement = (
        select(Resource)
        .join(ResourceArea, col(ResourceArea.resource_id) == Resource.id)
        .where(*_approved_in(guild_id), col(ResourceArea.area_key) == area_key)
    )
    return list(await session.scalars(statement.order_by(*by_title(is_postgres(session))).limit(limit)))


async def principle_resources(
    session: AsyncSession, guild_id: int, principle_id: str, limit: int = 5
) -> list[Resource]:
    """Approved resources about the principle as a whole, by title."""
    statement = (
        select(Resource)
        .join(ResourcePrinciple, col(ResourcePrinciple.resource_id) == Resource.id)
        .where(*_approved_in(guild_id), col(ResourcePrinciple.principle_id) == principle_id)
    )
    return list(await session.scalars(statement.order_by(*by_title(is_postgres(session))).limit(limit)))


async def resource_choices(
    session: AsyncSession,
    guild_id: int,
    typed: str,
    *,
    statuses: Sequence[str] = ("approved", "pending"),
    limit: int = 25,
) -> list[Resource]:
    """Resources whose title contains every typed word, by title (for autocomplete)."""
    rows = await session.execute(
        select(Resource.id, Resource.title).where(
            col(Resource.guild_id) == guild_id, col(Resource.status).in_(statuses)
        )
    )
    picked = [
        (words.fold(title), row_id or 0)
        for row_id, title in rows
        if words.matches_prefixes(typed, title) or typed.strip() == str(row_id)
    ]
    ids = [row_id for _title, row_id in sorted(picked)[:limit]]
    return await load_in_order(session, ids)


async def links_of(session: AsyncSession, resource_ids: Sequence[int]) -> dict[int, Links]:
    """For each id: {"areas": [keys], "principles": [ids], "disciplines": [names]} in a stable order.

    Areas come in the report's reading order (the area table's position).
    """
    found: dict[int, Links] = {i: {"areas": [], "principles": [], "disciplines": []} for i in resource_ids}
    if not resource_ids:
        return found
    # One statement for the three kinds of link: (resource, kind, value, place in the report).
    none: ColumnElement[int] = literal_column("0", Integer)
    areas = (
        core_select(
            col(ResourceArea.resource_id),
            literal_column("'areas'", Text),
            col(ResourceArea.area_key),
            col(RecommendationArea.position),
        )
        .join(RecommendationArea, col(RecommendationArea.key) == ResourceArea.area_key)
        .where(col(ResourceArea.resource_id).in_(resource_ids))
    )
    principles = core_select(
        col(ResourcePrinciple.resource_id),
        literal_column("'principles'", Text),
        col(ResourcePrinciple.principle_id),
        none,
    ).where(col(ResourcePrinciple.resource_id).in_(resource_ids))
    disciplines = (
        core_select(
            col(ResourceDiscipline.resource_id),
            literal_column("'disciplines'", Text),
            col(Discipline.name),
            none,
        )
        .join(Discipline, col(Discipline.id) == ResourceDiscipline.discipline_id)
        .where(col(ResourceDiscipline.resource_id).in_(resource_ids))
    )
    rows = await session.execute(union_all(areas, principles, disciplines))
    # Areas in the report's reading order, principles by id, disciplines by name whatever the case.
    for resource_id, kind, value, _position in sorted(
        rows, key=lambda row: (row[3], row[2].casefold(), row[2])
    ):
        found[resource_id][kind].append(value)
    return found
