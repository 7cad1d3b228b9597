"""What the poll use cases return: frozen, typed views of polls, ballots and outcomes, never rows."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from cogs.polls import tally
from db.polls import OPEN, Poll, StoredBallot

CLOSE_JOB = "poll.close"
REFRESH_JOB = "poll.refresh"
NO_SECRET = (
    "Secret ballots need the BALLOT_SECRET setting, which whoever runs this bot has not set, so I did not "
    "create the poll. Ask them to set it (README, Configuration), or create a named poll with `secret: False`."
)
SECRET_LOST = (
    "This secret poll cannot take votes right now: the bot's BALLOT_SECRET setting is missing or was changed "
    "since the poll opened, so your vote was not recorded. Please tell an organizer."
)


def close_key(poll_id: int) -> str:
    return f"poll.close:{poll_id}"


def refresh_prefix(poll_id: int) -> str:
    return f"poll.refresh:{poll_id}:"


def stamp(moment: datetime, style: str) -> str:
    """A Discord timestamp, as discord.utils.format_dt writes it (shown in each reader's own time zone)."""
    return f"<t:{int(moment.timestamp())}:{style}>"


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class PollInfo:
    """A poll as members and organizers see it; never its ballots or keys."""

    id: int
    guild_id: int
    channel_id: int | None
    message_id: int | None
    created_by: int
    question: str
    options: tuple[str, ...]
    kind: str
    max_choices: int
    secret: bool
    live_results: bool
    role_id: int | None
    quorum: int | None
    department_mode: str
    is_open: bool
    closes_at: datetime
    closed_at: datetime | None
    announced_at: datetime | None


def poll_info(poll: Poll | Row[Any]) -> PollInfo:
    """The poll as a frozen view (from its model or a row of its columns), built inside the unit of work."""
    assert poll.id is not None  # a stored poll always has its id
    return PollInfo(
        id=poll.id,
        guild_id=poll.guild_id,
        channel_id=poll.channel_id,
        message_id=poll.message_id,
        created_by=poll.created_by,
        question=poll.question,
        options=tuple(poll.options),
        kind=poll.kind,
        max_choices=poll.max_choices,
        secret=poll.secret,
        live_results=poll.live_results,
        role_id=poll.role_id,
        quorum=poll.quorum,
        department_mode=poll.department_mode,
        is_open=poll.status == OPEN,
        closes_at=poll.closes_at,
        closed_at=poll.closed_at,
        announced_at=poll.announced_at,
    )


@dataclass(frozen=True, slots=True)
class PollResults:
    poll: PollInfo
    outcome: tally.Outcome


@dataclass(frozen=True, slots=True)
class Voter:
    """Who is voting, as the cog read it from Discord."""

    user_id: int
    role_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class VoteResult:
    poll: PollInfo
    choices: tuple[int, ...]
    changed: bool  # the member replaced an earlier, different ballot
    unchanged: bool  # the member cast the same ballot again
    replaced_department: bool  # it replaced a colleague's ballot (one ballot per department)


@dataclass(frozen=True, slots=True)
class RankingStep:
    poll: PollInfo
    picks: tuple[int, ...]
    current: tuple[int, ...] | None  # the member's ballot, shown on the first step


@dataclass(frozen=True, slots=True)
class ClosedPoll:
    results: PollResults
    closed_now: bool  # this call closed it (False: it was closed already)


@dataclass(frozen=True, slots=True)
class PollExport:
    results: PollResults
    ballots: tuple[StoredBallot, ...]  # each ballot with its voter; empty for a secret poll


@dataclass(frozen=True, slots=True)
class PollDraft:
    """A poll request that passed every rule, ready to store."""

    question: str
    options: tuple[str, ...]
    kind: str
    max_choices: int
    secret: bool
    live_results: bool
    closes_at: datetime
    role_id: int | None
    quorum: int | None
    department_mode: str


def voter_of(user_id: int, role_ids: Collection[int]) -> Voter:
    return Voter(user_id, frozenset(role_ids))
