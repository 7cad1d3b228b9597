"""campaigns reach: the posts members report having published for a campaign, once per link

Revision ID: 0013_campaigns_reach
Revises: 0010_disciplines_panels
Create Date: 2026-12-04 11:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import db.types

revision: str = "0013_campaigns_reach"
down_revision: str | Sequence[str] | None = "0010_disciplines_panels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("slot_name", AutoString(length=80), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("url", AutoString(length=500), nullable=False),
        sa.Column("url_key", AutoString(length=500), nullable=False),
        sa.Column("platform", AutoString(length=16), nullable=False),
        sa.Column("note", AutoString(length=200), nullable=False),
        sa.Column("posted_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "url_key", name="uq_campaign_post_url"),
    )
    with op.batch_alter_table("campaign_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_post_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index("ix_campaign_post_guild_user", ["guild_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_post", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_post_guild_user")
        batch_op.drop_index(batch_op.f("ix_campaign_post_campaign_id"))
    op.drop_table("campaign_post")
