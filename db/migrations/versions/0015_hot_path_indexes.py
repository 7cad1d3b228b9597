"""hot path indexes: the indexes that tests/test_query_plans.py found missing on the hot interactions

Revision ID: 0015_hot_path_indexes
Revises: 0014_resources_search_rank
Create Date: 2026-12-04 14:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_hot_path_indexes"
down_revision: str | Sequence[str] | None = "0014_resources_search_rank"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # `/campaign mine` finds a member's roll-call answers by member; the unique key starts with the roll call.
    with op.batch_alter_table("campaign_rollcall_answer") as batch_op:
        batch_op.create_index("ix_campaign_rollcall_answer_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_rollcall_answer") as batch_op:
        batch_op.drop_index("ix_campaign_rollcall_answer_user_id")
