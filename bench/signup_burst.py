"""The sign-up burst: N members click Sign up at once on a slot of capacity C, real bot vs a bare bot.

Run: `python -m bench.signup_burst [--clicks 1000] [--capacity 100] [--rounds 3]`. Measures, each in a
fresh process and side by side in the same run: the coalition bot storing the clicks that queue on a slot
together (group commit, its default), the same bot with one transaction per click, and a bare bot that only
acknowledges. Prints interactions per second, transactions and statements, and writes
bench/results/signup_burst.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from sqlalchemy import event, select
from sqlmodel import col

from bench.harness import BareBot, burst, click_payload, open_coalition_world, open_world, post_button
from bot.core import CoalitionBot
from cogs.campaigns.cog import CampaignsCog
from cogs.campaigns.controls import GROUP_LIMIT
from cogs.campaigns.views import COG_NAME
from db import campaigns
from db.campaigns import CampaignSignup

RESULTS = Path(__file__).resolve().parent / "results" / "signup_burst.txt"


async def real_bot_burst(clicks: int, capacity: int, workdir: Path, per_transaction: int) -> dict[str, Any]:
    """Interactions per second, seconds, transactions, statements and outcome counts for the coalition bot."""
    world, database, people = await open_coalition_world(workdir, "bench.db", clicks)
    bot = world.env.bot
    assert isinstance(bot, CoalitionBot)
    try:
        await world.env.settle()
        cog = bot.get_cog(COG_NAME)
        assert isinstance(cog, CampaignsCog), "the campaigns cog is loaded once the bot is ready"
        cog.sign_ups_per_transaction = per_transaction
        now = discord.utils.utcnow()
        start = (now + timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
        await world.organizer.slash(
            world.general,
            "campaign create",
            title="Bench campaign",
            description="A burst of sign-ups.",
            start=start,
            end=(now + timedelta(days=11)).strftime("%Y-%m-%d %H:%M"),
            signup_deadline=(now + timedelta(days=9)).strftime("%Y-%m-%d %H:%M"),
        )
        async with database.session() as session:
            (campaign,) = await campaigns.list_campaigns(session, world.guild.id)
        await world.organizer.slash(
            world.general, "campaign slot add", campaign=str(campaign.id), name="Amplifier", capacity=capacity
        )
        await world.organizer.slash(
            world.general, "campaign post", campaign=str(campaign.id), channel=world.campaigns
        )
        async with database.session() as session:
            (slot,) = await campaigns.slots_for(session, campaign.id)  # type: ignore[arg-type]
        card = world.campaigns.last_message
        custom_id = f"campaign:join:{campaign.id}:{slot.id}"
        counted = {"transactions": 0, "statements": 0}

        def began(*_args: object) -> None:
            counted["transactions"] += 1

        def executed(*_args: object) -> None:
            counted["statements"] += 1

        engine = database.engine.sync_engine
        event.listen(engine, "begin", began)
        event.listen(engine, "before_cursor_execute", executed)
        result = await burst(
            world.env, [click_payload(world.env, person, card, custom_id) for person in people]
        )
        event.remove(engine, "begin", began)
        event.remove(engine, "before_cursor_execute", executed)
        async with database.session() as session:
            rows = (
                await session.execute(
                    select(col(CampaignSignup.user_id), col(CampaignSignup.status))
                    .where(col(CampaignSignup.slot_id) == slot.id)
                    .order_by(col(CampaignSignup.ticket))
                )
            ).all()
        statuses = [status for _, status in rows]
        return {
            "per_second": result.per_second,
            "seconds": result.seconds,
            "answered": result.answered,
            "confirmed": statuses.count("confirmed"),
            "waitlisted": statuses.count("waitlisted"),
            "in_click_order": [user_id for user_id, _ in rows] == [person.id for person in people],
            **counted,
        }
    finally:
        await world.close()
        await database.dispose()


async def bare_bot_burst(clicks: int) -> tuple[float, float, int]:
    """(interactions/second, seconds, answered) for a bot that only acknowledges."""
    world = await open_world(BareBot(), members=clicks, settle_timeout=600)
    try:
        message = post_button(world, "bench:ack")
        result = await burst(
            world.env, [click_payload(world.env, person, message, "bench:ack") for person in world.members]
        )
        return result.per_second, result.seconds, result.answered
    finally:
        await world.close()


MODES = {"grouped": GROUP_LIMIT, "per_click": 1}


async def run_side(side: str, clicks: int, capacity: int) -> dict[str, Any]:
    if side == "bare":
        per_second, seconds, answered = await bare_bot_burst(clicks)
        return {"per_second": per_second, "seconds": seconds, "answered": answered}
    with tempfile.TemporaryDirectory() as workdir:
        return await real_bot_burst(clicks, capacity, Path(workdir), MODES[side])


def in_fresh_process(side: str, clicks: int, capacity: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.signup_burst", "--side", side, "--clicks", str(clicks)]
    done = subprocess.run([*command, "--capacity", str(capacity)], check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def report(clicks: int, capacity: int, rounds: list[dict[str, dict[str, Any]]]) -> str:
    lines = [
        f"Sign-up burst: {clicks} simultaneous clicks on a slot of capacity {capacity} (SimCord, SQLite), "
        f"{len(rounds)} rounds; each side in a fresh process, side by side in each round "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, python {platform.python_version()} on {platform.machine()})",
    ]
    for number, figures in enumerate(rounds, start=1):
        bare = figures["bare"]
        lines.append(f"round {number}: bare bot {bare['per_second']:8.1f}/s ({bare['seconds']:.2f} s)")
        for mode in MODES:
            side = figures[mode]
            lines.append(
                f"  {mode:9s} {side['per_second']:8.1f}/s ({side['seconds']:6.2f} s; "
                f"{side['transactions']} transactions, {side['statements'] / clicks:.2f} statements per click; "
                f"confirmed {side['confirmed']}, waitlisted {side['waitlisted']}, "
                f"click order kept: {side['in_click_order']}, answered {side['answered']})"
            )
        lines.append(
            f"  grouped / per click: {figures['grouped']['per_second'] / figures['per_click']['per_second']:.2f}x "
            "the throughput"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--side", choices=["bare", *MODES], help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.side:  # one side, in this (fresh) process: its figures as the last line of output
        print(json.dumps(asyncio.run(run_side(args.side, args.clicks, args.capacity))))
        sys.exit(0)
    rounds = [
        {
            side: in_fresh_process(side, args.clicks, args.capacity)
            for side in ("grouped", "per_click", "bare")
        }
        for _ in range(args.rounds)
    ]
    text = report(args.clicks, args.capacity, rounds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n")
    print(text)
