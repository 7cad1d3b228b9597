"""Sharding: SHARD_COUNT and SHARD_IDS, and scheduled work split between processes, each job fired once."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import discord
import pytest
from simcord.env import Env
from sqlalchemy import select

from bot.core import ShardedCoalitionBot, build_bot
from bot.scheduler import Scheduler
from bot.settings import Settings, SettingsError
from db import jobs
from db.engine import Database

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def guild_on(shard: int, count: int = 2, serial: int = 1000) -> int:
    """A guild id that Discord puts on `shard` of `count` ((id >> 22) % count)."""
    return ((serial * count + shard) << 22) | 12345


# ----------------------------------------------------------------------------- settings


def test_shard_settings_are_read_as_a_list_or_a_range():
    settings = Settings.from_env({"SHARD_COUNT": "4", "SHARD_IDS": "0-1,3"}, dotenv=False)
    assert (settings.shard_count, settings.shard_ids) == (4, (0, 1, 3))
    every = Settings.from_env({"SHARD_COUNT": "2"}, dotenv=False)
    assert every.shard_ids == (0, 1)
    assert Settings.from_env({}, dotenv=False).shard_count is None


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "from 0 to 1"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,0"}, "distinct"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "one"}, "is not a list"),
        ({"SHARD_COUNT": "0"}, "1 or more"),
    ],
)
def test_malformed_shard_settings_say_what_to_fix(environ, words):
    with pytest.raises(SettingsError, match=words):
        Settings.from_env(environ, dotenv=False)


def test_sharded_settings_build_the_sharded_client(sqlite_url):
    settings = Settings(database_url=sqlite_url, shard_count=2, shard_ids=(1,))
    bot = build_bot(settings, Database(sqlite_url))
    assert isinstance(bot, ShardedCoalitionBot)
    assert (bot.shard_count, bot.shard_ids) == (2, [1])
    assert bot.scheduler.shards == jobs.Shards(2, (1,))


# ----------------------------------------------------------------------------- jobs across processes


async def _schedule(database: Database, key: str, guild_id: int | None, due: datetime = NOW) -> None:
    async with database.session() as session:
        await jobs.schedule(session, kind="test.ping", key=key, due_at=due, now=NOW, guild_id=guild_id)


async def test_each_process_fires_only_its_shards_jobs_and_each_job_once(database):
    for shard in (0, 1):
        for serial in range(5):
            await _schedule(database, f"ping:{shard}:{serial}", guild_on(shard, serial=1000 + serial))
    await _schedule(database, "ping:no-guild", None)
    fired: dict[str, list[str]] = {"zero": [], "one": []}

    def scheduler(worker: str, shard: int) -> Scheduler:
        made = Scheduler(database, now=lambda: NOW, worker=worker, shards=jobs.Shards(2, (shard,)))

        async def handler(job: jobs.ScheduledJob) -> None:
            fired[worker].append(job.key)

        made.register("test.ping", handler)
        return made

    zero, one = scheduler("zero", 0), scheduler("one", 1)
    for _ in range(2):
        await one.run_due()
        await zero.run_due()

    assert sorted(fired["zero"]) == sorted([f"ping:0:{n}" for n in range(5)] + ["ping:no-guild"])
    assert sorted(fired["one"]) == sorted(f"ping:1:{n}" for n in range(5))


async def test_a_process_that_stops_mid_job_has_it_taken_over_after_the_lease_exactly_once(database):
    await _schedule(database, "ping:stranded", guild_on(1))
    async with database.session() as session:
        (claimed,) = await jobs.claim_due(session, NOW, "one-that-died", shards=jobs.Shards(2, (1,)))
    assert claimed.key == "ping:stranded"
    fired: list[str] = []
    clock = {"now": NOW + timedelta(minutes=5)}

    def scheduler(worker: str, shard: int) -> Scheduler:
        made = Scheduler(database, now=lambda: clock["now"], worker=worker, shards=jobs.Shards(2, (shard,)))

        async def handler(job: jobs.ScheduledJob) -> None:
            fired.append(f"{worker}:{job.key}")

        made.register("test.ping", handler)
        return made

    other_shard, replacement = scheduler("zero", 0), scheduler("one-again", 1)
    assert await replacement.run_due() == 0  # still within the dead process's lease
    clock["now"] = NOW + timedelta(minutes=16)
    assert await other_shard.run_due() == 0  # never another shard's guild
    assert await replacement.run_due() == 1
    assert await replacement.run_due() == 0
    assert fired == ["one-again:ping:stranded"]


# ----------------------------------------------------------------------------- two bots, one database


async def _one_process(settings: Settings, shard: int) -> dict[str, object]:
    """One bot process running shard `shard` of 2: its own simulated Discord, the shared database."""
    database = Database(settings.database_url)
    env = Env(
        build_bot(dataclasses.replace(settings, shard_count=2, shard_ids=(shard,)), database),
        settle_timeout=30,
    )
    await env.start()
    try:
        guild = env.create_guild(f"Coalition {shard}", shard_id=shard)
        channel = guild.create_text_channel("polls")
        organizers = guild.create_role("Organizers", permissions=discord.Permissions(manage_guild=True))
        organizer = guild.add_member(env.create_user(f"organizer{shard}"), roles=[organizers])
        await env.settle()
        created = await organizer.slash(
            channel, "poll create", question=f"Shard {shard}?", options="Yes | No", closes="1h", secret=False
        )
        said = created.followups[-1].content if created.followups else created.response.content
        await env.advance_time(2 * 3600)
        await env.settle()
        charts = [
            request
            for request in env.http_requests
            if request.method == "PATCH" and "results.png" in str(request.json)
        ]
        return {"said": said, "guild_id": guild.id, "charts": len(charts), "worker": env.bot.scheduler.worker}
    finally:
        await env.shutdown()
        await database.dispose()


def test_two_sharded_bots_on_one_database_each_close_their_own_guilds_poll_once(bot_settings):
    # SimCord runs one simulated Discord per event loop, so each "process" gets a thread and a loop of its own.
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda shard: asyncio.run(_one_process(bot_settings, shard)), (0, 1)))

    for shard, run in enumerate(runs):
        assert "is up in" in str(run["said"])
        assert (int(str(run["guild_id"])) >> 22) % 2 == shard
        assert run["charts"] == 1  # each poll's results posted once, by the process that has its guild

    async def closing_jobs() -> list[jobs.ScheduledJob]:
        database = Database(bot_settings.database_url)
        try:
            async with database.session() as session:
                return [
                    job
                    for job in await session.scalars(select(jobs.ScheduledJob))
                    if job.kind == "poll.close"
                ]
        finally:
            await database.dispose()

    closing = asyncio.run(closing_jobs())
    assert sorted(job.status for job in closing) == [jobs.DONE, jobs.DONE]
    assert sorted(str(job.claimed_by) for job in closing) == sorted(str(run["worker"]) for run in runs)


async def test_two_processes_starting_together_both_migrate_an_empty_database():
    from tests.conftest import POSTGRES_URL, _pg_admin, _pg_url

    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set; .ci/run starts a PostgreSQL server and sets it")
    from db import migrate

    name = f"coalition_race_{uuid.uuid4().hex[:8]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    first, second = Database(_pg_url(name)), Database(_pg_url(name))
    try:
        await asyncio.gather(migrate.upgrade(first), migrate.upgrade(second))
        assert not await migrate.pending(first)
    finally:
        await first.dispose()
        await second.dispose()
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
