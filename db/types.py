"""Column types shared by every model."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

# Discord snowflakes exceed 32 bits; SQLite's INTEGER is 64-bit already, PostgreSQL needs BIGINT.
Snowflake = BigInteger


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use discord.utils.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """A model's table, for hot paths written in SQLAlchemy Core (the ORM's own Python costs more there)."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


def insert_ignoring_conflict(
    session: AsyncSession, table: Table, conflict_columns: tuple[str, ...]
) -> Insert:
    """An INSERT that does nothing where a row with the same unique columns exists, in the session's dialect."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return _insert_ignoring_conflict(dialect, table, conflict_columns)


@functools.cache
def _insert_ignoring_conflict(dialect: str, table: Table, conflict_columns: tuple[str, ...]) -> Insert:
    # Built once per table: statements are immutable, and building one costs more than running it.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
