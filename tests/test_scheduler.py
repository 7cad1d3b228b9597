"""The durable scheduler: on the database layer (SQLite and PostgreSQL) and inside the running bot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.scheduler import Scheduler
from db import jobs

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fixed_clock(value: datetime):
    return lambda: value


async def test_overdue_jobs_fire_once_at_start_up(database):
    async with database.session() as session:
        for number in range(3):
            await jobs.schedule(
                session, kind="test.ping", key=f"ping:{number}", due_at=NOW - timedelta(hours=5), now=NOW
            )
    fired: list[str] = []
    scheduler = Scheduler(database, now=fixed_clock(NOW))

    async def handler(job):
        fired.append(job.key)

    scheduler.register("test.ping", handler)
    assert await scheduler.run_due() == 3
    assert await scheduler.run_due() == 0
    assert sorted(fired) == ["ping:0", "ping:1", "ping:2"]
    async with database.session() as session:
        assert (await jobs.get(session, "ping:0")).status == jobs.DONE


async def test_two_schedulers_on_one_database_fire_each_job_exactly_once(database):
    async with database.session() as session:
        for number in range(40):
            await jobs.schedule(session, kind="test.ping", key=f"ping:{number}", due_at=NOW, now=NOW)
    fired: list[str] = []

    async def handler(job):
        fired.append(job.key)
        await asyncio.sleep(0)

    first = Scheduler(database, now=fixed_clock(NOW), worker="first")
    second = Scheduler(database, now=fixed_clock(NOW), worker="second")
    for scheduler in (first, second):
        scheduler.register("test.ping", handler)

    counts = await asyncio.gather(*(s.run_due() for s in (first, second, first, second)))

    assert sum(counts) == 40
    assert sorted(fired) == sorted(f"ping:{n}" for n in range(40))


async def test_a_key_is_scheduled_only_once(database):
    async with database.session() as session:
        first = await jobs.schedule(session, kind="test.ping", key="once", due_at=NOW, now=NOW)
        again = await jobs.schedule(
            session, kind="test.ping", key="once", due_at=NOW + timedelta(days=1), now=NOW
        )
    assert again.id == first.id
    assert again.due_at == NOW


@pytest.mark.logs_errors
async def test_a_failing_job_is_retried_then_given_up(database):
    clock = {"now": NOW}
    scheduler = Scheduler(database, now=lambda: clock["now"])
    attempts: list[int] = []

    async def handler(job):
        attempts.append(job.attempts)
        raise RuntimeError("Discord is down")

    scheduler.register("test.flaky", handler)
    await scheduler.schedule("test.flaky", "flaky", NOW)
    for _ in range(6):
        await scheduler.run_due()
        clock["now"] += timedelta(hours=2)

    assert attempts == [1, 2, 3, 4]
    async with database.session() as session:
        job = await jobs.get(session, "flaky")
    assert job.status == jobs.FAILED
    assert "Discord is down" in job.last_error


async def test_a_cancelled_job_never_fires(database):
    scheduler = Scheduler(database, now=fixed_clock(NOW))
    fired: list[str] = []

    async def handler(job):
        fired.append(job.key)

    scheduler.register("test.ping", handler)
    await scheduler.schedule("test.ping", "cancel-me", NOW)
    assert await scheduler.cancel("cancel-me")
    await scheduler.run_due()
    assert fired == []


async def test_a_claim_abandoned_by_a_dead_process_is_run_again(database):
    async with database.session() as session:
        await jobs.schedule(session, kind="test.ping", key="orphan", due_at=NOW, now=NOW)
        assert len(await jobs.claim_due(session, NOW, "dead-worker")) == 1
    fired: list[str] = []
    later = Scheduler(database, now=fixed_clock(NOW + timedelta(hours=1)))

    async def handler(job):
        fired.append(job.key)

    later.register("test.ping", handler)
    await later.run_due()
    assert fired == ["orphan"]


async def test_running_bot_fires_a_job_when_simulated_time_reaches_it(simcord_env):
    bot = simcord_env.bot
    fired: list[datetime] = []

    async def handler(job):
        fired.append(discord.utils.utcnow())

    bot.scheduler.register("test.ping", handler)
    due = discord.utils.utcnow() + timedelta(hours=3)
    await bot.scheduler.schedule("test.ping", "later", due)

    await simcord_env.advance_time(2 * 3600)
    assert fired == []
    await simcord_env.advance_time(3600 + 1)
    assert len(fired) == 1
    assert fired[0] >= due
    await simcord_env.advance_time(24 * 3600)
    assert len(fired) == 1


async def test_job_due_while_the_bot_was_down_fires_once_after_restart(simcord_env, make_bot):
    fired: list[str] = []

    async def handler(job):
        fired.append(job.key)

    async with simcord_env.bot.database.session() as session:
        past = discord.utils.utcnow() - timedelta(hours=6)
        await jobs.schedule(session, kind="test.ping", key="missed", due_at=past, now=past)
    restarted = make_bot()
    restarted.scheduler.register("test.ping", handler)

    await simcord_env.restart_bot(restarted)
    await simcord_env.settle()
    await simcord_env.advance_time(3600)

    assert fired == ["missed"]


async def test_a_sooner_job_wakes_a_sleeping_scheduler(simcord_env):
    bot = simcord_env.bot
    fired: list[str] = []

    async def handler(job):
        fired.append(job.key)

    bot.scheduler.register("test.ping", handler)
    await bot.scheduler.schedule("test.ping", "far", discord.utils.utcnow() + timedelta(days=2))
    await simcord_env.advance_time(60)
    await bot.scheduler.schedule("test.ping", "near", discord.utils.utcnow() + timedelta(seconds=30))
    await simcord_env.advance_time(31)

    assert fired == ["near"]
