"""Scheduled jobs: rows with a due time, claimed atomically so that two processes never both run one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import JSON, ColumnElement, Index, Text, and_, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from db.types import Snowflake, UTCDateTime, insert_ignoring_conflict, table_of

PENDING, RUNNING, DONE, FAILED, CANCELLED = "pending", "running", "done", "failed", "cancelled"
T = TypeVar("T")


class ScheduledJob(SQLModel, table=True):
    __tablename__ = "scheduled_job"
    __table_args__ = (Index("ix_scheduled_job_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    # The same key is never scheduled twice: "onboarding.reminder:<guild>:<member>" and the like.
    key: str = Field(max_length=200, unique=True)
    guild_id: int | None = Field(default=None, sa_type=Snowflake)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards a process runs: it claims only the jobs of guilds on them (and guild-less jobs on shard 0)."""

    count: int
    ids: tuple[int, ...]

    def condition(self) -> ColumnElement[bool]:
        guild = col(ScheduledJob.guild_id)
        # Discord's rule: a guild lives on shard (guild_id >> 22) % shard_count.
        mine = ((guild // (1 << 22)) % self.count).in_(self.ids)
        return or_(mine, guild.is_(None)) if 0 in self.ids else and_(guild.is_not(None), mine)


def _for(shards: Shards | None) -> list[ColumnElement[bool]]:
    return [] if shards is None else [shards.condition()]


async def schedule(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
    guild_id: int | None = None,
) -> ScheduledJob:
    """Schedule a job under a unique key; a key already scheduled (in any state) is returned unchanged.

    One statement when the key is new: an INSERT that does nothing on a taken key (so a concurrent insert of
    the same key cannot spoil the caller's transaction), then a read only when it did nothing.
    """
    job = ScheduledJob(
        kind=kind, key=key, due_at=due_at, payload=payload or {}, guild_id=guild_id, created_at=now
    )
    values = job.model_dump(exclude={"id"})
    job.id = await session.scalar(
        insert_ignoring_conflict(session, table_of(ScheduledJob), ("key",))
        .values(**values)
        .returning(col(ScheduledJob.id))
    )
    if job.id is not None:
        return job
    existing = await session.scalar(select(ScheduledJob).where(col(ScheduledJob.key) == key))
    assert existing is not None  # the conflict was this key's
    return existing


# Keys per statement when many jobs are changed at once: far below every driver's limit on bound parameters.
MANY = 500


def in_batches(items: Sequence[T], size: int = MANY) -> Iterator[Sequence[T]]:
    """The items, `size` at a time (the last batch shorter)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def schedule_many(
    session: AsyncSession,
    *,
    kind: str,
    payloads: Mapping[str, dict[str, Any]],
    due_at: datetime,
    now: datetime,
    guild_id: int | None = None,
) -> None:
    """Schedule one job per key (all of one kind and time) in one statement; a key already taken keeps its row."""
    if not payloads:
        return
    rows = [
        {"kind": kind, "key": key, "guild_id": guild_id, "payload": payload, "due_at": due_at}
        | {"status": PENDING, "attempts": 0, "created_at": now}
        for key, payload in payloads.items()
    ]
    # Many rows, one executemany: the driver sends them together rather than one round trip per job.
    await session.execute(insert_ignoring_conflict(session, table_of(ScheduledJob), ("key",)), rows)


async def cancel_many(session: AsyncSession, keys: Sequence[str]) -> int:
    """Cancel the pending jobs among these keys, a few hundred keys per statement."""
    cancelled = 0
    for batch in in_batches(keys):
        result = await session.execute(
            update(ScheduledJob)
            .where(col(ScheduledJob.key).in_(batch), col(ScheduledJob.status) == PENDING)
            .values(status=CANCELLED)
        )
        cancelled += _rowcount(result)
    return cancelled


async def reschedule(session: AsyncSession, key: str, due_at: datetime) -> bool:
    """Move a pending job to a new time; False if it is not pending any more."""
    result = await session.execute(
        update(ScheduledJob)
        .where(col(ScheduledJob.key) == key, col(ScheduledJob.status) == PENDING)
        .values(due_at=due_at)
    )
    return _rowcount(result) == 1


async def cancel(session: AsyncSession, key: str) -> bool:
    """Cancel a pending job; False if it already ran, runs, or never existed."""
    result = await session.execute(
        update(ScheduledJob)
        .where(col(ScheduledJob.key) == key, col(ScheduledJob.status) == PENDING)
        .values(status=CANCELLED)
    )
    return _rowcount(result) == 1


async def cancel_prefix(session: AsyncSession, prefix: str) -> int:
    """Cancel every pending job whose key starts with the prefix."""
    result = await session.execute(
        update(ScheduledJob)
        .where(col(ScheduledJob.key).startswith(prefix), col(ScheduledJob.status) == PENDING)
        .values(status=CANCELLED)
    )
    return _rowcount(result)


async def get(session: AsyncSession, key: str) -> ScheduledJob | None:
    return await session.scalar(select(ScheduledJob).where(col(ScheduledJob.key) == key))


async def next_due_at(session: AsyncSession, shards: Shards | None = None) -> datetime | None:
    """The due time of the earliest pending job (of these shards' guilds)."""
    return await session.scalar(
        select(col(ScheduledJob.due_at))
        .where(col(ScheduledJob.status) == PENDING, *_for(shards))
        .order_by(col(ScheduledJob.due_at))
        .limit(1)
    )


async def oldest_claim_at(session: AsyncSession, shards: Shards | None = None) -> datetime | None:
    """When the oldest running claim was made (its lease ends a fixed time later)."""
    return await session.scalar(
        select(col(ScheduledJob.claimed_at))
        .where(col(ScheduledJob.status) == RUNNING, *_for(shards))
        .order_by(col(ScheduledJob.claimed_at))
        .limit(1)
    )


async def release_stale(
    session: AsyncSession, now: datetime, lease: timedelta, shards: Shards | None = None
) -> int:
    """Return jobs claimed by a process that died mid-run to the queue (only jobs these shards may run)."""
    result = await session.execute(
        update(ScheduledJob)
        .where(col(ScheduledJob.status) == RUNNING, col(ScheduledJob.claimed_at) < now - lease, *_for(shards))
        .values(status=PENDING, claimed_by=None, claimed_at=None)
    )
    return _rowcount(result)


async def claim_due(
    session: AsyncSession, now: datetime, worker: str, limit: int = 50, shards: Shards | None = None
) -> list[ScheduledJob]:
    """Claim up to `limit` due jobs for this worker; a job another worker claimed first is skipped."""
    candidates = await session.scalars(
        select(col(ScheduledJob.id))
        .where(col(ScheduledJob.status) == PENDING, col(ScheduledJob.due_at) <= now, *_for(shards))
        .order_by(col(ScheduledJob.due_at), col(ScheduledJob.id))
        .limit(limit)
    )
    # Primary keys are never NULL; the filter only narrows the column's declared `int | None`.
    job_ids = [job_id for job_id in candidates if job_id is not None]
    claimed: list[int] = []
    for job_id in job_ids:
        # The status test in the WHERE clause is the lock: only one UPDATE can move it off pending.
        result = await session.execute(
            update(ScheduledJob)
            .where(col(ScheduledJob.id) == job_id, col(ScheduledJob.status) == PENDING)
            .values(
                status=RUNNING, claimed_by=worker, claimed_at=now, attempts=col(ScheduledJob.attempts) + 1
            )
        )
        if _rowcount(result) == 1:
            claimed.append(job_id)
    if not claimed:
        return []
    rows = await session.scalars(
        select(ScheduledJob)
        .where(col(ScheduledJob.id).in_(claimed))
        .order_by(col(ScheduledJob.due_at), col(ScheduledJob.id))
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def finish(session: AsyncSession, job_id: int, now: datetime) -> None:
    await session.execute(
        update(ScheduledJob)
        .where(col(ScheduledJob.id) == job_id)
        .values(status=DONE, finished_at=now, last_error=None)
    )


async def fail(
    session: AsyncSession, job_id: int, now: datetime, error: str, retry_at: datetime | None
) -> None:
    """Record a failure; with retry_at the job goes back to the queue for another attempt."""
    values: dict[str, Any] = {"last_error": error[:2000], "claimed_by": None}
    if retry_at is None:
        values.update(status=FAILED, finished_at=now)
    else:
        values.update(status=PENDING, due_at=retry_at, claimed_at=None)
    await session.execute(update(ScheduledJob).where(col(ScheduledJob.id) == job_id).values(**values))


def _rowcount(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else int(getattr(result, "rowcount", 0))
