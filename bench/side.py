"""One side of the bench in one process: the coalition bot on its world, or the bare bot on the same guild.

`python -m bench.side bot|bare --scale quick --database-url URL --out result.json` runs one side and writes
its raw figures; `python -m bench` starts each side in a fresh process (so neither inherits the other's
warm caches or garbage) and puts the figures together.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import resource
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from simcord.env import Env
from sqlalchemy import func, select

from bench.harness import BareBot
from bench.hotpaths import Run, run_bursts, run_hot_paths
from bench.probe import Probe
from bench.world import SCALES, TABLES, Fixtures, Scale, bare_fixtures, build_guild, fill_database
from bot.core import CoalitionBot, intents
from bot.settings import Settings
from db import migrate
from db.engine import Database

# Long enough for a 10,000-member start-up on a busy machine, and shorter than the real timers some
# drivers keep (SimCord would otherwise wait for them: a timer due after the deadline counts as parked).
SETTLE_TIMEOUT = 120.0


def rss_mb() -> float:
    """The process's resident memory now (Linux), else its peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def start_patiently(env: Env) -> None:
    """Start SimCord, letting the bot take as long as it needs to settle (SimCord allows 5 s at start-up).

    A 10,000-member guild takes longer than that on a busy machine, and that time is what `ready_s`
    reports, so it must not fail the run.

    `on_ready` comes before the guild's members are chunked, with only the bot's own member cached: SimCord
    sets discord.py's `guild_ready_timeout` to 0, and on Python 3.11 `asyncio.wait_for(queue.get(), 0)`
    cancels the get before it runs, so discord.py's `_delay_ready` never takes the queued guild, requests no
    members and fires `on_ready` at once. (On Discord, `on_ready` waits for the chunks, but only for about
    five seconds per guild.) The members arrive when the bot's start-up catch-ups ask for them
    (`guild.chunk()`); `start_up_wrote` shows whether start-up took the members it had not yet seen for
    departed.
    """
    settle = env._settle_internal

    async def patient(**options: Any) -> None:
        if options.get("timeout") is not None:
            options["timeout"] = max(options["timeout"], SETTLE_TIMEOUT)
        await settle(**options)

    env._settle_internal = patient  # type: ignore[method-assign]
    try:
        await env.start()
    finally:
        del env._settle_internal


