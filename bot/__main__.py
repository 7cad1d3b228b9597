"""Command line: `python -m bot` runs the bot; `demo`, `db upgrade` and `resources ...` are tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import aiohttp
import discord
from sqlalchemy.exc import DBAPIError

from bot import logs
from bot.settings import Settings, SettingsError
from db import migrate
from db.engine import Database, DatabaseUnavailable

log = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The coalition bot.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="connect to Discord (the default)")
    demo = commands.add_parser("demo", help="run a scripted session against a simulated Discord, offline")
    demo.add_argument("--db", default="data/demo.db", help="where the demo leaves its SQLite database")
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"], help="apply migrations up to the newest schema")
    try:
        from cogs.resources.cli import add_cli
    except ImportError:
        pass
    else:
        add_cli(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        logs.configure(settings.log_level if args.command != "demo" else "WARNING")
        if args.command == "demo":
            from bot.demo import run_demo

            # The transcript is the output; library chatter (no voice support, and so on) would bury it.
            logging.getLogger("discord").setLevel(logging.ERROR)
            return asyncio.run(run_demo(args.db))
        if args.command == "db":
            return asyncio.run(_upgrade(settings))
        if args.command == "resources":
            from cogs.resources.cli import run_cli

            return asyncio.run(_with_database(settings, lambda database: run_cli(args, database)))
        return asyncio.run(_run_bot(settings))
    except (SettingsError, DatabaseUnavailable) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    """Open the database and bring its schema up to date, or raise DatabaseUnavailable in one sentence."""
    try:
        database = Database(settings.database_url)
    except OSError as exc:  # the folder of a SQLite file cannot be created
        raise DatabaseUnavailable(
            f"Cannot create the database at {settings.safe_database_url}: {exc}."
        ) from exc
    try:
        await database.check_connection()
        try:
            await migrate.upgrade(database)
        except DBAPIError as exc:
            raise DatabaseUnavailable(
                f"Cannot update the schema of the database at {settings.safe_database_url}: "
                f"{database.reason(exc)}."
            ) from exc
        yield database
    finally:
        await database.dispose()


async def _with_database(settings: Settings, action: Callable[[Database], Awaitable[int]]) -> int:
    async with _database(settings) as database:
        return await action(database)


async def _upgrade(settings: Settings) -> int:
    async def noop(_database: Database) -> int:
        print(f"Database at {settings.safe_database_url} is at the newest schema.")
        return 0

    return await _with_database(settings, noop)


async def _run_bot(settings: Settings) -> int:
    from bot.core import build_bot

    token = settings.require_token()
    async with _database(settings) as database:
        members_intent = True
        while True:
            bot = build_bot(settings, database, members_intent=members_intent)
            try:
                async with bot:
                    await bot.start(token)
                return 0
            except (aiohttp.ClientError, OSError) as exc:
                reason = (str(exc).strip().splitlines() or [""])[0]
                print(
                    f"Cannot reach Discord ({exc.__class__.__name__}: {reason}); check the network and try again.",
                    file=sys.stderr,
                )
                return 1
            except discord.LoginFailure:
                raise SettingsError(
                    "Discord refused DISCORD_TOKEN; copy the token again from the Developer Portal (Bot → Reset Token)."
                ) from None
            except discord.PrivilegedIntentsRequired:
                if not members_intent:
                    raise
                # Keep serving commands without member events; /setup check tells organizers how to fix it.
                log.error(
                    "The Server Members intent is not enabled for this application; running without it. "
                    "Enable it in the Developer Portal (Bot → Privileged Gateway Intents) and restart."
                )
                members_intent = False


if __name__ == "__main__":
    sys.exit(main())
