"""Reading polls: the list, results (live, hidden or final) and the export."""

from __future__ import annotations

from bot.errors import NotFound, UserFacingError
from bot.usecases import App, Work
from cogs.polls import tally
from cogs.polls.service.results import PollExport, PollInfo, PollResults, poll_info, stamp
from db import polls as store
from db import polls_votes as votes
from db.polls import Poll


def parse_poll_ref(value: str) -> int:
    """A poll option as typed or picked ("12", "#12"), or say how to pick one."""
    text = value.strip().lstrip("#")
    if not text.isdigit() or len(text) > 18:
        raise UserFacingError("Pick a poll from the suggestions (or type its number, like 12).")
    return int(text)


async def poll_in_guild(work: Work, guild_id: int, poll_id: int) -> Poll:
    """The poll with this number in this server, or say there is none."""
    poll = await store.get_poll(work.session, guild_id, poll_id)
    if poll is None:
        raise NotFound(f"There is no poll #{poll_id} in this server.")
    return poll


async def list_polls(app: App, *, guild_id: int, limit: int = 25) -> tuple[PollInfo, ...]:
    """The guild's polls, open ones first, newest first."""
    async with app.work() as work:
        found = await store.list_polls(work.session, guild_id, limit=limit)
        return tuple(poll_info(poll) for poll in found)


async def open_secret_polls(app: App) -> int:
    """How many open secret polls need the server secret to take votes."""
    async with app.work() as work:
        return await store.count_open_secret_polls(work.session)


async def poll_results(app: App, *, guild_id: int, poll_id: int, organizer: bool) -> PollResults:
    """A poll's results, for anyone once it closed or when they are live, and for organizers always."""
    async with app.work() as work:
        poll = await poll_in_guild(work, guild_id, poll_id)
        if poll.is_open and not poll.live_results and not organizer:
            raise UserFacingError(
                f"The results of this poll stay hidden until it closes {stamp(poll.closes_at, 'R')}."
            )
        ballots = await store.ballot_choices(work.session, poll_id)
        info = poll_info(poll)
    return PollResults(info, tally.outcome(info.kind, len(info.options), ballots, info.quorum))


async def live_results(app: App, *, guild_id: int, poll_id: int) -> PollResults | None:
    """The counts to redraw on an open live-results poll's message (None when there is nothing to redraw)."""
    async with app.work() as work:
        found = await votes.poll_tally(work.session, guild_id, poll_id)
        if found is None:
            return None
        poll, ballots = found
        info = poll_info(poll)
    if not info.is_open or info.message_id is None:
        return None
    return PollResults(info, tally.outcome(info.kind, len(info.options), ballots, info.quorum))


async def export_poll(app: App, *, guild_id: int, poll_id: int, actor_id: int) -> PollExport:
    """Totals, and each ballot with its voter on a named poll; audited."""
    async with app.work() as work:
        poll = await poll_in_guild(work, guild_id, poll_id)
        choices = await store.ballot_choices(work.session, poll_id)
        ballots = () if poll.secret else tuple(await store.named_ballots(work.session, poll_id))
        await work.audit(guild_id, actor_id, "poll.export", f"#{poll_id}")
        info = poll_info(poll)
    outcome = tally.outcome(info.kind, len(info.options), choices, info.quorum)
    return PollExport(PollResults(info, outcome), ballots)
