"""Votes in a burst (issue 11): nothing lost, and each vote one short transaction of two statements."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.scheduler import Scheduler
from bot.usecases import App
from cogs.polls import service
from db import polls as store
from db.engine import Database
from tests.conftest import TEST_BALLOT_SECRET as SECRET

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUILD = 111


async def _poll(app: App, *, secret: bool = True) -> service.PollInfo:
    draft = service.draft_poll(
        question="Which campaign first?",
        options="Parks | Transit | Housing",
        closes_at=NOW + timedelta(days=2),
        now=NOW,
        kind="single",
        max_choices=None,
        secret=secret,
        live_results=True,
        role_id=None,
        quorum=None,
        department_mode="off",
        ballot_secret=SECRET,
    )
    created = await service.create_poll(app, guild_id=GUILD, created_by=1, draft=draft, ballot_secret=SECRET)
    return created.poll


async def _vote(app: App, poll_id: int, user_id: int, choice: int) -> service.VoteResult:
    return await service.vote(
        app,
        guild_id=GUILD,
        poll_id=poll_id,
        voter=service.voter_of(user_id, ()),
        choices=[choice],
        ballot_secret=SECRET,
    )


def _statements(database: Database) -> list[str]:
    """Every statement the engine sends from now on (transaction control left out)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(" ".join(statement.split()))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_a_vote_is_one_read_and_one_upsert(database):
    app = App(database, Scheduler(database), now=lambda: NOW)
    poll = await _poll(app)
    await _vote(app, poll.id, 41, 0)
    statements = _statements(database)

    await _vote(app, poll.id, 42, 1)
    first = list(statements)
    statements.clear()
    changed = await _vote(app, poll.id, 42, 2)

    assert changed.changed
    for one_vote in (first, statements):
        assert len(one_vote) == 2, one_vote
        read, write = one_vote
        assert read.upper().startswith("SELECT")
        assert "POLL_BALLOT" in read.upper()
        assert write.upper().startswith("INSERT INTO POLL_BALLOT")
        assert "ON CONFLICT" in write.upper()


@pytest.mark.parametrize("secret", [True, False])
async def test_a_vote_after_a_restart_still_finds_the_members_ballot(database, secret):
    app = App(database, Scheduler(database), now=lambda: NOW)
    poll = await _poll(app, secret=secret)
    await _vote(app, poll.id, 42, 1)
    store.remember_seal(poll.id, None)  # as after a restart: this process has not seen the poll's seal yet
    statements = _statements(database)

    again = await _vote(app, poll.id, 42, 1)
    cold = list(statements)
    statements.clear()
    changed = await _vote(app, poll.id, 42, 2)

    assert again.unchanged
    assert not again.changed
    assert changed.changed
    assert not changed.unchanged
    # Only the first vote on a secret poll the process has not seen costs a lookup of the ballot more.
    assert len(cold) == (3 if secret else 2), cold
    assert len(statements) == 2, statements


async def test_live_counts_are_read_in_one_statement(database):
    app = App(database, Scheduler(database), now=lambda: NOW)
    poll = await _poll(app)
    for n in range(5):
        await _vote(app, poll.id, 30 + n, n % 2)
    statements = _statements(database)

    shown = await service.live_results(app, guild_id=GUILD, poll_id=poll.id)

    assert len(statements) == 1, statements
    assert shown is None  # this poll has no message to redraw yet
    async with database.session() as session:
        await store.set_message(session, poll.id, 5, 6)
    statements.clear()
    shown = await service.live_results(app, guild_id=GUILD, poll_id=poll.id)
    assert len(statements) == 1, statements
    assert shown is not None
    assert shown.outcome.counts == [3, 2, 0]
    assert await service.live_results(app, guild_id=GUILD + 1, poll_id=poll.id) is None  # another guild's


async def test_a_thousand_simultaneous_votes_store_a_thousand_ballots(database):
    app = App(database, Scheduler(database), now=lambda: NOW)
    poll = await _poll(app)

    results = await asyncio.gather(*(_vote(app, poll.id, 10_000 + n, n % 3) for n in range(1000)))

    assert len(results) == 1000
    async with database.session() as session:
        assert await store.ballot_count(session, poll.id) == 1000
        counts = sorted(await store.ballot_choices(session, poll.id))
    assert counts.count([0]) == 334
    assert counts.count([2]) == 333


async def test_simultaneous_votes_wait_in_asyncio_not_on_the_sqlite_lock(database):
    if database.dialect != "sqlite":
        pytest.skip("SQLite's busy timeout is what the votes must not wait on")
    impatient = Database(database.url)

    @event.listens_for(impatient.engine.sync_engine, "connect")
    def _no_waiting(dbapi_connection: Any, _record: Any) -> None:
        # A vote that had to wait for SQLite's write lock now fails at once with "database is locked".
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    try:
        app = App(impatient, Scheduler(impatient), now=lambda: NOW)
        poll = await _poll(app)
        await asyncio.gather(*(_vote(app, poll.id, 20_000 + n, n % 3) for n in range(300)))
        async with impatient.session() as session:
            assert await store.ballot_count(session, poll.id) == 300
    finally:
        await impatient.dispose()


async def test_closing_a_poll_forgets_its_key_in_memory(database):
    app = App(database, Scheduler(database), now=lambda: NOW)
    poll = await _poll(app)
    await _vote(app, poll.id, 42, 1)
    seal = store.known_seal(poll.id)
    assert seal is not None
    assert seal in store._unsealed  # the key is kept in memory while the poll is open, never stored

    await service.close_poll_now(app, guild_id=GUILD, poll_id=poll.id, closed_by=1)

    assert store.known_seal(poll.id) is None
    assert seal not in store._unsealed
