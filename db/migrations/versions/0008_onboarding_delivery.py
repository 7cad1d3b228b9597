"""onboarding delivery: what completion still owes a member, and the resources already sent to them

Revision ID: 0008_onboarding_delivery
Revises: 0005_polls
Create Date: 2026-12-04 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0008_onboarding_delivery"
down_revision: str | Sequence[str] | None = "0005_polls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("onboarding_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("introduced_at", db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("picks_sent_at", db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("sent_resource_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("onboarding_progress", schema=None) as batch_op:
        batch_op.drop_column("sent_resource_ids")
        batch_op.drop_column("picks_sent_at")
        batch_op.drop_column("introduced_at")
