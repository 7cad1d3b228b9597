"""Fixtures: the production bot on a fresh database for SimCord, and databases for the storage layer."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
from simcord.env import Env
from sqlalchemy.engine import make_url

from bot.core import CoalitionBot
from bot.errors import is_user_facing
from bot.settings import Settings
from db import migrate
from db.engine import Database
from db.guilds import CHANNEL_PURPOSES, GuildConfig

pytest_plugins = ["tests.contract_plugin", "tests.answer_first"]

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
# The server secret that seals secret polls' keys (BALLOT_SECRET); any 32+ characters do for tests.
TEST_BALLOT_SECRET = "test-ballot-secret-0123456789abcdef"
# TEST_BACKEND=postgresql runs the whole suite, SimCord worlds included, on the PostgreSQL server at
# TEST_DATABASE_URL; the database-layer tests run on both backends whatever it says.
BOT_BACKEND = os.environ.get("TEST_BACKEND", "sqlite")
# Below the scheduler's shortest nap (a minute): SimCord lets a timer shorter than this fire in real time
# during a settle, which would make a test wait out a retry delay on the wall clock.
SETTLE_TIMEOUT = 30.0


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; each test gets a copy (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        database = Database(_sqlite_url(path))
        try:
            await migrate.upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "coalition.db"
    shutil.copyfile(sqlite_template, path)
    return _sqlite_url(path)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """A migrated PostgreSQL template database, when TEST_DATABASE_URL points at a server."""
    if not POSTGRES_URL:
        yield None
        return
    name = f"coalition_tpl_{uuid.uuid4().hex[:8]}"
    _run_sync(_pg_admin(f'CREATE DATABASE "{name}"'))

    async def build() -> None:
        database = Database(_pg_url(name))
        try:
            await migrate.upgrade(database)
        finally:
            await database.dispose()

    _run_sync(build())
    yield name
    _run_sync(_drop_database(name))


def _run_sync(coroutine: Any) -> Any:
    """Run a coroutine to completion from sync code, even when an event loop is already running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _pg_url(database: str) -> str:
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


async def _pg_admin(statement: str) -> None:
    import asyncpg

    assert POSTGRES_URL
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        user=url.username, password=url.password, host=url.host, port=url.port or 5432, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _drop_database(name: str) -> None:
    """Drop a test's scratch database, even while an autovacuum worker is busy in it.

    WITH (FORCE) may end only the backends of roles the test role can signal; an autovacuum worker, which a
    bulk insert can start, is not one of them (unless the role has pg_signal_backend, as .ci/run grants).
    The worker is done within moments, so the drop is tried again rather than failing the test.
    """
    import asyncpg

    for attempt in range(40):
        try:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.exceptions.InsufficientPrivilegeError:
            if attempt == 39:
                raise
            await asyncio.sleep(0.25)


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        db = Database(sqlite_url)
        yield db
        await db.dispose()
        return
    template = request.getfixturevalue("postgres_template")
    if template is None:
        pytest.skip("TEST_DATABASE_URL is not set; .ci/run starts a PostgreSQL server and sets it")
    name = f"coalition_t_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    db = Database(_pg_url(name))
    try:
        yield db
    finally:
        await db.dispose()
        await _drop_database(name)


# --------------------------------------------------------------------------- the bot under SimCord


