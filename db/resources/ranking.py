"""Searches ranked, counted and cut to the page shown by the database itself, on both databases.

The database computes `words.score` (the ranking rule) in SQL from `search_text` and `title_words`, orders
by it (ties by id), and sends only the page shown and the number of matches. Statements are built once
per shape (how many terms, which filters) with bind parameters: building one costs more Python than
running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from sqlalchemy import BindParameter, ColumnElement, Text, bindparam, case, exists, func, literal_column, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.resources import words
from db.resources.models import Resource, ResourceArea, ResourceDiscipline, ResourcePrinciple
from db.types import table_of


class AreaFilter(Protocol):
    """What a recommendation filter tells storage: the areas it covers, and principles as a whole."""

    def area_keys(self) -> tuple[str, ...]: ...

    def principle_ids(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Found:
    """One page of a search: how many resources match in all, which page this is, its resources."""

    total: int
    page: int
    resources: list[Resource]


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a search statement's text depends on (its values are bind parameters)."""

    postgres: bool
    terms: int
    areas: bool
    principles: bool
    discipline: bool


def _full_text(postgres: bool) -> ColumnElement[bool]:
    """Matches every term as a prefix (`words.fts5_query` / `words.tsquery` give :fts_query)."""
    if postgres:
        simple: ColumnElement[str] = literal_column("'simple'::regconfig")
        document = func.to_tsvector(simple, col(Resource.search_text))
        return document.op("@@")(func.to_tsquery(simple, bindparam("fts_query", type_=Text)))
    matches = text("SELECT rowid FROM resource_fts WHERE resource_fts MATCH :fts_query")
    return col(Resource.id).in_(matches)


def _score(postgres: bool, terms: int) -> ColumnElement[int]:
    """`words.score` in SQL, for terms given as :term_N (with :word_N " term ", :prefix_N " term").

    search_text's words are separated by one space and hold none, so " term" occurs once for each word
    but the first that starts with the term: the characters `replace` removes, divided by the length of
    " term", count them (all integers, so `/` divides whole on both databases).
    """
    position = func.strpos if postgres else func.instr
    at_most = func.least if postgres else func.min
    space: ColumnElement[str] = literal_column("' '", Text)
    title, body = col(Resource.title_words), col(Resource.search_text)
    total: ColumnElement[int] = literal_column("0")
    for n in range(terms):
        term: BindParameter[str] = bindparam(f"term_{n}", type_=Text)
        word: BindParameter[str] = bindparam(f"word_{n}", type_=Text)
        prefix: BindParameter[str] = bindparam(f"prefix_{n}", type_=Text)
        in_title = case(
            # Most titles lack the term altogether: one search of the bare words rules them out.
            (position(title, term) == 0, 0),
            (position(space + title + space, word) > 0, 6),
            (position(space + title, prefix) > 0, 4),
            else_=0,
        )
        removed = func.length(body) - func.length(func.replace(body, prefix, ""))
        later = removed.self_group().op("/")(func.length(prefix))
        first = case((func.substr(body, 1, func.length(term)) == term, 1), else_=0)
        total = total + in_title + at_most(3, later + first)
    return total


def _narrowed(statement: Any, shape: _Shape) -> Any:
    """Only the guild's approved resources that pass the filters and hold every term."""
    statement = statement.where(
        col(Resource.guild_id) == bindparam("guild_id"), col(Resource.status) == "approved"
    )
    if shape.areas:
        covered: ColumnElement[bool] = exists().where(
            col(ResourceArea.resource_id) == Resource.id,
            col(ResourceArea.area_key).in_(bindparam("area_keys", expanding=True)),
        )
        if shape.principles:
            covered = covered | exists().where(
                col(ResourcePrinciple.resource_id) == Resource.id,
                col(ResourcePrinciple.principle_id).in_(bindparam("principle_ids", expanding=True)),
            )
        statement = statement.where(covered)
    if shape.discipline:
        statement = statement.where(
            exists().where(
                col(ResourceDiscipline.resource_id) == Resource.id,
                col(ResourceDiscipline.discipline_id) == bindparam("discipline_id"),
            )
        )
    return statement.where(_full_text(shape.postgres)) if shape.terms else statement


