"""onboarding: progress per guild and member

Revision ID: 0002_onboarding
Revises: 0001_foundation
Create Date: 2026-11-25 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import db.types

revision: str = "0002_onboarding"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onboarding_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("step", AutoString(length=32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("joined_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("started_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("last_activity_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("dm_closed", sa.Boolean(), nullable=False),
        sa.Column("dm_notice_sent_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("reminder_sent_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("followup_7_sent_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("followup_30_sent_at", db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guild_id", "user_id", name="uq_onboarding_progress_guild_user"),
    )
    with op.batch_alter_table("onboarding_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_onboarding_progress_guild_id"), ["guild_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("onboarding_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_progress_guild_id"))
    op.drop_table("onboarding_progress")
