"""The async engine and the one-session-per-use-case scope."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message says which and why."""


# Query parameters that carry a credential (asyncpg reads `password` from the query string too).
_SECRET_QUERY = re.compile(r"pass|secret|token|key", re.IGNORECASE)


def redacted_url(url: str) -> str:
    """The URL to show people: its password, and any credential in the query string, replaced by ***."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "(an unreadable URL, not shown)"
    hidden = {key: "***" for key in parsed.query if _SECRET_QUERY.search(key)}
    rendered = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
    return rendered.replace("=%2A%2A%2A", "=***")


def redact(text: str, url: str) -> str:
    """Text about a URL (a driver's error, say) with every form of the URL's secrets replaced by ***."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return text
    secrets = [parsed.password or ""]
    secrets += [str(value) for key, value in parsed.query.items() if _SECRET_QUERY.search(key)]
    for secret in filter(None, map(str, secrets)):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "***")
    return text


class DatabaseBusy(RuntimeError):
    """Another process held the database's write lock for too long; nothing of this unit of work was written."""

    message = (
        "The coalition's database is busy right now, so nothing was saved. Please try again in a moment."
    )

    def __init__(self) -> None:
        super().__init__(self.message)


def _is_lock_timeout(error: BaseException) -> bool:
    text = str(getattr(error, "orig", error) or error).lower()
    return "database is locked" in text or "database table is locked" in text


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite file so a fresh checkout can start without setup."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine, tuning SQLite for a bot that writes from many tasks."""
    ensure_sqlite_directory(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)

    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Writers of this process queue in asyncio (Database.session); this only bounds how long another
        # process (a backup, the resources CLI) may hold the write lock before a unit of work gives up.
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not left in free pages: a closed secret poll's voter keys
        # must not be recoverable from the file (see db/polls.py).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers then queue on busy_timeout instead of
        # failing with "database is locked" when a read transaction tries to upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """The engine and a session factory; `session()` is one unit of work, committed or rolled back whole."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time, and every unit of work here begins IMMEDIATE: units of work of
        # this process take turns on an asyncio lock instead of spinning in SQLite's busy handler, so a
        # burst of a thousand clicks queues without a single "database is locked".
        self._turn = asyncio.Lock() if self.dialect == "sqlite" else None
        self._turn_holder: asyncio.Task[Any] | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Open a session for one use case; commit when the block ends, roll back if it raises."""
        async with self._take_turn(), self._sessions() as session:
            try:
                yield session
                await session.commit()
            except OperationalError as error:
                await session.rollback()
                if _is_lock_timeout(error):
                    raise DatabaseBusy() from error
                raise
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def _take_turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        # A unit of work nested in another of the same task (a helper opening its own) rides on its turn.
        if self._turn is None or (task is not None and task is self._turn_holder):
            yield
            return
        async with self._turn:
            self._turn_holder = task
            try:
                yield
            finally:
                self._turn_holder = None

    async def check_connection(self) -> None:
        """Open one connection, or raise DatabaseUnavailable with a sentence a person can act on."""
        try:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        # Any failure here (a refused connection, a bad password, an option the driver does not take) is
        # the same news at start-up: say where, and why in one line, with no secret in it.
        except Exception as exc:
            raise DatabaseUnavailable(
                f"Cannot open the database at {redacted_url(self.url)}: {self.reason(exc)}."
            ) from exc

    def reason(self, error: BaseException) -> str:
        """The first line of a database error, fit to show: short, and with no secret of the URL in it."""
        text = str(getattr(error, "orig", None) or error).strip()
        first = text.splitlines()[0].rstrip(".") if text else error.__class__.__name__
        return redact(first, self.url)[:200]

    async def dispose(self) -> None:
        await self.engine.dispose()
