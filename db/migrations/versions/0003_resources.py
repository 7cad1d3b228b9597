"""resources: recommendation areas, resources and their links, saved searches, full-text indexes

Revision ID: 0003_resources
Revises: 0002_onboarding
Create Date: 2026-11-24 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = "0003_resources"
down_revision: str | Sequence[str] | None = "0002_onboarding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: an external-content FTS5 table over resource.search_text, kept in step by triggers.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE resource_fts USING fts5("
    "search_text, content='resource', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER resource_fts_insert AFTER INSERT ON resource BEGIN "
    "INSERT INTO resource_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER resource_fts_delete AFTER DELETE ON resource BEGIN "
    "INSERT INTO resource_fts(resource_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER resource_fts_update AFTER UPDATE OF search_text ON resource BEGIN "
    "INSERT INTO resource_fts(resource_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO resource_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS resource_fts_update",
    "DROP TRIGGER IF EXISTS resource_fts_delete",
    "DROP TRIGGER IF EXISTS resource_fts_insert",
    "DROP TABLE IF EXISTS resource_fts",
)
# PostgreSQL: a GIN index on the same words; db.resources queries with this exact expression.
POSTGRES_FTS = (
    "CREATE INDEX ix_resource_fts ON resource USING gin (to_tsvector('simple'::regconfig, search_text))"
)


def _area_rows() -> list[dict]:
    # The report's data as the project ships it; db.resources.sync_areas keeps later changes in step.
    from cogs.resources import report

    rows = []
    for position, area in enumerate(report.all_areas()):
        chapter = report.chapter(area.chapter_number)
        rows.append(
            {
                "key": area.key,
                "chapter_number": chapter.number,
                "principle_id": chapter.principle_ids[0],
                "title": area.title,
                "position": position,
            }
        )
    return rows


def upgrade() -> None:
    area_table = op.create_table(
        "recommendation_area",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("chapter_number", sa.Integer(), nullable=False),
        sa.Column("principle_id", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("normalized_url", sqlmodel.sql.sqltypes.AutoString(length=520), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("publisher", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("suggested_by", sa.BigInteger(), nullable=True),
        sa.Column("reviewed_by", sa.BigInteger(), nullable=True),
        sa.Column("reviewed_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("reject_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("last_reviewed", sa.Date(), nullable=True),
        sa.Column("review_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("review_message_id", sa.BigInteger(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guild_id", "normalized_url", name="uq_resource_guild_url"),
    )
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_guild_id"), ["guild_id"], unique=False)

    op.create_table(
        "resource_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("recommendation", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("discipline_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resource_search", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_search_created_at"), ["created_at"], unique=False)

    op.create_table(
        "resource_area",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("area_key", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(["area_key"], ["recommendation_area.key"]),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id", "area_key"),
    )
    with op.batch_alter_table("resource_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_area_area_key"), ["area_key"], unique=False)

    op.create_table(
        "resource_discipline",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("discipline_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["discipline_id"], ["discipline.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id", "discipline_id"),
    )
    with op.batch_alter_table("resource_discipline", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_discipline_discipline_id"), ["discipline_id"], unique=False
        )

    op.create_table(
        "resource_principle",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("principle_id", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id", "principle_id"),
    )

    op.bulk_insert(area_table, _area_rows())

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(POSTGRES_FTS)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_resource_fts")

    op.drop_table("resource_principle")
    with op.batch_alter_table("resource_discipline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_discipline_discipline_id"))
    op.drop_table("resource_discipline")
    with op.batch_alter_table("resource_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_area_area_key"))
    op.drop_table("resource_area")
    with op.batch_alter_table("resource_search", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_search_created_at"))
    op.drop_table("resource_search")
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_guild_id"))
    op.drop_table("resource")
    op.drop_table("recommendation_area")
