"""campaigns kit and reach: each campaign's media kit (library resources, links, talking points, hashtags,
key messages; the old toolkit and talking-points links are copied in), the posts members report
having published for a campaign (once per link), and saved campaign templates

Revision ID: 0013_campaigns_kit_reach
Revises: 0011_campaigns_events
Create Date: 2026-12-04 11:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import db.types

revision: str = "0013_campaigns_kit_reach"
down_revision: str | Sequence[str] | None = "0012_departments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _create_kit()
    op.create_table(
        "campaign_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("name", AutoString(length=80), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guild_id", "name", name="uq_campaign_template_name"),
    )
    with op.batch_alter_table("campaign_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_template_guild_id"), ["guild_id"], unique=False)
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


def _create_kit() -> None:
    op.create_table(
        "campaign_kit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("talking_points", sa.Text(), nullable=False),
        sa.Column("hashtags", AutoString(length=300), nullable=False),
        sa.Column("key_messages", sa.Text(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", name="uq_campaign_kit_campaign"),
    )
    op.create_table(
        "campaign_kit_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("title", AutoString(length=200), nullable=False),
        sa.Column("url", AutoString(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "resource_id", name="uq_campaign_kit_resource"),
    )
    with op.batch_alter_table("campaign_kit_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_kit_item_campaign_id"), ["campaign_id"], unique=False)
    # The old toolkit and talking-points links become the first entries of each campaign's kit.
    op.execute(
        "INSERT INTO campaign_kit_item (campaign_id, kind, resource_id, title, url, position) "
        "SELECT campaign_id, 'link', NULL, title, url, 0 FROM campaign_link ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table("campaign_post", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_post_guild_user")
        batch_op.drop_index(batch_op.f("ix_campaign_post_campaign_id"))
    op.drop_table("campaign_post")
    with op.batch_alter_table("campaign_kit_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_kit_item_campaign_id"))
    op.drop_table("campaign_kit_item")
    op.drop_table("campaign_kit")
    with op.batch_alter_table("campaign_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_template_guild_id"))
    op.drop_table("campaign_template")
