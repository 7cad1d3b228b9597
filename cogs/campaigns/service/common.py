"""What several campaign use cases share: refusals, finding a campaign or slot, scheduling offer expiries."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import ParamSpec, TypeVar

from bot.errors import NotFound, UserFacingError
from bot.replies import truncate
from bot.usecases import Work
from cogs.campaigns import rules
from db import campaigns
from db.campaigns import Campaign, CampaignRefused, CampaignSlot, Offer, stored_id

log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")

REMINDER_JOB = "campaign.reminder"
OFFER_EXPIRY_JOB = "campaign.offer_expiry"
DEADLINE_JOB = "campaign.deadline"
NUDGE_JOB = "campaign.rollcall_nudge"
ROLLCALL_CLOSE_JOB = "campaign.rollcall_close"
OFFER_NOTICE_JOB = "campaign.offer_notice"
EVENT_END_JOB = "campaign.event_end"
# Pauses before trying again a DM that Discord failed to deliver (a 5xx or a rate limit, not closed DMs).
NOTICE_RETRY = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


RACE_TRIES = 3


def rerun_if_changed(use_case: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run a use case again when another process changed its rows between its read and its write.

    Each run is a whole unit of work, rolled back before the next. Within one process a slot's clicks
    already take turns; this covers two processes on one PostgreSQL.
    """

    @functools.wraps(use_case)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(RACE_TRIES - 1):
            try:
                return await use_case(*args, **kwargs)
            except campaigns.ChangedMeanwhile:
                log.info("Rows of %s changed under it; running it again", use_case.__name__)
        try:
            return await use_case(*args, **kwargs)
        except campaigns.ChangedMeanwhile as exc:
            raise UserFacingError("Too many changes to that slot at once. Please click again.") from exc

    return run


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the storage layer's and the rules' refusals into messages for the member."""
    try:
        yield
    except CampaignRefused as exc:
        raise UserFacingError(exc.message) from exc
    except rules.CampaignRuleError as exc:
        raise UserFacingError(str(exc)) from exc


async def find_campaign(work: Work, guild_id: int, text: str) -> Campaign:
    """The campaign picked in autocomplete (its id) or typed by title, in this server only."""
    wanted = text.strip()
    campaign = None
    if wanted.isdigit():
        campaign = await campaigns.get_campaign(work.session, guild_id, int(wanted))
    if campaign is None:
        found = await campaigns.list_campaigns(work.session, guild_id, include_closed=True, search=wanted)
        exact = [c for c in found if c.title.casefold() == wanted.casefold()]
        matches = exact or found
        if len(matches) > 1:
            # Never guess between campaigns: an organizer could close or export the wrong one.
            names = ", ".join(f"#{c.id} {truncate(c.title, 60)}" for c in matches[:5])
            more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
            raise UserFacingError(
                f"Which one? Several campaigns match {truncate(text, 80)!r}: {names}{more}. "
                "Pick it from the list as you type, or type its full title."
            )
        campaign = matches[0] if matches else None
    if campaign is None:
        raise NotFound(f"I found no campaign called {truncate(text, 80)!r} in this server.")
    return campaign


async def find_slot(work: Work, campaign: Campaign, text: str) -> CampaignSlot:
    """A live slot of the campaign, by its id (from autocomplete) or its name."""
    slot = await campaigns.find_slot(work.session, stored_id(campaign), text)
    if slot is None:
        raise NotFound(f"{campaign.title} has no slot called {truncate(text, 80)!r}.")
    return slot


async def schedule_offer_expiries(work: Work, offers: Iterable[Offer]) -> None:
    """Each offer lapses at its expiry unless it was answered: schedule that in the offer's transaction."""
    for offer in offers:
        await work.schedule(
            OFFER_EXPIRY_JOB,
            f"{OFFER_EXPIRY_JOB}:{offer.signup_id}:{offer.number}",
            offer.expires_at,
            payload={"signup_id": offer.signup_id, "number": offer.number},
            guild_id=offer.guild_id,
        )
