"""Start-up with a guild larger than one member chunk: who left while the bot was offline, and nobody else.

The bench's 10,000-member start-up once took 9,800 present members for departed (their data would have
been deleted 90 days later) and spent nearly two minutes scheduling one job per member. The bot had read
`guild.members` when `on_ready` fired, before the guild's members were chunked: a large guild's
GUILD_CREATE carries only the bot's own member, and discord.py may fire `on_ready` before the chunks are
in (SimCord always does; on Discord it happens when chunking outlasts discord.py's few seconds' wait).
These worlds are built before the bot starts, as a server is when the bot comes back after downtime.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import discord
import pytest
import pytest_asyncio
from simcord.env import Env
from sqlalchemy import event, insert, select

from bot.core import CoalitionBot
from cogs.privacy import cog as privacy_cog
from cogs.privacy import service
from db import jobs
from db.members import MemberProfile
from db.types import table_of

# Over one chunk (Discord sends 1,000 members per GUILD_MEMBERS_CHUNK), yet quick to start in SimCord.
MEMBERS = 1_100
DEPARTED = 600  # profiles of people no longer in the guild: more than one batch of ids per statement
RETURNED = 100  # present members whose profiles say they left: they came back while the bot was down
CATCH_UP_STATEMENTS = 10


@dataclass
class Statements:
    """Each transaction's statements, by the connection that ran them (transactions may interleave)."""

    transactions: list[list[str]] = field(default_factory=list)
    _open: dict[int, list[str]] = field(default_factory=dict)

    def begin(self, connection: Any) -> None:
        self._open[id(connection)] = statements = []
        self.transactions.append(statements)

    def execute(self, connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.split(None, 1)[0].upper() in ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK"):
            return
        self._open.setdefault(id(connection), []).append(statement)

    def writing(self, table: str) -> list[list[str]]:
        """The transactions that updated the table."""
        return [t for t in self.transactions if any(s.startswith(f"UPDATE {table} ") for s in t)]


@dataclass
class Restarted:
    env: Env
    guild: Any
    members: list[Any]
    departed: list[int]
    returned: list[int]
    statements: Statements

    @property
    def bot(self) -> CoalitionBot:
        return self.env.bot  # type: ignore[return-value]


def _profile(guild_id: int, user_id: int, now: datetime, left_at: datetime | None) -> dict[str, Any]:
    return {
        "guild_id": guild_id,
        "user_id": user_id,
        "display_name": f"Member {user_id}",
        "interests": [],
        "directory_opt_in": False,
        "left_at": left_at,
        "created_at": now,
        "updated_at": now,
    }


@pytest_asyncio.fixture
async def restarted(make_bot: Callable[..., CoalitionBot]) -> AsyncIterator[Restarted]:
    """The bot starting on a guild of 1,100 members it has profiles of, after people left and came back."""
    bot = make_bot()
    env = Env(bot, settle_timeout=30.0)
    guild = env.create_guild("Large coalition")
    members = [guild.add_member(env.create_user(f"member{n:04d}")) for n in range(MEMBERS)]
    departed = [900_000_000_000_000_000 + n for n in range(DEPARTED)]
    returned = [member.id for member in members[:RETURNED]]
    now = env.now()
    rows = [_profile(guild.id, m.id, now, now if m.id in returned else None) for m in members]
    rows += [_profile(guild.id, user_id, now, None) for user_id in departed]
    async with bot.database.engine.begin() as connection:
        await connection.execute(insert(table_of(MemberProfile)), rows)
    statements = Statements()
    engine = bot.database.engine.sync_engine
    event.listen(engine, "begin", statements.begin)
    event.listen(engine, "before_cursor_execute", statements.execute)
    await env.start()
    await env.settle()
    try:
        yield Restarted(env, guild, members, departed, returned, statements)
    finally:
        event.remove(engine, "begin", statements.begin)
        event.remove(engine, "before_cursor_execute", statements.execute)
        await env.shutdown()


async def _left(bot: CoalitionBot, guild_id: int) -> set[int]:
    profile = table_of(MemberProfile)
    async with bot.database.engine.connect() as connection:
        rows = await connection.execute(
            select(profile.c.user_id).where(profile.c.guild_id == guild_id, profile.c.left_at.is_not(None))
        )
        return {int(user_id) for (user_id,) in rows}


async def _pending_expiries(bot: CoalitionBot) -> set[str]:
    job = table_of(jobs.ScheduledJob)
    async with bot.database.engine.connect() as connection:
        rows = await connection.execute(
            select(job.c.key).where(job.c.kind == service.EXPIRE_JOB, job.c.status == jobs.PENDING)
        )
        return {key for (key,) in rows}


async def test_start_up_with_a_guild_over_one_chunk_marks_only_those_who_really_left(restarted: Restarted):
    bot, guild_id = restarted.bot, restarted.guild.id

    assert await _left(bot, guild_id) == set(restarted.departed)
    assert await _pending_expiries(bot) == {service.expire_key(guild_id, u) for u in restarted.departed}


async def test_start_up_catch_up_is_one_transaction_of_a_few_statements(restarted: Restarted):
    catch_ups = restarted.statements.writing("member_profile")

    assert len(catch_ups) == 1, catch_ups
    # One read, then a few hundred ids per statement: never one statement (or job) per member.
    assert len(catch_ups[0]) <= CATCH_UP_STATEMENTS, [s.split("(")[0][:60] for s in catch_ups[0]]


async def test_a_member_who_leaves_again_after_coming_back_is_scheduled_for_deletion_again(
    restarted: Restarted,
):
    bot, env, guild = restarted.bot, restarted.env, restarted.guild
    member = restarted.members[-1]
    key = service.expire_key(guild.id, member.id)

    guild.remove_member(member)
    await env.settle()
    guild.add_member(member.user)
    await env.settle()
    assert key not in await _pending_expiries(bot)
    guild.remove_member(member)
    await env.settle()

    assert key in await _pending_expiries(bot)


# ------------------------------------------------------------------ when the member list stays partial


class _Guild:
    """What the catch-up reads of a discord.py guild, in the states Discord can leave it in."""

    def __init__(self, member_count: int | None, cached: int, *, unavailable: bool = False) -> None:
        self.member_count, self.unavailable = member_count, unavailable
        self.members = [discord.Object(n + 1) for n in range(cached)]
        self.chunk_requests = 0

    @property
    def chunked(self) -> bool:
        return self.member_count is not None and self.member_count == len(self.members)

    async def chunk(self) -> list[discord.Object]:
        # Discord answered part of the list before the request ended (as a reconnect's READY ends it).
        self.chunk_requests += 1
        return self.members


async def _everyone_in(guild: _Guild) -> frozenset[int] | None:
    return await privacy_cog.everyone_in(guild)  # type: ignore[arg-type]  # the guild's attributes alone


async def test_a_complete_member_list_is_trusted():
    guild = _Guild(member_count=3, cached=3)

    assert await _everyone_in(guild) == {1, 2, 3}
    assert guild.chunk_requests == 0


async def test_a_member_list_that_stays_short_of_the_member_count_is_not_trusted():
    guild = _Guild(member_count=3, cached=1)

    assert await _everyone_in(guild) is None
    assert guild.chunk_requests == 1


async def test_an_unavailable_guild_is_not_trusted_nor_waited_for():
    # During an outage a guild has no member count and Discord answers no member request for it.
    guild = _Guild(member_count=None, cached=0, unavailable=True)

    assert await _everyone_in(guild) is None
    assert guild.chunk_requests == 0


async def test_a_member_request_never_answered_gives_up(monkeypatch: pytest.MonkeyPatch):
    class Silent(_Guild):
        async def chunk(self) -> list[discord.Object]:
            await asyncio.Event().wait()
            return []

    monkeypatch.setattr(privacy_cog, "CHUNK_WAIT_S", 0.01)

    assert await _everyone_in(Silent(member_count=3, cached=1)) is None