class ErrorCount(logging.Handler):
    """Counts the ERROR records the bot logs (a SQLite lock timeout, a failed refresh) during a run."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("bot", "cogs", "db", "discord")):
            self.count += 1


async def after_start(database: Database, guild_id: int) -> dict[str, int]:
    """What start-up wrote: profiles it marked as departed and jobs it scheduled (the world had none)."""
    profiles, jobs = TABLES["member_profile"], TABLES["scheduled_job"]
    async with database.engine.connect() as connection:
        left = await connection.execute(
            select(func.count()).where(profiles.c.guild_id == guild_id, profiles.c.left_at.is_not(None))
        )
        scheduled = await connection.execute(select(func.count()).select_from(jobs))
        return {"profiles_marked_left": int(left.scalar_one()), "jobs_scheduled": int(scheduled.scalar_one())}


def _runs(runs: dict[str, Run]) -> dict[str, Any]:
    return {name: run.summary() for name, run in runs.items()}


async def run_bot_side(scale: Scale, database_url: str) -> dict[str, Any]:
    """Migrate, build the world, start the coalition bot, time every hot path and both bursts."""
    database = Database(database_url)
    started = time.perf_counter()
    await migrate.upgrade(database)
    migrate_s = time.perf_counter() - started
    started = time.perf_counter()
    bot = CoalitionBot(Settings(discord_token=None, database_url=database_url), database)
    construct_s = time.perf_counter() - started
    probe = Probe()
    probe.install()
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    env = Env(bot, settle_timeout=SETTLE_TIMEOUT)
    try:
        world = build_guild(env, scale.members)
        started = time.perf_counter()
        fixtures = await fill_database(database, world, scale, env.now())
        fill_s = time.perf_counter() - started
        started = time.perf_counter()
        readied: list[float] = []

        async def note_ready() -> None:
            readied.append(time.perf_counter() - started)

        bot.add_listener(note_ready, "on_ready")
        await start_patiently(env)
        await bot.wait_until_ready()
        await env.settle()
        # Until SimCord is idle: the guild chunked and the work start-up sets off done.
        start_s = time.perf_counter() - started
        started_with = await after_start(database, fixtures.guild_id)
        errors_at_start = errors.count
        probe.time_client_parsers(bot)
        gc.collect()
        memory = rss_mb()
        paths = await run_hot_paths(world, probe, fixtures, scale)
        bursts = await run_bursts(world, probe, fixtures, scale)
        outcome = [await burst_outcome(database, fixtures, mode, world) for mode in (0, 1)]
        return {
            "side": "bot",
            "members": len(world.members),
            "resources": scale.resources,
            "ready": {
                "migrate_s": migrate_s,
                "construct_s": construct_s,
                "start_s": start_s,
                # SimCord fires on_ready before the guild's members are chunked (see start_patiently).
                "on_ready_s": readied[0] if readied else None,
            },
            "ready_s": round(migrate_s + construct_s + start_s, 3),
            "world_fill_s": round(fill_s, 2),
            "start_up_wrote": started_with,
            "logged_errors": {"start_up": errors_at_start, "total": errors.count},
            "rss_mb": memory,
            "rss_end_mb": rss_mb(),
            "database_mb": await database_mb(database),
            "hot_paths": _runs(paths),
            "bursts": _runs(bursts),
            "burst_outcome": {"settle_free": outcome[0], "settle_each": outcome[1]},
        }
    finally:
        await env.shutdown()
        probe.uninstall()
        logging.getLogger().removeHandler(errors)
        await database.dispose()


async def run_bare_side(scale: Scale) -> dict[str, Any]:
    """The bare bot (same intents) on the same guild: the same interactions, answered and nothing more."""
    started = time.perf_counter()
    bot = BareBot(intents())
    probe = Probe()
    probe.install()
    env = Env(bot, settle_timeout=SETTLE_TIMEOUT)
    try:
        world = build_guild(env, scale.members)
        fixtures = bare_fixtures(world, scale)
        await start_patiently(env)
        await bot.wait_until_ready()
        await env.settle()
        start_s = time.perf_counter() - started
        probe.time_client_parsers(bot)
        gc.collect()
        memory = rss_mb()
        paths = await run_hot_paths(world, probe, fixtures, scale)
        bursts = await run_bursts(world, probe, fixtures, scale)
        return {
            "side": "bare",
            "members": len(world.members),
            "ready_s": round(start_s, 3),
            "rss_mb": memory,
            "hot_paths": _runs(paths),
            "bursts": _runs(bursts),
        }
    finally:
        await env.shutdown()
        probe.uninstall()


async def burst_outcome(database: Database, fixtures: Fixtures, mode: int, world: Any) -> dict[str, Any]:
    """Read a burst's slot back: places beyond capacity, duplicate sign-ups, and whether click order held."""
    _, slot_id = fixtures.burst_campaigns[mode]
    signups, slots = TABLES["campaign_signup"], TABLES["campaign_slot"]
    async with database.engine.connect() as connection:
        capacity = (
            await connection.execute(select(slots.c.capacity).where(slots.c.id == slot_id))
        ).scalar_one()
        rows = (
            await connection.execute(
                select(signups.c.user_id, signups.c.status, signups.c.ticket)
                .where(signups.c.slot_id == slot_id)
                .order_by(signups.c.ticket)
            )
        ).all()
        tickets = (
            await connection.execute(
                select(func.count(func.distinct(signups.c.ticket))).where(signups.c.slot_id == slot_id)
            )
        ).scalar_one()
    holding = [row for row in rows if row.status in ("confirmed", "offered")]
    users = [row.user_id for row in rows]
    click_order = {member.id: index for index, member in enumerate(world.members)}
    confirmed_clicks = sorted(click_order.get(row.user_id, -1) for row in holding)
    return {
        "capacity": capacity,
        "stored": len(rows),
        "confirmed": len(holding),
        "waitlisted": sum(1 for row in rows if row.status == "waitlisted"),
        "over_capacity": max(0, len(holding) - capacity),
        "duplicates": (len(users) - len(set(users))) + (len(rows) - tickets),
        # In click order: the places went to the first `capacity` members who clicked.
        "places_in_click_order": confirmed_clicks == list(range(len(holding))),
    }


async def database_mb(database: Database) -> float:
    """The database's size on disk (SQLite file and its WAL, or PostgreSQL's own count)."""
    if database.dialect == "postgresql":
        async with database.engine.connect() as connection:
            size = (await connection.exec_driver_sql("SELECT pg_database_size(current_database())")).scalar()
        return round(int(size or 0) / 2**20, 1)
    return _files_mb(database.engine.url.database or "")


def _files_mb(path: str) -> float:
    """A SQLite database's size: its file and its write-ahead log."""
    total = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    return round(total / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("side", choices=["bot", "bare"])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--members", type=int, help="guild members, instead of the scale's number")
    parser.add_argument("--database-url")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    scale = SCALES[args.scale]
    if args.members is not None:
        scale = replace(scale, members=args.members)
    if args.side == "bot":
        if not args.database_url:
            parser.error("the bot side needs --database-url")
        figures = asyncio.run(run_bot_side(scale, args.database_url))
    else:
        figures = asyncio.run(run_bare_side(scale))
    args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
