"""disciplines and setup: posted discipline panels (redrawn when the catalog changes), how each discipline's
role came to it (created by the bot or mapped by an organizer), and the announcement channel

Revision ID: 0010_disciplines_panels
Revises: 0005_polls
Create Date: 2026-12-04 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import db.types

revision: str = "0010_disciplines_panels"
down_revision: str | Sequence[str] | None = "0008_onboarding_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discipline_panel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", name="uq_discipline_panel_message"),
    )
    with op.batch_alter_table("discipline_panel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discipline_panel_guild_id"), ["guild_id"], unique=False)
    with op.batch_alter_table("guild_config", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announcements_channel_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("discipline", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role_origin", AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("discipline", schema=None) as batch_op:
        batch_op.drop_column("role_origin")
    with op.batch_alter_table("guild_config", schema=None) as batch_op:
        batch_op.drop_column("announcements_channel_id")
    with op.batch_alter_table("discipline_panel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discipline_panel_guild_id"))
    op.drop_table("discipline_panel")
