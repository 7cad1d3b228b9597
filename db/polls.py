"""Polls and their ballots, including the secret-ballot scheme.

Secret ballots. While a secret poll is open, a ballot is keyed by HMAC-SHA256(poll key, user id), so that
a member can change their own ballot, and the department key is hashed the same way. The poll key itself
is never stored: the poll row keeps only a seal (a random salt and a check value), and the key is
HMAC(BALLOT_SECRET, salt), where BALLOT_SECRET lives in the bot's environment and never in the database.
A copy of the database alone therefore cannot recompute any voter's key. Closing the poll deletes the
seal and rewrites the ballots in a random order with no voter key, department key, voter id or time: what
is left is the list of choices, which nothing can tie to anyone any more. Named polls keep the voter id.

One member, one ballot is the unique constraint (poll_id, voter_key); one ballot per health department
is the unique constraint (poll_id, organization_key), which stays NULL on other polls.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Index, UniqueConstraint, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import Field, SQLModel, col

from db.types import Snowflake, UTCDateTime

log = logging.getLogger(__name__)

OPEN, CLOSED = "open", "closed"
QUESTION_MAX = 200
OPTION_MAX = 80
# A seal: "s1.<salt, 32 hex>.<check, 24 hex>" (60 characters, within the column's 64).
SEAL_VERSION = "s1"


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
    # Secret polls while open: the seal of the poll key (see the module docstring); deleted on close.
    # Polls created before sealing hold their key here as 64 hex characters until they close.
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


class PollKeyUnavailable(ValueError):
    """The poll key cannot be had: the poll closed, or BALLOT_SECRET is missing or not the one it was sealed with."""


@dataclass(frozen=True, slots=True)
class CastResult:
    changed: bool  # the member replaced their own earlier ballot
    replaced_department: bool  # the ballot replaced one cast by a colleague from the same department
    previous: tuple[int, ...] | None = None  # the member's ballot before this one


@dataclass(frozen=True, slots=True)
class StoredBallot:
    """One ballot as the named-poll export shows it."""

    voter_id: int | None
    cast_at: datetime | None
    choices: tuple[int, ...]


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _derive(server_secret: str, salt: str) -> bytes:
    return hmac.new(server_secret.encode(), f"poll-key:{salt}".encode(), hashlib.sha256).digest()


def new_seal(server_secret: str) -> str:
    """A fresh seal for a new secret poll: its key is derived from the server secret and a random salt."""
    salt = secrets.token_hex(16)
    check = _hmac(_derive(server_secret, salt), "check")[:24]
    return f"{SEAL_VERSION}.{salt}.{check}"


def poll_key(poll: Poll, server_secret: str | None) -> bytes:
    """The key of an open secret poll's ballots, unsealed with the server secret."""
    return key_of_seal(poll.ballot_secret, server_secret)


def key_of_seal(seal: str | None, server_secret: str | None) -> bytes:
    """The poll key a seal stands for, unsealed with the server secret."""
    if seal is None:
        raise PollKeyUnavailable("a closed secret poll has no key any more")
    if not seal.startswith(SEAL_VERSION + "."):
        return bytes.fromhex(seal)  # a poll created before sealing keeps its stored key until it closes
    if not server_secret:
        raise PollKeyUnavailable("BALLOT_SECRET is not set")
    return _unseal(server_secret, seal)


KNOWN_SEALS_MAX = 10_000
# Open polls' keys by seal, with the server secret each was unsealed with: two HMACs per vote otherwise. Kept
# in this process's memory only (never stored), and dropped when the poll closes here.
_unsealed: dict[str, tuple[str, bytes]] = {}


def _unseal(server_secret: str, seal: str) -> bytes:
    known = _unsealed.get(seal)
    if known is not None and hmac.compare_digest(known[0], server_secret):
        return known[1]
    _version, salt, check = seal.split(".")
    key = _derive(server_secret, salt)
    if not hmac.compare_digest(_hmac(key, "check")[:24], check):
        raise PollKeyUnavailable("BALLOT_SECRET is not the one this poll was sealed with")
    if len(_unsealed) >= KNOWN_SEALS_MAX:
        _unsealed.clear()
    _unsealed[seal] = (server_secret, key)
    return key


