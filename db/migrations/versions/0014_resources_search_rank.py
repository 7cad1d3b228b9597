"""resources search rank: each resource's title words and folded title, so that the database ranks and
orders a search itself and only the page shown leaves it; an index on guild and status that covers a
search's filter, so that counting its matches reads no resource row

Revision ID: 0014_resources_search_rank
Revises: 0013_campaigns_kit_reach
Create Date: 2026-12-04 14:20:00.000000
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_resources_search_rank"
down_revision: str | Sequence[str] | None = "0013_campaigns_kit_reach"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
# A frozen copy of how db.resources.words folds and splits a title as this revision was written, so that
# this revision fills the same values whatever that module says later (the model refreshes them on edit).
_WORD = re.compile(r"[^\W_]+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def upgrade() -> None:
    # Added in place (no table rebuild on SQLite, which would drop resource_fts's triggers).
    op.add_column("resource", sa.Column("title_words", sa.Text(), nullable=False, server_default=""))
    op.add_column("resource", sa.Column("title_key", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_resource_guild_status", "resource", ["guild_id", "status"], unique=False)
    resource = sa.table(
        "resource",
        sa.column("id", sa.Integer()),
        sa.column("title", sa.String()),
        sa.column("title_words", sa.Text()),
        sa.column("title_key", sa.Text()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(resource.c.id, resource.c.title)).all()
    update = (
        sa.update(resource)
        .where(resource.c.id == sa.bindparam("row_id"))
        .values(title_words=sa.bindparam("words"), title_key=sa.bindparam("key"))
    )
    for start in range(0, len(rows), BATCH):
        values = [
            {"row_id": row_id, "words": " ".join(_WORD.findall(_fold(title))), "key": _fold(title)}
            for row_id, title in rows[start : start + BATCH]
        ]
        bind.execute(update, values)


def downgrade() -> None:
    op.drop_index("ix_resource_guild_status", table_name="resource")
    # Dropped in place too (SQLite 3.35+ and PostgreSQL both know DROP COLUMN).
    op.execute("ALTER TABLE resource DROP COLUMN title_key")
    op.execute("ALTER TABLE resource DROP COLUMN title_words")
