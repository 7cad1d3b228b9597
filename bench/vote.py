"""The cost of a vote: N members click a poll option at once, real bot against a bare bot, same run.

Run: `python -m bench.vote [--votes 200]`. Uses the shared harness (bench/harness.py): the same SimCord
world, the same raw-interaction burst, and a bare discord.py bot that only acknowledges. Two polls are
measured: secret with hidden results (one answer per vote) and secret with live results (the answer
plus an edit of the poll message). Prints interactions per second and the ratio, and writes
bench/results/vote.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import platform
import secrets
import tempfile
from pathlib import Path

from bench.harness import BareBot, burst, click_payload, open_coalition_world, open_world, post_button
from bot.core import CoalitionBot
from db import polls as store

RESULTS = Path(__file__).resolve().parent / "results" / "vote.txt"


async def real_bot_votes(votes: int, results: str, workdir: Path) -> tuple[float, float, int, int]:
    """(interactions/second, seconds, answered, ballots stored) for the coalition bot."""
    world, database, people = await open_coalition_world(workdir, f"vote-{results}.db", votes)
    bot = world.env.bot
    assert isinstance(bot, CoalitionBot)
    # Secret polls need a server secret (BALLOT_SECRET); the bench's database is thrown away, so any will do.
    bot.settings = dataclasses.replace(bot.settings, ballot_secret=secrets.token_hex(32))
    try:
        await world.env.settle()
        await world.organizer.slash(
            world.general,
            "poll create",
            question="Which campaign first?",
            options="Parks | Transit | Housing",
            closes="2d",
            secret=True,
            results=results,
        )
        async with database.session() as session:
            (poll,) = await store.list_polls(session, world.guild.id)
        assert poll.id is not None
        message = world.general.last_message
        custom_id = f"poll:vote:{poll.id}:1"
        result = await burst(
            world.env, [click_payload(world.env, person, message, custom_id) for person in people]
        )
        async with database.session() as session:
            stored = await store.ballot_count(session, poll.id)
        return result.per_second, result.seconds, result.answered, stored
    finally:
        await world.close()
        await database.dispose()


async def bare_bot_votes(votes: int) -> tuple[float, float, int]:
    """(interactions/second, seconds, answered) for a bot that only acknowledges."""
    world = await open_world(BareBot(), members=votes, settle_timeout=600)
    try:
        message = post_button(world, "bench:ack", label="Transit")
        result = await burst(
            world.env, [click_payload(world.env, person, message, "bench:ack") for person in world.members]
        )
        return result.per_second, result.seconds, result.answered
    finally:
        await world.close()


async def main(votes: int) -> str:
    with tempfile.TemporaryDirectory() as workdir:
        hidden = await real_bot_votes(votes, "hidden", Path(workdir))
        live = await real_bot_votes(votes, "live", Path(workdir))
    bare_rate, bare_seconds, bare_answered = await bare_bot_votes(votes)
    lines = [
        f"Vote burst: {votes} simultaneous votes on one single-choice secret poll (SimCord, SQLite)",
        f"python {platform.python_version()} on {platform.machine()}",
    ]
    for name, (rate, seconds, answered, stored) in (("hidden results", hidden), ("live results", live)):
        lines.append(
            f"coalition bot, {name:14}: {rate:8.1f} votes/s ({seconds:.3f} s; answered {answered}, "
            f"ballots stored {stored}; {1000 * seconds / votes:.2f} ms per vote)"
        )
    lines.append(
        f"bare bot (acknowledge only):   {bare_rate:8.1f} interactions/s ({bare_seconds:.3f} s; answered {bare_answered}; "
        f"{1000 * bare_seconds / votes:.2f} ms per interaction)"
    )
    lines.append(
        f"ratio hidden / bare: {hidden[0] / bare_rate:.3f}  (a vote costs {bare_rate / hidden[0]:.1f}x an ack)"
    )
    lines.append(
        f"ratio live / bare:   {live[0] / bare_rate:.3f}  (a vote costs {bare_rate / live[0]:.1f}x an ack)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--votes", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(main(args.votes))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report + "\n")
    print(report)