def secret_voter_key(key: bytes, user_id: int) -> str:
    return _hmac(key, f"voter:{user_id}")


def secret_department_key(key: bytes, organization_key: str) -> str:
    return _hmac(key, f"department:{organization_key}")


# Open secret polls' seals as this process last saw them, so that a vote can look the member's ballot up in
# the same read as the poll. Only a hint: the read returns the poll's seal, and a stale one is noticed there.
_known_seals: dict[int, str] = {}


def remember_seal(poll_id: int, seal: str | None) -> None:
    """Note an open secret poll's seal, or (None) forget the poll and its key."""
    if seal is None:
        forgotten = _known_seals.pop(poll_id, None)
        if forgotten is not None:
            _unsealed.pop(forgotten, None)
        return
    if len(_known_seals) >= KNOWN_SEALS_MAX and poll_id not in _known_seals:
        _known_seals.clear()  # a hint, not a record: start again rather than grow without end
    _known_seals[poll_id] = seal


def known_seal(poll_id: int) -> str | None:
    return _known_seals.get(poll_id)


def voter_key(poll: Poll, user_id: int, server_secret: str | None = None) -> str:
    """The key a member's ballot is stored under: their id, or its HMAC on a secret poll."""
    if poll.secret:
        return secret_voter_key(poll_key(poll, server_secret), user_id)
    return str(user_id)


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
    server_secret: str | None = None,
) -> Poll:
    """Store a new open poll; a secret poll needs the server secret to seal its key."""
    if secret and not server_secret:
        raise PollKeyUnavailable("a secret poll needs BALLOT_SECRET")
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
        ballot_secret=new_seal(server_secret) if secret and server_secret else None,
        created_at=now,
        closes_at=closes_at,
    )
    session.add(poll)
    await session.flush()
    if poll.id is not None and poll.secret:
        remember_seal(poll.id, poll.ballot_secret)
    return poll


async def get_poll(session: AsyncSession, guild_id: int, poll_id: int) -> Poll | None:
    """The poll with this id in this guild (None for another guild's poll or a deleted one)."""
    poll = await session.get(Poll, poll_id, populate_existing=True)
    if poll is None or poll.guild_id != guild_id:
        return None
    if poll.secret and poll.is_open:
        remember_seal(poll_id, poll.ballot_secret)  # so that closing here also forgets its key
    return poll


async def delete_poll(session: AsyncSession, poll_id: int) -> None:
    await session.execute(delete(Poll).where(col(Poll.id) == poll_id))


async def set_message(session: AsyncSession, poll_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(Poll).where(col(Poll.id) == poll_id).values(channel_id=channel_id, message_id=message_id)
    )


async def list_polls(
    session: AsyncSession, guild_id: int, *, open_only: bool = False, limit: int = 25
) -> list[Poll]:
    """The guild's polls, open ones first, newest first."""
    query = select(Poll).where(col(Poll.guild_id) == guild_id)
    if open_only:
        query = query.where(col(Poll.status) == OPEN)
    query = query.order_by((col(Poll.status) == OPEN).desc(), col(Poll.id).desc()).limit(limit)
    return list(await session.scalars(query))


async def count_open_secret_polls(session: AsyncSession) -> int:
    """How many secret polls are open (their seals remembered for the votes to come)."""
    query = select(col(Poll.id), col(Poll.ballot_secret)).where(col(Poll.status) == OPEN, col(Poll.secret))
    rows = (await session.execute(query)).all()
    for poll_id, seal in rows:
        if poll_id is not None:  # a stored poll always has its id
            remember_seal(poll_id, seal)
    return len(rows)


async def make_room_in_department(
    session: AsyncSession, poll_id: int, department_mode: str, key: str, department: str
) -> bool:
    """Remove a colleague's ballot from this department (replace mode), or refuse; True when one was removed."""
    theirs = await session.scalar(
        select(col(PollBallot.id)).where(
            col(PollBallot.poll_id) == poll_id,
            col(PollBallot.organization_key) == department,
            col(PollBallot.voter_key) != key,
        )
    )
    if theirs is None:
        return False
    if department_mode == "refuse":
        raise DepartmentAlreadyVoted()
    await session.execute(delete(PollBallot).where(col(PollBallot.id) == theirs))
    return True


