"""departments: the health departments organizers keep, their aliases, and each member's department

Revision ID: 0012_departments
Revises: 0010_disciplines_panels
Create Date: 2026-12-04 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import db.types

revision: str = "0012_departments"
down_revision: str | Sequence[str] | None = "0011_campaigns_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("name", AutoString(length=120), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_department_guild_id"), ["guild_id"], unique=False)
    op.create_table(
        "department_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("alias", AutoString(length=120), nullable=False),
        sa.Column("normalized", AutoString(length=120), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guild_id", "normalized", name="uq_department_alias_guild_normalized"),
    )
    with op.batch_alter_table("department_alias", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_department_alias_department_id"), ["department_id"], unique=False
        )
    with op.batch_alter_table("member_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_member_profile_department_id", "department", ["department_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("member_profile", schema=None) as batch_op:
        batch_op.drop_constraint("fk_member_profile_department_id", type_="foreignkey")
        batch_op.drop_column("department_id")
    with op.batch_alter_table("department_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_alias_department_id"))
    op.drop_table("department_alias")
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_guild_id"))
    op.drop_table("department")
