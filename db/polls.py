"""Polls and their ballots, including the secret-ballot scheme.

Secret ballots. While a secret poll is open, a ballot is keyed by HMAC-SHA256(poll secret, user id),
so that a member can change their own ballot, and the department key is hashed the same way. The
secret is a random value held only in the poll row. Closing the poll deletes the secret and rewrites
the ballots in a random order with no voter key, department key, voter id or time: what is left is
the list of choices, which the stored data can no longer tie to anyone. Named polls keep the voter id.

One member, one ballot is the unique constraint (poll_id, voter_key); one ballot per health department
is the unique constraint (poll_id, organization_key), which stays NULL on other polls.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from db.types import Snowflake, UTCDateTime

OPEN, CLOSED = "open", "closed"
QUESTION_MAX = 200
OPTION_MAX = 80


class Poll(SQLModel, table=True):
    __tablename__ = "poll"
    __table_args__ = (Index("ix_poll_guild_status", "guild_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    channel_id: int | None = Field(default=None, sa_type=Snowflake)
    message_id: int | None = Field(default=None, sa_type=Snowflake)
    created_by: int = Field(sa_type=Snowflake)
    question: str = Field(max_length=QUESTION_MAX)
    options: list[str] = Field(default_factory=list, sa_type=JSON)
    # single, multiple (up to max_choices) or ranked
    kind: str = Field(max_length=16)
    max_choices: int = 1
    secret: bool = False
    live_results: bool = False
    role_id: int | None = Field(default=None, sa_type=Snowflake)
    quorum: int | None = None
    # off, replace (a later ballot from the department replaces the earlier) or refuse
    department_mode: str = Field(default="off", max_length=16)
    # HMAC key for secret ballots while the poll is open; deleted on close.
    ballot_secret: str | None = Field(default=None, max_length=64)
    status: str = Field(default=OPEN, max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, sa_type=Snowflake)
    # When the results were written to the poll message (closing retries until this is set).
    announced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


class PollBallot(SQLModel, table=True):
    __tablename__ = "poll_ballot"
    __table_args__ = (
        UniqueConstraint("poll_id", "voter_key", name="uq_poll_ballot_voter"),
        UniqueConstraint("poll_id", "organization_key", name="uq_poll_ballot_department"),
    )

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE")
    # The user id (named polls) or its HMAC (secret polls); NULL once a secret poll closes.
    voter_key: str | None = Field(default=None, max_length=64)
    # Named polls only, for the export.
    voter_id: int | None = Field(default=None, sa_type=Snowflake)
    # Set only on one-ballot-per-department polls (hashed on secret polls).
    organization_key: str | None = Field(default=None, max_length=120)
    choices: list[int] = Field(default_factory=list, sa_type=JSON)
    cast_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DepartmentAlreadyVoted(Exception):
    """Another member of the same health department holds this poll's ballot (refuse mode)."""


class PollClosed(Exception):
    """The poll closed before the ballot could be stored."""


class BallotConflict(Exception):
    """A concurrent vote took the same voter or department slot; the caller retries once."""


@dataclass(frozen=True)
class CastResult:
    changed: bool  # the member replaced their own earlier ballot
    replaced_department: bool  # the ballot replaced one cast by a colleague from the same department


def _hmac(secret: str, value: str) -> str:
    return hmac.new(bytes.fromhex(secret), value.encode(), hashlib.sha256).hexdigest()


def voter_key(poll: Poll, user_id: int) -> str:
    """The key a member's ballot is stored under: their id, or its HMAC on a secret poll."""
    if poll.secret:
        if poll.ballot_secret is None:
            raise ValueError("a closed secret poll has no voter keys any more")
        return _hmac(poll.ballot_secret, f"voter:{user_id}")
    return str(user_id)


def department_key(poll: Poll, organization_key: str) -> str:
    if poll.secret:
        if poll.ballot_secret is None:
            raise ValueError("a closed secret poll has no department keys any more")
        return _hmac(poll.ballot_secret, f"department:{organization_key}")
    return organization_key


async def create_poll(
    session: AsyncSession,
    *,
    guild_id: int,
    created_by: int,
    question: str,
    options: Sequence[str],
    kind: str,
    max_choices: int,
    secret: bool,
    live_results: bool,
    closes_at: datetime,
    now: datetime,
    role_id: int | None = None,
    quorum: int | None = None,
    department_mode: str = "off",
) -> Poll:
    poll = Poll(
        guild_id=guild_id,
        created_by=created_by,
        question=question,
        options=list(options),
        kind=kind,
        max_choices=max_choices,
        secret=secret,
        live_results=live_results,
        role_id=role_id,
        quorum=quorum,
        department_mode=department_mode,
        ballot_secret=secrets.token_hex(32) if secret else None,
        created_at=now,
        closes_at=closes_at,
    )
    session.add(poll)
    await session.flush()
    return poll


async def get_poll(session: AsyncSession, guild_id: int, poll_id: int) -> Poll | None:
    """The poll with this id in this guild (None for another guild's poll or a deleted one)."""
    poll = await session.get(Poll, poll_id, populate_existing=True)
    return poll if poll is not None and poll.guild_id == guild_id else None


async def set_message(session: AsyncSession, poll_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(Poll).where(Poll.id == poll_id).values(channel_id=channel_id, message_id=message_id)  # type: ignore[arg-type]
    )


