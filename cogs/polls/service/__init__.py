"""Poll use cases: create, vote, rank, close, results and export, each in one unit of work.

Nothing here speaks Discord: the cog parses what Discord gave, calls one of these, and renders the frozen
result. Secret ballots need the server secret (`BALLOT_SECRET`), which the cog hands in from the settings;
it never reaches the database (see `db/polls.py`).
"""

from cogs.polls.service.closing import (
    announced,
    close_due_poll,
    close_poll_now,
    retry_announcement,
    scrub_deleted_ballots,
)
from cogs.polls.service.creating import create_poll, discard_poll, draft_poll, publish_poll
from cogs.polls.service.reading import (
    export_poll,
    list_polls,
    live_results,
    open_secret_polls,
    parse_poll_ref,
    poll_results,
)
from cogs.polls.service.results import (
    CLOSE_JOB,
    NO_SECRET,
    REFRESH_JOB,
    SECRET_LOST,
    ClosedPoll,
    PollDraft,
    PollExport,
    PollInfo,
    PollResults,
    RankingStep,
    Voter,
    VoteResult,
    close_key,
    voter_of,
)
from cogs.polls.service.voting import ranking_step, schedule_live_refresh, vote

__all__ = [
    "CLOSE_JOB",
    "NO_SECRET",
    "REFRESH_JOB",
    "SECRET_LOST",
    "ClosedPoll",
    "PollDraft",
    "PollExport",
    "PollInfo",
    "PollResults",
    "RankingStep",
    "VoteResult",
    "Voter",
    "announced",
    "close_due_poll",
    "close_key",
    "close_poll_now",
    "create_poll",
    "discard_poll",
    "draft_poll",
    "export_poll",
    "list_polls",
    "live_results",
    "open_secret_polls",
    "parse_poll_ref",
    "poll_results",
    "publish_poll",
    "ranking_step",
    "retry_announcement",
    "schedule_live_refresh",
    "scrub_deleted_ballots",
    "vote",
    "voter_of",
]
