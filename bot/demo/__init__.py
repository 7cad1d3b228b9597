"""`python -m bot demo`: the real bot against SimCord's simulated Discord, scripted, printed as a transcript."""

from __future__ import annotations

import importlib
import secrets
import sys
from pathlib import Path

from bot.core import CoalitionBot
from bot.demo.world import Demo
from bot.errors import is_user_facing
from bot.settings import Settings
from db import migrate
from db.engine import Database

# The order a newcomer would meet the features in; a scene module that does not exist yet is skipped.
SCENES = ("setup", "onboarding", "resources", "campaigns", "campaign_reach", "polls")

# Real seconds SimCord waits for the bot to go idle. Generous, so that a busy machine or matplotlib's first
# font-cache build cannot hit it, and below the scheduler's shortest nap (60 s): SimCord lets virtual timers
# shorter than this limit fire on the wall clock, and a longer one would let the scheduler's nap fire too.
SETTLE_TIMEOUT = 30.0


async def run_demo(db_path: str) -> int:
    """Play every scene on a fresh database at db_path; on failure say so in one sentence, exit non-zero."""
    try:
        return await _play(db_path)
    except Exception as exc:  # the demo's whole point is to show, never to dump a traceback on a newcomer
        sys.stdout.flush()
        print(f"The demo stopped early: {_reason(exc)}", file=sys.stderr)
        return 1


def _reason(exc: BaseException) -> str:
    """One line saying what went wrong, without a traceback."""
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0]}" if first else type(exc).__name__


async def _play(db_path: str) -> int:
    """Play every scene on a fresh database at db_path and leave the database behind."""
    import simcord

    path = Path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    # Build matplotlib's font cache now, outside any settle, not during the first chart.
    import matplotlib.font_manager  # noqa: F401

    database = Database(url)
    try:
        await migrate.upgrade(database)
        # The demo's database is thrown away, so a fresh secret for secret polls will do.
        bot = CoalitionBot(Settings(database_url=url, ballot_secret=secrets.token_hex(32)), database)
        # Refusals shown to members are part of the script; any other error the bot raised fails the demo.
        async with simcord.run(bot, check_errors=False, settle_timeout=SETTLE_TIMEOUT) as env:
            demo = await Demo.build(env)
            for name in SCENES:
                try:
                    scene = importlib.import_module(f"bot.demo.scenes.{name}")
                except ModuleNotFoundError:
                    continue
                demo.heading(scene.__doc__ or name)
                await scene.run(demo)
            unexpected = [error for error in env.errors if not is_user_facing(error)]
            demo.heading("The end")
            if unexpected:
                for error in unexpected:
                    print(f"The bot raised an unexpected error: {error!r}", file=sys.stderr)
                return 1
            demo.narrate(f"The demo's database is at {path}; open it with any SQLite browser.")
    finally:
        await database.dispose()
    sys.stdout.flush()
    return 0
