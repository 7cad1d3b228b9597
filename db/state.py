"""Small key-value facts the runtime keeps between starts (such as the last synced command set)."""

from __future__ import annotations

from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel


class BotState(SQLModel, table=True):
    __tablename__ = "bot_state"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_type=Text)


async def get_value(session: AsyncSession, key: str) -> str | None:
    row = await session.get(BotState, key)
    return row.value if row else None


async def set_value(session: AsyncSession, key: str, value: str) -> None:
    """Store the value under the key; two processes starting at once both succeed (the later one wins)."""
    table = BotState.__table__  # type: ignore[attr-defined]  # SQLModel tables carry __table__ at run time
    dialect = session.get_bind().dialect.name
    insert = postgres_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    await session.execute(
        insert.values(key=key, value=value).on_conflict_do_update(
            index_elements=["key"], set_={"value": value}
        )
    )
