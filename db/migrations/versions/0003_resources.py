"""resources: recommendation areas, resources and their links, saved searches, full-text indexes

Revision ID: 0003_resources
Revises: 0002_onboarding
Create Date: 2026-11-24 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
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


# The report's action areas as they stood when this revision was written: a frozen copy, so that this
# revision builds the same table whatever the feature's data says later. Later changes reach the table
# through the resources feature's start-up sync (cogs/resources/service/catalog.py), never through here.
# (key, chapter, principle, title); the position is the row's place in this list.
AREAS: tuple[tuple[str, int, str, str], ...] = (
    ("5.a", 5, "P1", "Coherent early child development policy"),
    ("5.b", 5, "P1", "Universal early child development services"),
    ("5.c", 5, "P1", "Quality compulsory education for all"),
    ("6.a", 6, "P1", "Affordable housing and basic services"),
    ("6.b", 6, "P1", "Planning and regulation for healthy, safe behaviour"),
    ("6.c", 6, "P1", "Rural development"),
    ("6.d", 6, "P1", "Equity in climate and environmental policy"),
    ("7.a", 7, "P1", "Full and fair employment as a central policy goal"),
    ("7.b", 7, "P1", "Secure work paid at a living wage"),
    ("7.c", 7, "P1", "Healthier working conditions"),
    ("8.a", 8, "P1", "Universal social protection at a healthy-living income"),
    ("8.b", 8, "P1", "Cover people usually excluded"),
    ("9.a", 9, "P1", "Universal health care based on primary health care"),
    ("9.b", 9, "P1", "Public leadership in fair health financing"),
    ("9.c", 9, "P1", "Health workforce and brain drain"),
    ("10.a", 10, "P2", "Highest-level ownership of health equity"),
    ("10.b", 10, "P2", "Assess all policies for health-equity impact"),
    ("10.c", 10, "P2", "Health equity as a measure of government performance"),
    ("10.d", 10, "P2", "Health sector leads on social determinants"),
    ("11.a", 11, "P2", "More public finance for the social determinants"),
    ("11.b", 11, "P2", "Progressive taxation"),
    ("11.c", 11, "P2", "Aid, debt relief and fair international lending"),
    ("11.d", 11, "P2", "Fair allocation of public resources"),
    ("12.a", 12, "P2", "Health-equity impact assessment of economic agreements"),
    ("12.b", 12, "P2", "Public provision of essential goods and services"),
    ("12.c", 12, "P2", "Control of health-damaging commodities"),
    ("13.a", 13, "P2", "Enforced gender-equity law"),
    ("13.b", 13, "P2", "Gender equity unit"),
    ("13.c", 13, "P2", "Count unpaid work"),
    ("13.d", 13, "P2", "Sexual and reproductive health and rights"),
    ("14.a", 14, "P2", "Fair representation in decision-making"),
    ("14.b", 14, "P2", "Enable civil society to organise and act"),
    ("14.c", 14, "P2", "Rights-protecting legal and political systems"),
    ("15.a", 15, "P2", "Health equity as a core global development goal"),
    ("15.b", 15, "P2", "Multilateral coherence and WHO leadership"),
    ("16.a", 16, "P3", "Health equity surveillance"),
    ("16.b", 16, "P3", "Basic data systems and vital registration"),
    ("16.c", 16, "P3", "Evaluate action"),
    ("16.d", 16, "P3", "Expand and share the evidence base"),
    ("16.e", 16, "P3", "Train the workforce"),
    ("16.f", 16, "P3", "Raise public awareness"),
    ("16.g", 16, "P3", "WHO capacity and technical support"),
)


def _area_rows() -> list[dict[str, object]]:
    return [
        {
            "key": key,
            "chapter_number": chapter,
            "principle_id": principle,
            "title": title,
            "position": position,
        }
        for position, (key, chapter, principle, title) in enumerate(AREAS)
    ]


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
