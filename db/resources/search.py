"""Finding resources: full-text search on both databases, saved searches, links, lists by area."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, delete, exists, func, literal_column, text
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

Links = dict[str, list[str]]


class AreaFilter(Protocol):
    """What a recommendation filter tells storage: the areas it covers, and principles as a whole."""

    def area_keys(self) -> tuple[str, ...]: ...

    def principle_ids(self) -> tuple[str, ...]: ...


def _approved_in(guild_id: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return col(Resource.guild_id) == guild_id, col(Resource.status) == "approved"


def _filtered(
    statement: Any, guild_id: int, recommendation: AreaFilter | None, discipline_id: int | None
) -> Any:
    statement = statement.where(*_approved_in(guild_id))
    if recommendation is not None:
        covered: ColumnElement[bool] = exists().where(
            col(ResourceArea.resource_id) == Resource.id,
            col(ResourceArea.area_key).in_(recommendation.area_keys()),
        )
        principles = recommendation.principle_ids()
        if principles:
            covered = covered | exists().where(
                col(ResourcePrinciple.resource_id) == Resource.id,
                col(ResourcePrinciple.principle_id).in_(principles),
            )
        statement = statement.where(covered)
    if discipline_id is not None:
        statement = statement.where(
            exists().where(
                col(ResourceDiscipline.resource_id) == Resource.id,
                col(ResourceDiscipline.discipline_id) == discipline_id,
            )
        )
    return statement


def _full_text_condition(session: AsyncSession, terms: list[str]) -> ColumnElement[bool]:
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        simple: ColumnElement[str] = literal_column("'simple'::regconfig")
        document = func.to_tsvector(simple, col(Resource.search_text))
        return document.op("@@")(func.to_tsquery(simple, words.tsquery(terms)))
    matches = text("SELECT rowid FROM resource_fts WHERE resource_fts MATCH :fts_query").bindparams(
        fts_query=words.fts5_query(terms)
    )
    return col(Resource.id).in_(matches)


async def search_ids(
    session: AsyncSession,
    guild_id: int,
    query: str,
    *,
    recommendation: AreaFilter | None = None,
    discipline_id: int | None = None,
) -> list[int]:
    """Approved resources matching the words and filters, best first (ties by id); same on both databases.

    With no words, every resource that passes the filters, by title.
    """
    terms = words.query_terms(query)
    if not terms:
        if words.only_stopwords(query):
            return []
        rows = await session.execute(
            _filtered(select(Resource.id, Resource.title), guild_id, recommendation, discipline_id)
        )
        return [row_id for _title, row_id in sorted((words.fold(title), row_id) for row_id, title in rows)]
    statement = _filtered(
        select(Resource.id, Resource.title, Resource.search_text), guild_id, recommendation, discipline_id
    ).where(_full_text_condition(session, terms))
    rows = await session.execute(statement)
    return words.rank(terms, ((r[0], r[1], r[2]) for r in rows))


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
) -> ResourceSearch:
    saved = ResourceSearch(
        guild_id=guild_id,
        user_id=user_id,
        query=query[: words.QUERY_MAX],
        recommendation=recommendation,
        discipline_id=discipline_id,
        created_at=now,
    )
    session.add(saved)
    await session.flush()
    return saved


async def get_search(session: AsyncSession, guild_id: int, search_id: int) -> ResourceSearch | None:
    """The saved search if it exists in this guild."""
    saved = await session.get(ResourceSearch, search_id)
    return saved if saved is not None and saved.guild_id == guild_id else None


async def forget_searches_before(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(ResourceSearch).where(col(ResourceSearch.created_at) < cutoff))


async def area_resources(
    session: AsyncSession, guild_id: int, area_key: str, limit: int = 10
) -> list[Resource]:
    """Approved resources linked to this area, by title."""
    rows = await session.scalars(
        select(Resource)
        .join(ResourceArea, col(ResourceArea.resource_id) == Resource.id)
        .where(*_approved_in(guild_id), col(ResourceArea.area_key) == area_key)
    )
    return sorted(rows, key=lambda r: (words.fold(r.title), r.id or 0))[:limit]


async def principle_resources(
    session: AsyncSession, guild_id: int, principle_id: str, limit: int = 5
) -> list[Resource]:
    """Approved resources about the principle as a whole, by title."""
    rows = await session.scalars(
        select(Resource)
        .join(ResourcePrinciple, col(ResourcePrinciple.resource_id) == Resource.id)
        .where(*_approved_in(guild_id), col(ResourcePrinciple.principle_id) == principle_id)
    )
    return sorted(rows, key=lambda r: (words.fold(r.title), r.id or 0))[:limit]


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
    areas = await session.execute(
        select(ResourceArea.resource_id, ResourceArea.area_key)
        .join(RecommendationArea, col(RecommendationArea.key) == ResourceArea.area_key)
        .where(col(ResourceArea.resource_id).in_(resource_ids))
        .order_by(col(RecommendationArea.position))
    )
    for resource_id, key in areas:
        found[resource_id]["areas"].append(key)
    principles = await session.execute(
        select(ResourcePrinciple.resource_id, ResourcePrinciple.principle_id)
        .where(col(ResourcePrinciple.resource_id).in_(resource_ids))
        .order_by(col(ResourcePrinciple.principle_id))
    )
    for resource_id, principle_id in principles:
        found[resource_id]["principles"].append(principle_id)
    disciplines = await session.execute(
        select(ResourceDiscipline.resource_id, Discipline.name)
        .join(Discipline, col(Discipline.id) == ResourceDiscipline.discipline_id)
        .where(col(ResourceDiscipline.resource_id).in_(resource_ids))
    )
    for resource_id, name in disciplines:
        found[resource_id]["disciplines"].append(name)
    for links in found.values():
        links["disciplines"].sort(key=str.casefold)
    return found
