"""What every feature's use cases share: one unit of work per use case, and the runtime they run on.

A use case (`cogs/<feature>/service.py`) opens one `Work` with `app.work()`: a database session that is
committed or rolled back as a whole, with the audit entries and jobs of that use case written in the same
transaction. After the commit, the scheduler is woken for sooner jobs and audit entries are posted to the
audit channel. Nothing here speaks Discord: the audit channel is reached through the `AuditSink` the bot
hands in, so use cases are testable with a database alone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit, jobs
from db.engine import Database

if TYPE_CHECKING:
    from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AuditNotice:
    """An organizer action, as posted to the audit channel once its transaction committed."""

    guild_id: int
    actor_id: int | None
    action: str
    detail: str


AuditSink = Callable[[AuditNotice], Awaitable[None]]


async def _no_sink(_notice: AuditNotice) -> None:
    return None


@dataclass(slots=True)
class Work:
    """One use case's transaction, and what to do once it commits."""

    session: AsyncSession
    now: datetime
    audited: list[AuditNotice] = field(default_factory=list)
    earliest_job: datetime | None = None

    async def audit(self, guild_id: int, actor_id: int | None, action: str, detail: str) -> None:
        """Record an organizer action in this transaction; it reaches the audit channel after commit."""
        await audit.record(self.session, guild_id, actor_id, action, detail, self.now)
        self.audited.append(AuditNotice(guild_id, actor_id, action, detail))

    async def schedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        guild_id: int | None = None,
    ) -> None:
        """Schedule a job under its key in this transaction (a key already pending keeps its time)."""
        await jobs.schedule(
            self.session, kind=kind, key=key, due_at=due_at, now=self.now, payload=payload, guild_id=guild_id
        )
        self._note_due(due_at)

    async def schedule_many(
        self, kind: str, payloads: dict[str, dict[str, Any]], due_at: datetime, guild_id: int | None = None
    ) -> None:
        """Schedule one job per key, all due at once, in one statement (keys already scheduled keep theirs)."""
        if not payloads:
            return
        await jobs.schedule_many(
            self.session, kind=kind, payloads=payloads, due_at=due_at, now=self.now, guild_id=guild_id
        )
        self._note_due(due_at)

    async def reschedule(self, key: str, due_at: datetime) -> bool:
        """Move a pending job to a new time; False when no such job is pending."""
        moved = await jobs.reschedule(self.session, key, due_at)
        if moved:
            self._note_due(due_at)
        return moved

    async def cancel_job(self, key: str) -> bool:
        return await jobs.cancel(self.session, key)

    async def cancel_many(self, keys: list[str]) -> int:
        """Cancel the pending jobs among these keys, in a few statements however many there are."""
        return await jobs.cancel_many(self.session, keys)

    async def cancel_jobs(self, prefix: str) -> int:
        return await jobs.cancel_prefix(self.session, prefix)

    def _note_due(self, due_at: datetime) -> None:
        if self.earliest_job is None or due_at < self.earliest_job:
            self.earliest_job = due_at


@dataclass(slots=True)
class App:
    """The runtime a use case needs: the database, the scheduler, and where audit entries are posted."""

    database: Database
    scheduler: Scheduler
    audit_sink: AuditSink = _no_sink
    now: Callable[[], datetime] = discord.utils.utcnow

    @asynccontextmanager
    async def work(self) -> AsyncIterator[Work]:
        """One unit of work: committed as a whole when the block ends, rolled back if it raises."""
        async with self.database.session() as session:
            work = Work(session=session, now=self.now())
            yield work
        # Committed: only now may the outside world hear of it.
        if work.earliest_job is not None:
            self.scheduler.wake_for(work.earliest_job)
        for notice in work.audited:
            try:
                await self.audit_sink(notice)
            except Exception:
                log.warning("Could not post %s to the audit channel", notice.action, exc_info=True)
