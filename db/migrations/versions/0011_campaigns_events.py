"""campaigns: the reason a cancelled campaign was cancelled, and its Discord scheduled event

Revision ID: 0011_campaigns_events
Revises: 0010_disciplines_panels
Create Date: 2026-12-04 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_campaigns_events"
down_revision: str | Sequence[str] | None = "0010_disciplines_panels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("event_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("event_id")
        batch_op.drop_column("cancel_reason")
