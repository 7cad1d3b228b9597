"""Apply Alembic migrations from code (start-up, `python -m bot db upgrade`, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel.sql.sqltypes import AutoString

from db.engine import Database
from db.types import UTCDateTime

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """Build the Alembic configuration without needing alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# Any fixed number: the key of the PostgreSQL advisory lock that lets one process migrate at a time.
MIGRATION_LOCK = 7_414_021


async def upgrade(database: Database, revision: str = "heads") -> None:
    """Bring the database to the newest schema (processes starting together take turns on PostgreSQL)."""
    async with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends: a second process waits, then finds nothing left to do.
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        await connection.run_sync(_run, "upgrade", revision)


async def downgrade(database: Database, revision: str) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_run, "downgrade", revision)


async def pending(database: Database) -> bool:
    """True when the database is behind the newest revision."""
    async with database.engine.connect() as connection:
        current = await connection.run_sync(
            lambda conn: set(MigrationContext.configure(conn).get_current_heads())
        )
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return current != heads


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types by name in revisions (every revision imports db.types)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "db.types.UTCDateTime()"
    if type_ == "type" and isinstance(obj, AutoString):
        # SQLModel's string type is a plain VARCHAR; `sa.String` keeps new revisions free of sqlmodel.
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave full-text tables and indexes (named *_fts*) to the raw SQL of their revision: they have no model."""
    return not (type_ in ("table", "index") and name is not None and "_fts" in name)


def _run(connection: Any, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)
