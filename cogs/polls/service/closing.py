"""Closing a poll: once, by an organizer or on time; unlinking secret ballots for good; the announcement."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.errors import NotFound, UserFacingError
from bot.scheduler import RETRY_DELAYS
from bot.usecases import App
from cogs.polls import tally
from cogs.polls.service.reading import poll_in_guild
from cogs.polls.service.results import ClosedPoll, PollResults, close_key, poll_info
from db import polls as store
from db.polls import Poll

log = logging.getLogger(__name__)


async def close_poll_now(app: App, *, guild_id: int, poll_id: int, closed_by: int) -> ClosedPoll:
    """Close an open poll on an organizer's word; audited."""
    closed = await _close(app, poll_id, closed_by, guild_id=guild_id)
    if closed is None:
        raise NotFound(f"There is no poll #{poll_id} in this server.")
    return closed


async def close_due_poll(app: App, *, poll_id: int) -> ClosedPoll | None:
    """Close a poll whose time came (the close job); None when the poll no longer exists."""
    closed = await _close(app, poll_id, None)
    if closed is None:
        log.info("Poll %s no longer exists; nothing to close", poll_id)
    return closed


async def _close(
    app: App, poll_id: int, closed_by: int | None, *, guild_id: int | None = None
) -> ClosedPoll | None:
    """Close the poll once (an organizer's close is checked against their server and refused twice)."""
    async with app.work() as work:
        if guild_id is not None and not (await poll_in_guild(work, guild_id, poll_id)).is_open:
            raise UserFacingError(f"Poll #{poll_id} is already closed.")
        closed = await store.close_poll(work.session, poll_id, work.now, closed_by)
        poll = await work.session.get(Poll, poll_id, populate_existing=True)
        if poll is None:
            return None
        if closed and closed_by is not None:
            await work.audit(poll.guild_id, closed_by, "poll.close", f"#{poll_id}")
        ballots = await store.ballot_choices(work.session, poll_id)
        info = poll_info(poll)
    if closed:
        log.info("Closed poll %s in guild %s", poll_id, info.guild_id)
        if info.secret:
            await scrub_deleted_ballots(app)
    outcome = tally.outcome(info.kind, len(info.options), ballots, info.quorum)
    return ClosedPoll(PollResults(info, outcome), closed_now=closed)


async def scrub_deleted_ballots(app: App) -> None:
    """Make the unlinked ballots of a closed secret poll unrecoverable from the database's files."""
    try:
        await store.scrub_deleted_ballots(app.database.engine)
    except Exception:
        # The poll is closed and its ballots unlinked in the live data either way; say so and carry on.
        log.warning("Could not scrub the deleted secret ballots from the database files", exc_info=True)


async def announced(app: App, *, poll_id: int) -> None:
    """Record that the results are on the poll message; the close job has nothing left to do."""
    async with app.work() as work:
        await store.mark_announced(work.session, poll_id, work.now)
        await work.cancel_job(close_key(poll_id))


async def retry_announcement(app: App, *, poll_id: int) -> datetime:
    """Bring the close job forward to post the results soon, after the organizer's attempt failed."""
    async with app.work() as work:
        retry_at = work.now + RETRY_DELAYS[0]
        await work.reschedule(close_key(poll_id), retry_at)
    return retry_at
