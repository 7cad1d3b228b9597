"""polls: polls and their ballots (one per member, and per department when asked)

Revision ID: 0005_polls
Revises: 0004_campaigns
Create Date: 2026-11-25 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import db.types

revision: str = "0005_polls"
down_revision: str | Sequence[str] | None = "0004_campaigns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("question", AutoString(length=200), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("live_results", sa.Boolean(), nullable=False),
        sa.Column("role_id", sa.BigInteger(), nullable=True),
        sa.Column("quorum", sa.Integer(), nullable=True),
        sa.Column("department_mode", AutoString(length=16), nullable=False),
        sa.Column("ballot_secret", AutoString(length=64), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("closes_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("closed_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("announced_at", db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.create_index("ix_poll_guild_status", ["guild_id", "status"], unique=False)

    op.create_table(
        "poll_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", AutoString(length=64), nullable=True),
        sa.Column("voter_id", sa.BigInteger(), nullable=True),
        sa.Column("organization_key", AutoString(length=120), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("cast_at", db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "organization_key", name="uq_poll_ballot_department"),
        sa.UniqueConstraint("poll_id", "voter_key", name="uq_poll_ballot_voter"),
    )


def downgrade() -> None:
    op.drop_table("poll_ballot")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_index("ix_poll_guild_status")
    op.drop_table("poll")
