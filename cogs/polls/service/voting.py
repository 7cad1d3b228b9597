"""Voting: one short transaction per ballot, votes on one poll queued in asyncio, and the ranking steps."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from datetime import datetime

from bot.errors import NotFound, UserFacingError
from bot.scheduler import RETRY_DELAYS
from bot.usecases import App, Work
from cogs.departments.service import department_for_text
from cogs.polls import rules
from cogs.polls.service.results import (
    REFRESH_JOB,
    SECRET_LOST,
    PollInfo,
    RankingStep,
    Voter,
    VoteResult,
    poll_info,
    refresh_prefix,
    stamp,
)
from db import departments, members
from db import polls as store
from db import polls_votes as votes

log = logging.getLogger(__name__)


# Votes on one poll wait for each other here, in asyncio, never on the database's lock.
_vote_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


def _lock_for(poll_id: int) -> asyncio.Lock:
    lock = _vote_locks.get(poll_id)
    if lock is None:
        lock = asyncio.Lock()
        _vote_locks[poll_id] = lock
    return lock


def _check_voter(poll: PollInfo | None, voter: Voter, now: datetime) -> PollInfo:
    """The poll, if this member may vote in it now; otherwise say why not."""
    if poll is None:
        raise NotFound("This poll does not exist in this server (any more); your vote was not recorded.")
    if not poll.is_open or now >= poll.closes_at:
        when = poll.closed_at or poll.closes_at
        raise UserFacingError(f"This poll closed {stamp(when, 'R')}; votes are no longer accepted.")
    if poll.role_id and poll.role_id not in voter.role_ids:
        raise UserFacingError(
            f"Only members with the <@&{poll.role_id}> role may vote in this poll, and you do not have it, "
            "so your vote was not recorded. Ask an organizer if you think you should."
        )
    return poll


NO_DEPARTMENT = (
    "This poll counts one ballot per health department, so I need to know yours: pick it with "
    "`/profile edit department:` (start typing its name and choose it from the list), then vote again."
)
NO_ORGANIZATION = (
    "This poll counts one ballot per health department, so I need to know yours: set your "
    "organization with `/profile edit`, then vote again."
)


async def _organization_of(work: Work, poll: PollInfo, user_id: int) -> str | None:
    """The key a one-per-department poll groups the voter's ballot under: their department's id.

    A member who never picked a department but typed its name or an alias as organization is counted in it.
    A server that keeps no department list yet groups by the organization as typed, as it always did.
    """
    if poll.department_mode == "off":
        return None
    profile = await members.get_profile(work.session, poll.guild_id, user_id)
    department_id = profile.department_id if profile else None
    if department_id is None and profile is not None:
        known = await department_for_text(work, poll.guild_id, profile.organization)
        department_id = known.id if known else None
    if department_id is not None:
        return f"department:{department_id}"
    if await departments.count_departments(work.session, poll.guild_id):
        raise UserFacingError(NO_DEPARTMENT)
    if profile is None or not profile.organization_key:
        raise UserFacingError(NO_ORGANIZATION)
    return profile.organization_key


async def vote(
    app: App,
    *,
    guild_id: int,
    poll_id: int,
    voter: Voter,
    choices: Sequence[int],
    ballot_secret: str | None,
) -> VoteResult:
    """Record (or replace) the member's ballot in one short transaction, or say why not."""
    async with _lock_for(poll_id):
        try:
            return await _vote_once(app, guild_id, poll_id, voter, choices, ballot_secret)
        except store.BallotConflict:
            # Another click for the same department landed at the same moment: try once more.
            return await _vote_once(app, guild_id, poll_id, voter, choices, ballot_secret)


async def _vote_once(
    app: App, guild_id: int, poll_id: int, voter: Voter, choices: Sequence[int], ballot_secret: str | None
) -> VoteResult:
    try:
        async with app.work() as work:
            target = await votes.vote_target(work.session, guild_id, poll_id, voter.user_id, ballot_secret)
            info = _check_voter(poll_info(target.poll) if target else None, voter, work.now)
            assert target is not None  # checked just above
            try:
                ballot = rules.check_ballot(info.kind, len(info.options), info.max_choices, choices)
            except rules.PollRuleError as error:
                raise UserFacingError(str(error)) from error
            organization = await _organization_of(work, info, voter.user_id)
            cast = await votes.cast_vote(
                work.session,
                target,
                voter.user_id,
                ballot,
                work.now,
                organization_key=organization,
                server_secret=ballot_secret,
            )
    except store.PollClosed as error:
        raise UserFacingError(
            "This poll closed a moment ago; votes are no longer accepted, so yours was not recorded."
        ) from error
    except store.DepartmentAlreadyVoted as error:
        raise UserFacingError(
            "Someone from your health department has already voted in this poll, and it takes one "
            "ballot per department, so your vote was not recorded."
        ) from error
    except store.PollKeyUnavailable as error:
        log.warning("Secret poll %s cannot take votes: %s", poll_id, error)
        raise UserFacingError(SECRET_LOST) from error
    same = cast.previous is not None and list(cast.previous) == ballot
    return VoteResult(
        poll=info,
        choices=tuple(ballot),
        changed=cast.changed and not same,
        unchanged=same,
        replaced_department=cast.replaced_department,
    )


async def ranking_step(
    app: App,
    *,
    guild_id: int,
    poll_id: int,
    voter: Voter,
    picks: Sequence[int],
    first: bool,
    ballot_secret: str | None,
) -> RankingStep:
    """Check a ranking in progress (and, on the first step, fetch the member's current ballot)."""
    try:
        async with app.work() as work:
            poll = await store.get_poll(work.session, guild_id, poll_id)
            info = _check_voter(poll_info(poll) if poll else None, voter, work.now)
            assert poll is not None  # checked just above
            # Say so now rather than after the whole ranking.
            await _organization_of(work, info, voter.user_id)
            current = (
                await store.ballot_of(work.session, poll, voter.user_id, ballot_secret) if first else None
            )
    except store.PollKeyUnavailable as error:
        log.warning("Secret poll %s cannot take votes: %s", poll_id, error)
        raise UserFacingError(SECRET_LOST) from error
    if info.kind != "ranked":
        raise UserFacingError("This poll is not a ranked-choice poll.")
    if len(set(picks)) != len(picks) or any(not 0 <= index < len(info.options) for index in picks):
        raise UserFacingError("That ranking does not match this poll. Please start again from the poll.")
    return RankingStep(info, tuple(picks), tuple(current) if current is not None else None)


async def schedule_live_refresh(app: App, *, guild_id: int, poll_id: int) -> datetime:
    """Redraw a live poll's counts again soon, after Discord refused an edit (one pending retry per poll)."""
    async with app.work() as work:
        due_at = work.now + RETRY_DELAYS[0]
        await work.cancel_jobs(refresh_prefix(poll_id))
        key = f"{refresh_prefix(poll_id)}{int(due_at.timestamp())}"
        await work.schedule(REFRESH_JOB, key, due_at, payload={"poll_id": poll_id}, guild_id=guild_id)
    return due_at
