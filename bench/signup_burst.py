"""The sign-up burst: N members click Sign up at once on a slot of capacity C, real bot vs a bare bot.

Run: `python -m bench.signup_burst [--clicks 200] [--capacity 50]`. Prints interactions per second for
both bots (same harness, same run) and their ratio, and writes bench/results/signup_burst.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import tempfile
from datetime import timedelta
from pathlib import Path

import discord
from sqlalchemy import func, select

from bench.harness import BareBot, burst, click_payload, open_coalition_world, open_world, post_button
from db import campaigns
from db.campaigns import CampaignSignup

RESULTS = Path(__file__).resolve().parent / "results" / "signup_burst.txt"


async def real_bot_burst(clicks: int, capacity: int, workdir: Path) -> tuple[float, float, dict[str, int]]:
    """(interactions/second, seconds, outcome counts) for the coalition bot."""
    world, database, people = await open_coalition_world(workdir, "bench.db", clicks)
    try:
        await world.env.settle()
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
        result = await burst(
            world.env, [click_payload(world.env, person, card, custom_id) for person in people]
        )
        async with database.session() as session:
            rows = await session.execute(
                select(CampaignSignup.status, func.count())
                .where(CampaignSignup.slot_id == slot.id)
                .group_by(CampaignSignup.status)
            )
            outcome = {status: count for status, count in rows}
        outcome["answered"] = result.answered
        return result.per_second, result.seconds, outcome
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


async def main(clicks: int, capacity: int) -> str:
    with tempfile.TemporaryDirectory() as workdir:
        real_rate, real_seconds, outcome = await real_bot_burst(clicks, capacity, Path(workdir))
    bare_rate, bare_seconds, bare_answered = await bare_bot_burst(clicks)
    lines = [
        f"Sign-up burst: {clicks} simultaneous clicks on a slot of capacity {capacity} (SimCord, SQLite)",
        f"python {platform.python_version()} on {platform.machine()}",
        f"coalition bot: {real_rate:8.1f} interactions/s ({real_seconds:.3f} s; "
        f"confirmed {outcome.get('confirmed', 0)}, waitlisted {outcome.get('waitlisted', 0)}, answered {outcome['answered']})",
        f"bare bot:      {bare_rate:8.1f} interactions/s ({bare_seconds:.3f} s; answered {bare_answered})",
        f"ratio (coalition / bare): {real_rate / bare_rate:.3f}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(main(args.clicks, args.capacity))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report + "\n")
    print(report)
