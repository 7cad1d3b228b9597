"""Small key-value facts the runtime keeps between starts (such as the last synced command set)."""

from __future__ import annotations

from sqlalchemy import Text
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
    row = await session.get(BotState, key) or BotState(key=key, value=value)
    row.value = value
    session.add(row)
    await session.flush()