async def list_polls(
    session: AsyncSession, guild_id: int, *, open_only: bool = False, limit: int = 25
) -> list[Poll]:
    """The guild's polls, open ones first, newest first."""
    query = select(Poll).where(Poll.guild_id == guild_id)
    if open_only:
        query = query.where(Poll.status == OPEN)  # type: ignore[arg-type]
    query = query.order_by((Poll.status == OPEN).desc(), Poll.id.desc()).limit(limit)  # type: ignore[union-attr, attr-defined]
    return list(await session.scalars(query))


async def cast_ballot(
    session: AsyncSession,
    poll: Poll,
    user_id: int,
    choices: Sequence[int],
    now: datetime,
    *,
    organization_key: str | None = None,
) -> CastResult:
    """Store the member's ballot, replacing their earlier one; apply the department rule if the poll has one.

    Raises PollClosed, DepartmentAlreadyVoted (refuse mode) and BallotConflict when a concurrent vote won a race.
    """
    assert poll.id is not None
    # Lock the poll row (PostgreSQL; SQLite's write lock is already held): close_poll then waits for this
    # ballot, or this ballot sees the poll closed, so no ballot lands after its secret ballots were unlinked.
    status = await session.scalar(select(Poll.status).where(Poll.id == poll.id).with_for_update())  # type: ignore[arg-type]
    if status != OPEN:
        raise PollClosed()
    key = voter_key(poll, user_id)
    department = None
    if poll.department_mode != "off":
        if organization_key is None:
            raise ValueError("a department poll needs the member's organization")
        department = department_key(poll, organization_key)
    mine = await session.scalar(
        select(PollBallot).where(PollBallot.poll_id == poll.id, PollBallot.voter_key == key)
    )
    replaced_department = False
    if department is not None:
        theirs = await session.scalar(
            select(PollBallot).where(
                PollBallot.poll_id == poll.id,
                PollBallot.organization_key == department,
                PollBallot.voter_key != key,
            )
        )
        if theirs is not None:
            if poll.department_mode == "refuse":
                raise DepartmentAlreadyVoted()
            await session.delete(theirs)
            # Flush now: the unit of work would otherwise write our ballot before deleting theirs.
            await session.flush()
            replaced_department = True
    values: dict[str, Any] = {
        "choices": list(choices),
        "organization_key": department,
        "cast_at": now,
        "voter_id": None if poll.secret else user_id,
    }
    try:
        async with session.begin_nested():
            if mine is None:
                session.add(PollBallot(poll_id=poll.id, voter_key=key, **values))
            else:
                for name, value in values.items():
                    setattr(mine, name, value)
                session.add(mine)
    except IntegrityError as exc:
        raise BallotConflict() from exc
    return CastResult(changed=mine is not None, replaced_department=replaced_department)


async def ballot_choices(session: AsyncSession, poll_id: int) -> list[list[int]]:
    rows = await session.scalars(
        select(PollBallot.choices).where(PollBallot.poll_id == poll_id).order_by(PollBallot.id)
    )
    return [list(choices) for choices in rows]


async def ballot_count(session: AsyncSession, poll_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(PollBallot).where(PollBallot.poll_id == poll_id)
        )
        or 0
    )


async def ballot_of(session: AsyncSession, poll: Poll, user_id: int) -> list[int] | None:
    """The member's current ballot on an open poll."""
    if not poll.is_open:
        return None
    return await session.scalar(
        select(PollBallot.choices).where(
            PollBallot.poll_id == poll.id, PollBallot.voter_key == voter_key(poll, user_id)
        )
    )


async def named_ballots(session: AsyncSession, poll_id: int) -> list[PollBallot]:
    """Every ballot with its voter (named polls; secret polls have no voter to show)."""
    rows = await session.scalars(
        select(PollBallot).where(PollBallot.poll_id == poll_id).order_by(PollBallot.cast_at, PollBallot.id)
    )
    return list(rows)


async def close_poll(session: AsyncSession, poll_id: int, now: datetime, closed_by: int | None) -> bool:
    """Close an open poll (True), or do nothing when it is already closed (False); unlink secret ballots."""
    result = await session.execute(
        update(Poll)
        .where(Poll.id == poll_id, Poll.status == OPEN)  # type: ignore[arg-type]
        .values(status=CLOSED, closed_at=now, closed_by=closed_by, ballot_secret=None)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    poll = await session.get(Poll, poll_id, populate_existing=True)
    if poll is not None and poll.secret:
        await _unlink_ballots(session, poll_id)
    return True


async def _unlink_ballots(session: AsyncSession, poll_id: int) -> None:
    """Rewrite a secret poll's ballots as bare choices in a random order (new ids, no keys, no times)."""
    choices = await ballot_choices(session, poll_id)
    await session.execute(delete(PollBallot).where(PollBallot.poll_id == poll_id))  # type: ignore[arg-type]
    # The row order would otherwise follow the order people voted in.
    random.SystemRandom().shuffle(choices)
    session.add_all(PollBallot(poll_id=poll_id, choices=ballot) for ballot in choices)
    await session.flush()


async def mark_announced(session: AsyncSession, poll_id: int, now: datetime) -> None:
    await session.execute(update(Poll).where(Poll.id == poll_id).values(announced_at=now))  # type: ignore[arg-type]
