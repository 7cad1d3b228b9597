"""A vote's hot path in SQLAlchemy Core: one locking read, one upsert, and the live tally from one query.

A vote reads the poll and the member's current ballot together (the ballot is looked up under the member's
voter key, which on a secret poll needs the poll's seal: remembered from earlier reads, see
`db.polls.remember_seal`), then writes the ballot with one `INSERT … ON CONFLICT … DO UPDATE`. Statements
are built once at import with bound parameters, so that SQLAlchemy compiles each of them once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Insert, Row, Select, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.polls import (
    OPEN,
    BallotConflict,
    CastResult,
    Poll,
    PollBallot,
    PollClosed,
    key_of_seal,
    known_seal,
    make_room_in_department,
    remember_seal,
    secret_department_key,
    secret_voter_key,
)
from db.types import table_of

_poll_t = table_of(Poll)
_ballot_t = table_of(PollBallot)


def _vote_read() -> Select[Any]:
    mine = (
        select(_ballot_t.c.choices)
        .where(_ballot_t.c.poll_id == _poll_t.c.id, _ballot_t.c.voter_key == bindparam("voter_key"))
        .scalar_subquery()
    )
    # The poll row stays locked until the ballot is stored (PostgreSQL; SQLite's write lock is already held):
    # a close then waits for this ballot, or this ballot sees the poll closed, never one after the unlinking.
    return (
        select(*_poll_t.c, mine.label("previous"))
        .where(_poll_t.c.id == bindparam("poll_id"))
        .with_for_update(of=_poll_t)
    )


def _upsert(insert: Any) -> Insert:
    """Insert the ballot, or replace the member's own (the (poll_id, voter_key) constraint)."""
    statement = insert(_ballot_t)
    replaced = {
        name: statement.excluded[name] for name in ("choices", "organization_key", "cast_at", "voter_id")
    }
    upsert: Insert = statement.on_conflict_do_update(index_elements=["poll_id", "voter_key"], set_=replaced)
    return upsert


def _tally(ballots: Any) -> Select[Any]:
    """The poll and all its ballots' choices as one JSON array, in one row."""
    gathered = select(ballots).where(_ballot_t.c.poll_id == _poll_t.c.id).scalar_subquery()
    return select(*_poll_t.c, gathered.label("ballots")).where(_poll_t.c.id == bindparam("poll_id"))


_VOTE_READ = _vote_read()
_UPSERT = {"sqlite": _upsert(sqlite.insert), "postgresql": _upsert(postgresql.insert)}
_TALLY = {
    "sqlite": _tally(func.json_group_array(func.json(_ballot_t.c.choices), type_=JSON)),
    "postgresql": _tally(func.json_agg(_ballot_t.c.choices, type_=JSON)),
}


@dataclass(frozen=True, slots=True)
class VoteTarget:
    """The poll as the vote read it (a row of the poll's columns), and the member's ballot if it was found."""

    poll: Row[Any]
    looked_up_under: str  # the voter key the member's current ballot was looked up under
    previous: tuple[int, ...] | None


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _guess_voter_key(poll_id: int, user_id: int, server_secret: str | None) -> str:
    """The member's voter key if the poll is as last seen (a named poll's key is the member's id)."""
    seal = known_seal(poll_id)
    if seal is not None and server_secret:
        try:
            return secret_voter_key(key_of_seal(seal, server_secret), user_id)
        except ValueError:
            pass  # the vote then says why, once it knows the poll is still open
    return str(user_id)


async def vote_target(
    session: AsyncSession, guild_id: int, poll_id: int, user_id: int, server_secret: str | None
) -> VoteTarget | None:
    """The poll (locked) and the member's current ballot, in one read; None when the guild has no such poll."""
    guess = _guess_voter_key(poll_id, user_id, server_secret)
    row = (await session.execute(_VOTE_READ, {"poll_id": poll_id, "voter_key": guess})).first()
    if row is None or row.guild_id != guild_id:
        return None
    if row.secret and row.status == OPEN:
        remember_seal(poll_id, row.ballot_secret)
    previous = tuple(row.previous) if row.previous is not None else None
    return VoteTarget(row, guess, previous)


def _voter_key(poll: Row[Any], user_id: int, server_secret: str | None) -> str:
    if poll.secret:
        return secret_voter_key(key_of_seal(poll.ballot_secret, server_secret), user_id)
    return str(user_id)


async def cast_vote(
    session: AsyncSession,
    target: VoteTarget,
    user_id: int,
    choices: Sequence[int],
    now: datetime,
    *,
    organization_key: str | None = None,
    server_secret: str | None = None,
) -> CastResult:
    """Store the member's ballot over their earlier one, in one upsert (more only for department polls).

    Raises PollClosed, PollKeyUnavailable, DepartmentAlreadyVoted (refuse mode), and BallotConflict when a
    concurrent vote won a race.
    """
    poll = target.poll
    if poll.status != OPEN:
        raise PollClosed()
    key = _voter_key(poll, user_id, server_secret)
    previous = target.previous
    if key != target.looked_up_under:
        # The poll's seal was not known before the read (the first vote on it in this process).
        found = await session.scalar(
            select(_ballot_t.c.choices).where(_ballot_t.c.poll_id == poll.id, _ballot_t.c.voter_key == key)
        )
        previous = tuple(found) if found is not None else None
    department = None
    replaced_department = False
    if poll.department_mode != "off":
        if organization_key is None:
            raise ValueError("a department poll needs the member's organization")
        department = (
            secret_department_key(key_of_seal(poll.ballot_secret, server_secret), organization_key)
            if poll.secret
            else organization_key
        )
        replaced_department = await make_room_in_department(
            session, poll.id, poll.department_mode, key, department
        )
    values = {
        "poll_id": poll.id,
        "voter_key": key,
        "choices": list(choices),
        "organization_key": department,
        "cast_at": now,
        "voter_id": None if poll.secret else user_id,
    }
    try:
        await session.execute(_UPSERT[_dialect(session)], values)
    except IntegrityError as exc:
        raise BallotConflict() from exc
    return CastResult(
        changed=previous is not None, replaced_department=replaced_department, previous=previous
    )


async def poll_tally(
    session: AsyncSession, guild_id: int, poll_id: int
) -> tuple[Row[Any], list[list[int]]] | None:
    """The poll and every ballot's choices, from one query; None when the guild has no such poll."""
    row = (await session.execute(_TALLY[_dialect(session)], {"poll_id": poll_id})).first()
    if row is None or row.guild_id != guild_id:
        return None
    ballots: list[list[int]] = row.ballots or []  # parsed from one JSON array, not row by row
    return row, ballots
