"""Migrations build the schema on empty databases, and agree with the models."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db import migrate
from db.engine import Database
from db.migrate import include_name
from db.models import metadata

ROOT = Path(__file__).resolve().parents[1]


async def test_migrations_create_every_table(database):
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert set(metadata.tables) <= tables
    assert not await migrate.pending(database)


async def test_models_and_migrations_agree(database):
    def diff(sync_connection):
        context = MigrationContext.configure(
            sync_connection, opts={"compare_type": True, "include_name": include_name}
        )
        return compare_metadata(context, metadata)

    async with database.engine.connect() as connection:
        changes = await connection.run_sync(diff)
    assert changes == [], f"models and migrations disagree; write a revision: {changes}"


async def test_upgrading_twice_changes_nothing(database):
    await migrate.upgrade(database)
    assert not await migrate.pending(database)


def test_alembic_cli_upgrades_an_empty_sqlite_file(tmp_path):
    path = tmp_path / "empty.db"
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{path}"}

    completed = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 0, completed.stderr
    assert path.stat().st_size > 0


async def test_alembic_cli_upgrades_an_empty_postgresql_database(postgres_template):
    from tests.conftest import _pg_admin, _pg_url

    if postgres_template is None:
        pytest.skip("TEST_DATABASE_URL is not set; .ci/run starts a PostgreSQL server and sets it")
    name = "coalition_cli_upgrade"
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        environment = {**os.environ, "DATABASE_URL": _pg_url(name)}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "alembic",
            "upgrade",
            "head",
            cwd=ROOT,
            env=environment,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        database = Database(_pg_url(name))
        try:
            assert not await migrate.pending(database)
        finally:
            await database.dispose()
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_bot_db_upgrade_command_migrates(tmp_path):
    path = tmp_path / "cli.db"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "db",
        "upgrade",
        cwd=tmp_path,
        env=environment,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        assert not await migrate.pending(database)
    finally:
        await database.dispose()
