"""Use cases of the audit log: reading organizer actions back, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.usecases import App
from db import audit

PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class AuditLine:
    id: int
    actor_id: int | None
    action: str
    detail: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditPage:
    lines: tuple[AuditLine, ...]
    number: int
    count: int
    total: int


async def recent_actions(app: App, *, guild_id: int, kind: str | None, number: int) -> AuditPage:
    """One page of the guild's latest organizer actions, newest first, optionally of one kind."""
    async with app.work() as work:
        total = await audit.count(work.session, guild_id, kind)
        count = max(1, -(-total // PAGE_SIZE))
        number = max(0, min(number, count - 1))
        rows = await audit.page(work.session, guild_id, kind, offset=number * PAGE_SIZE, limit=PAGE_SIZE)
        lines = tuple(
            AuditLine(
                id=row.id or 0,
                actor_id=row.actor_id,
                action=row.action,
                detail=row.detail,
                created_at=row.created_at,
            )
            for row in rows
        )
    return AuditPage(lines=lines, number=number, count=count, total=total)