def by_title(postgres: bool) -> tuple[ColumnElement[Any], ...]:
    """Order by the folded title as Python compares it (code points: "C" on PostgreSQL), ties by id."""
    columns = table_of(Resource).c
    return (columns.title_key.collate("C") if postgres else columns.title_key, columns.id)


def _best_first(statement: Any, shape: _Shape) -> Any:
    """Ordered as the ranking rule says, ties by id; with no words, by title."""
    if not shape.terms:
        return statement.order_by(*by_title(shape.postgres))
    return statement.order_by(_score(shape.postgres, shape.terms).desc(), col(Resource.id))


@cache
def _page_statement(shape: _Shape) -> Any:
    """A page of resources, best first, each row with the number of matches (:size rows from :skip)."""
    # The total as a subquery the database runs once: cheaper than a window over every ranked match.
    total = _count_statement(shape).scalar_subquery().label("total")
    statement = _best_first(_narrowed(select(Resource, total), shape), shape)
    return statement.limit(bindparam("size")).offset(bindparam("skip"))


@cache
def _ids_statement(shape: _Shape) -> Any:
    return _best_first(_narrowed(select(Resource.id), shape), shape)


@cache
def _count_statement(shape: _Shape) -> Any:
    return _narrowed(select(func.count()).select_from(Resource), shape)


def is_postgres(session: AsyncSession) -> bool:
    """True when the session talks to PostgreSQL (the statements differ a little from SQLite's)."""
    bind = session.bind
    return bind is not None and bind.dialect.name == "postgresql"


def _shape_and_values(
    session: AsyncSession,
    guild_id: int,
    terms: Sequence[str],
    recommendation: AreaFilter | None,
    discipline_id: int | None,
) -> tuple[_Shape, dict[str, Any]]:
    postgres = is_postgres(session)
    values: dict[str, Any] = {"guild_id": guild_id}
    principles: tuple[str, ...] = ()
    if recommendation is not None:
        values["area_keys"] = list(recommendation.area_keys())
        principles = recommendation.principle_ids()
        if principles:
            values["principle_ids"] = list(principles)
    if discipline_id is not None:
        values["discipline_id"] = discipline_id
    if terms:
        values["fts_query"] = words.tsquery(terms) if postgres else words.fts5_query(terms)
    for n, term in enumerate(terms):
        values.update({f"term_{n}": term, f"word_{n}": f" {term} ", f"prefix_{n}": f" {term}"})
    shape = _Shape(
        postgres, len(terms), recommendation is not None, bool(principles), discipline_id is not None
    )
    return shape, values


async def search_page(
    session: AsyncSession,
    guild_id: int,
    query: str,
    *,
    recommendation: AreaFilter | None = None,
    discipline_id: int | None = None,
    page: int = 0,
    size: int = 10,
) -> Found:
    """One page of the approved resources that match, best first, and how many match, in one statement.

    A page past the end comes back as the last page (pages shift when resources are removed).
    """
    if words.only_stopwords(query):
        return Found(0, 0, [])
    shape, values = _shape_and_values(
        session, guild_id, words.query_terms(query), recommendation, discipline_id
    )
    page = max(page, 0)
    statement = _page_statement(shape)
    rows = (await session.execute(statement, {**values, "size": size, "skip": page * size})).all()
    if not rows and page > 0:
        # Past the end (resources were removed since the page buttons were drawn): show the last page.
        total = await session.scalar(_count_statement(shape), values) or 0
        page = max(0, -(-total // size) - 1)
        rows = (await session.execute(statement, {**values, "size": size, "skip": page * size})).all()
    if not rows:
        return Found(0, 0, [])
    return Found(rows[0][1], page, [row[0] for row in rows])


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
    if words.only_stopwords(query):
        return []
    shape, values = _shape_and_values(
        session, guild_id, words.query_terms(query), recommendation, discipline_id
    )
    return list(await session.scalars(_ids_statement(shape), values))