@pytest.fixture(autouse=True)
def no_logged_bugs(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test in which the bot logged an error, unless the test says it expects one.

    discord.py only logs an exception raised inside a persistent button (a DynamicItem), so SimCord never
    sees it; the log is where such a bug shows.
    """
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("logs_errors"):
        return
    # At teardown caplog.records holds only this phase's records: read every phase.
    errors = [
        record
        for when in ("setup", "call", "teardown")
        for record in caplog.get_records(when)
        if record.levelno >= logging.ERROR and record.name.startswith(("cogs.", "bot.", "db.", "discord"))
    ]
    assert not errors, [f"{record.name}: {record.getMessage()}" for record in errors]


@pytest_asyncio.fixture
async def bot_database_url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    """Where the bot under test keeps its data: a fresh SQLite file, or a fresh PostgreSQL database."""
    if BOT_BACKEND != "postgresql":
        yield sqlite_url
        return
    if not POSTGRES_URL:
        raise pytest.UsageError("TEST_BACKEND=postgresql needs TEST_DATABASE_URL")
    template = request.getfixturevalue("postgres_template")
    name = f"coalition_b_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        await _drop_database(name)


@pytest.fixture
def bot_settings(bot_database_url: str) -> Settings:
    return Settings(discord_token=None, database_url=bot_database_url, ballot_secret=TEST_BALLOT_SECRET)


@pytest_asyncio.fixture
async def make_bot(bot_settings: Settings) -> AsyncIterator[Callable[..., CoalitionBot]]:
    """Build production bots on the test's database; a test calls it again to restart the bot."""
    databases: list[Database] = []

    def build(**options: object) -> CoalitionBot:
        database = Database(bot_settings.database_url)
        databases.append(database)
        return CoalitionBot(bot_settings, database, **options)  # type: ignore[arg-type]

    yield build
    for database in databases:
        await database.dispose()


@pytest.fixture
def simcord_bot(make_bot: Callable[..., CoalitionBot]) -> CoalitionBot:
    """The fixture SimCord's pytest plugin builds `simcord_env` from: the real bot, fresh database."""
    return make_bot()


@pytest_asyncio.fixture
async def simcord_env(simcord_bot: CoalitionBot, request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    """SimCord's environment, where errors shown to the member as a clear message are not test failures.

    SimCord re-raises every error a handler saw; refusals (a member trying an organizer command, bad
    input) are part of the product and answered on purpose, so only the others fail the test.
    """
    marker = request.node.get_closest_marker("simcord")
    # SimCord's settle limit is real time: generous, so that a busy machine never fails a test that a hang
    # (which never settles at all) still fails.
    options = {"settle_timeout": SETTLE_TIMEOUT, **(marker.kwargs if marker else {})}
    env = Env(simcord_bot, **options)
    await env.start()
    try:
        yield env
        assert_bot_pinged_no_role_or_everyone(env)
    finally:
        await env.shutdown()
        if env.check_errors:
            unexpected = [
                error for error in env.errors_since(env._errors_acknowledged) if not is_user_facing(error)
            ]
            env._errors_acknowledged = env.error_cursor
            if unexpected:
                raise ExceptionGroup(f"bot raised {len(unexpected)} unexpected error(s)", unexpected)


def assert_bot_pinged_no_role_or_everyone(env: Env) -> None:
    """Fail when any message the bot left would have pinged @everyone, @here or a role."""
    bot_id = env.bot.user.id if env.bot.user else None
    for store in env.backend.messages.values():
        for message in store.values():
            if message.author_id != bot_id:
                continue
            assert not message.mention_everyone, f"bot message {message.id} pings @everyone/@here"
            assert not message.ping_role_ids, f"bot message {message.id} pings roles {message.ping_role_ids}"


@dataclass
class Coalition:
    """A small coalition server: an organizer, two members, and every channel the bot uses."""

    env: Env
    guild: object
    channels: dict[str, object]
    organizer: object
    member: object
    other: object
    general: object

    @property
    def bot(self) -> CoalitionBot:
        return self.env.bot  # type: ignore[return-value]


@pytest_asyncio.fixture
async def coalition(simcord_env: Env) -> Coalition:
    """A configured server (channels set through the database, as `/setup channel` would)."""
    env = simcord_env
    guild = env.create_guild("Health Equity Coalition")
    general = guild.create_text_channel("general")
    channels = {purpose: guild.create_text_channel(purpose) for purpose in CHANNEL_PURPOSES}
    organizers = guild.create_role("Organizers", permissions=discord.Permissions(manage_guild=True))
    organizer = guild.add_member(env.create_user("olivia"), roles=[organizers])
    member = guild.add_member(env.create_user("marcus"))
    other = guild.add_member(env.create_user("priya"))
    await env.settle()
    bot: CoalitionBot = env.bot  # type: ignore[assignment]
    async with bot.database.session() as session:
        config = GuildConfig(guild_id=guild.id)
        for purpose, channel in channels.items():
            setattr(config, f"{purpose}_channel_id", channel.id)
        session.add(config)
    return Coalition(env, guild, channels, organizer, member, other, general)
