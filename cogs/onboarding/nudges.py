"""Nudge use cases: the stall reminder, the day-7 and day-30 follow-ups, and retrying a refused message.

A nudge is claimed once before it is sent, so two attempts never both send it; when Discord refuses it for
a while (a 500), the claim is released and the job scheduled again with a growing delay, so it is sent
exactly once in the end. Nothing here speaks Discord.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.usecases import App
from cogs.onboarding import steps
from cogs.onboarding.service import FlowState, optional_feature, state_of
from db import disciplines as catalog
from db import onboarding as progress_db
from db.jobs import ScheduledJob

log = logging.getLogger(__name__)

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)


@dataclass(frozen=True, slots=True)
class OpenPlace:
    campaign_title: str
    slot_name: str
    free: int


def follow_up_flag(day: int) -> str:
    return f"followup_{day}_sent_at"


async def claim_reminder(
    app: App, *, guild_id: int, user_id: int, organizer: bool, joined_before_bot: bool
) -> FlowState | None:
    """The step to remind a stalled member of, claimed once; None when no reminder is due to them."""
    async with app.work() as work:
        progress = await progress_db.get_progress(work.session, guild_id, user_id)
        if progress is None or progress.finished:
            return None
        deserved = steps.deserves_reminder(
            took_step=progress.step != steps.WELCOME or bool(progress.answers),
            welcomed_on_join=progress.joined_at is not None,
            organizer=organizer,
            joined_before_bot=joined_before_bot,
        )
        if not deserved:
            return None
        if not await progress_db.claim_once(work.session, guild_id, user_id, "reminder_sent_at", work.now):
            return None
        return await state_of(work, progress)


async def claim_follow_up(app: App, *, guild_id: int, user_id: int, day: int) -> bool:
    """Claim the day's follow-up; False when it was already sent or the day is not a follow-up day."""
    if day not in steps.FOLLOW_UP_DAYS:
        return False
    async with app.work() as work:
        return await progress_db.claim_once(work.session, guild_id, user_id, follow_up_flag(day), work.now)


async def open_places(app: App, *, guild_id: int, user_id: int) -> tuple[OpenPlace, ...]:
    """Open places in campaigns that fit the member's disciplines, when the campaigns feature is installed."""
    find = optional_feature("db.campaigns", "open_places_for")
    if find is None:
        return ()
    async with app.work() as work:
        held = await catalog.member_discipline_ids(work.session, guild_id, user_id)
        rows = await find(work.session, guild_id, discipline_ids=held, now=work.now, limit=3)
        return tuple(OpenPlace(str(p.campaign_title), str(p.slot_name), int(p.free)) for p in rows)


async def retry(app: App, job: ScheduledJob, *, release_flag: str | None = None) -> bool:
    """Schedule the job again after a growing delay, releasing its one-time claim; False when out of tries."""
    attempt = int(job.payload.get("attempt", 0)) + 1
    base = str(job.payload.get("base_key", job.key))
    if attempt > len(RETRY_DELAYS):
        log.warning("Giving up on %s after %d tries: Discord kept refusing it", base, attempt)
        return False
    payload = {**job.payload, "attempt": attempt, "base_key": base}
    guild_id = int(job.guild_id or 0)
    async with app.work() as work:
        if release_flag is not None:
            await progress_db.release(work.session, guild_id, int(job.payload["user_id"]), release_flag)
        due = work.now + RETRY_DELAYS[attempt - 1]
        await work.schedule(job.kind, f"{base}:retry{attempt}", due, payload=payload, guild_id=job.guild_id)
    return True
