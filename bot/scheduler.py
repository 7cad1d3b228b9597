"""The durable scheduler: jobs are rows with a due time, one task sleeps until the next is due.

Each due job is claimed atomically in the database before it runs, so two processes sharing a
database never both run it, and jobs that fell due while the bot was down run once at start-up.
Handlers should be idempotent: a job claimed by a process that died mid-run is retried after the lease.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import discord

from db import jobs
from db.engine import Database
from db.jobs import ScheduledJob

log = logging.getLogger(__name__)

Handler = Callable[[ScheduledJob], Awaitable[None]]
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))


class Scheduler:
    """Runs handlers for due jobs; `schedule()` wakes the sleeper when a sooner job arrives."""

    def __init__(
        self,
        database: Database,
        *,
        now: Callable[[], datetime] = discord.utils.utcnow,
        worker: str | None = None,
        # A process wakes itself for the jobs it schedules; this cap only bounds how late a job scheduled by
        # another process that then died is picked up. Kept long because every wake costs queries.
        max_sleep: timedelta = timedelta(hours=24),
        lease: timedelta = timedelta(minutes=15),
        shards: jobs.Shards | None = None,
    ) -> None:
        self.database = database
        self.now = now
        self.worker = worker or uuid.uuid4().hex[:12]
        self.max_sleep = max_sleep
        self.lease = lease
        # A sharded process runs only its own guilds' jobs: another process has the other guilds' gateway.
        self.shards = shards
        self._handlers: dict[str, Handler] = {}
        self._task: asyncio.Task[None] | None = None
        # While the loop sleeps: the time it will wake, and the nap itself, which a sooner job cuts short.
        self._sleeping_until: datetime | None = None
        self._nap: asyncio.Task[None] | None = None

    def register(self, kind: str, handler: Handler) -> None:
        """Say which coroutine runs jobs of this kind (cogs do this in `cog_load`)."""
        self._handlers[kind] = handler

    def start(self, before: Callable[[], Awaitable[Any]] | None = None) -> None:
        """Start the sleeper task; `before` is awaited first (the bot waits until it is ready)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(before), name=f"scheduler-{self.worker}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def schedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        guild_id: int | None = None,
    ) -> ScheduledJob:
        """Schedule a job once under its key and wake the sleeper if it is due sooner."""
        async with self.database.session() as session:
            job = await jobs.schedule(
                session, kind=kind, key=key, due_at=due_at, now=self.now(), payload=payload, guild_id=guild_id
            )
        self.wake_for(job.due_at)
        return job

    def wake_for(self, due_at: datetime) -> None:
        """Cut the sleeper's nap short when a job (scheduled in some transaction) is due before it wakes."""
        if self._nap is not None and self._sleeping_until is not None and due_at < self._sleeping_until:
            self._nap.cancel()

    async def cancel(self, key: str) -> bool:
        async with self.database.session() as session:
            return await jobs.cancel(session, key)

    async def run_due(self) -> int:
        """Claim and run every job due now; return how many ran. The loop calls this; tests may too."""
        async with self.database.session() as session:
            await jobs.release_stale(session, self.now(), self.lease, self.shards)
            claimed = await jobs.claim_due(session, self.now(), self.worker, shards=self.shards)
        for job in claimed:
            await self._run_job(job)
        return len(claimed)

    async def _run(self, before: Callable[[], Awaitable[Any]] | None) -> None:
        if before is not None:
            await before()
        while True:
            try:
                while await self.run_due():
                    pass
                await self._sleep_until_next()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database hiccup must not kill the scheduler for good: log, wait, try again.
                log.exception("Scheduler loop failed; retrying in a minute")
                await asyncio.sleep(60)

    async def _sleep_until_next(self) -> None:
        async with self.database.session() as session:
            due = await jobs.next_due_at(session, self.shards)
            claimed = await jobs.oldest_claim_at(session, self.shards)
        wake = self.now() + self.max_sleep
        if due is not None:
            wake = min(wake, due)
        if claimed is not None:
            # A claim whose process died is released when its lease runs out: wake then.
            wake = min(wake, claimed + self.lease + timedelta(seconds=1))
        delay = max(0.0, (wake - self.now()).total_seconds())
        if delay <= 0:
            return
        # A plain sleep in a task of its own (not an Event with a timeout): a simulated clock in tests can move
        # past it, and schedule() can cut it short by cancelling the nap rather than the loop.
        self._sleeping_until = self.now() + timedelta(seconds=delay)
        self._nap = asyncio.create_task(asyncio.sleep(delay), name=f"scheduler-nap-{self.worker}")
        try:
            await self._nap
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the loop itself is being stopped
        finally:
            self._sleeping_until = None
            self._nap = None

    async def _run_job(self, job: ScheduledJob) -> None:
        assert job.id is not None
        handler = self._handlers.get(job.kind)
        if handler is None:
            log.error("No handler for scheduled job kind %r (key %s); marking it failed", job.kind, job.key)
            async with self.database.session() as session:
                await jobs.fail(session, job.id, self.now(), f"no handler for {job.kind}", retry_at=None)
            return
        try:
            await handler(job)
        except Exception as exc:
            retry_at = None
            if job.attempts <= len(RETRY_DELAYS):
                retry_at = self.now() + RETRY_DELAYS[job.attempts - 1]
            log.exception("Scheduled job %s (%s) failed on attempt %d", job.key, job.kind, job.attempts)
            async with self.database.session() as session:
                await jobs.fail(session, job.id, self.now(), repr(exc), retry_at=retry_at)
            return
        async with self.database.session() as session:
            await jobs.finish(session, job.id, self.now())