async def ballot_choices(session: AsyncSession, poll_id: int) -> list[list[int]]:
    rows = await session.scalars(
        select(col(PollBallot.choices)).where(col(PollBallot.poll_id) == poll_id).order_by(col(PollBallot.id))
    )
    return [list(choices) for choices in rows]


async def ballot_count(session: AsyncSession, poll_id: int) -> int:
    query = select(func.count()).select_from(PollBallot).where(col(PollBallot.poll_id) == poll_id)
    return int(await session.scalar(query) or 0)


async def ballot_of(
    session: AsyncSession, poll: Poll, user_id: int, server_secret: str | None = None
) -> list[int] | None:
    """The member's current ballot on an open poll."""
    if not poll.is_open:
        return None
    choices = await session.scalar(
        select(col(PollBallot.choices)).where(
            col(PollBallot.poll_id) == poll.id,
            col(PollBallot.voter_key) == voter_key(poll, user_id, server_secret),
        )
    )
    return list(choices) if choices is not None else None


async def named_ballots(session: AsyncSession, poll_id: int) -> list[StoredBallot]:
    """Every ballot with its voter (named polls; secret polls have no voter to show)."""
    rows = await session.scalars(
        select(PollBallot)
        .where(col(PollBallot.poll_id) == poll_id)
        .order_by(col(PollBallot.cast_at), col(PollBallot.id))
    )
    return [StoredBallot(row.voter_id, row.cast_at, tuple(row.choices)) for row in rows]


async def close_poll(session: AsyncSession, poll_id: int, now: datetime, closed_by: int | None) -> bool:
    """Close an open poll (True), or do nothing when it is already closed (False); unlink secret ballots."""
    result = await session.execute(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.status) == OPEN)
        .values(status=CLOSED, closed_at=now, closed_by=closed_by, ballot_secret=None)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    remember_seal(poll_id, None)
    poll = await session.get(Poll, poll_id, populate_existing=True)
    if poll is not None and poll.secret:
        await _unlink_ballots(session, poll_id)
    return True


async def _unlink_ballots(session: AsyncSession, poll_id: int) -> None:
    """Rewrite a secret poll's ballots as bare choices in a random order (new ids, no keys, no times)."""
    choices = await ballot_choices(session, poll_id)
    await session.execute(delete(PollBallot).where(col(PollBallot.poll_id) == poll_id))
    # The row order would otherwise follow the order people voted in.
    random.SystemRandom().shuffle(choices)
    session.add_all(PollBallot(poll_id=poll_id, choices=ballot) for ballot in choices)
    await session.flush()


async def mark_announced(session: AsyncSession, poll_id: int, now: datetime) -> None:
    await session.execute(update(Poll).where(col(Poll.id) == poll_id).values(announced_at=now))


async def scrub_deleted_ballots(engine: AsyncEngine) -> None:
    """Remove the old copies of deleted ballots (and seals) that the database keeps in its files.

    SQLite: with `secure_delete` on (db/engine.py) deleted rows are zeroed in their pages, but the write-ahead
    log still holds the pages as they were until a checkpoint copies the new ones over; TRUNCATE empties it.
    PostgreSQL: a DELETE or UPDATE leaves the old row versions in the table's pages until VACUUM; a plain
    VACUUM only marks them reusable, VACUUM FULL rewrites both tables (and their indexes) into new files.
    """
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None  # a live pooled connection always has its driver connection
            cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _pages, _moved = await cursor.fetchone()
            await cursor.close()
            if busy:
                log.warning(
                    "Could not truncate the SQLite WAL after closing a secret poll (readers were busy)"
                )
            return
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        # VACUUM FULL locks the tables while it rewrites them; give up rather than queue behind a long reader.
        await autocommit.exec_driver_sql("SET lock_timeout = '5s'")
        try:
            await autocommit.exec_driver_sql("VACUUM (FULL) poll_ballot, poll")
        finally:
            # The connection goes back to the pool: later units of work wait for locks as usual.
            await autocommit.exec_driver_sql("RESET lock_timeout")
