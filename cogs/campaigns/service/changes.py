"""Change a campaign after it was created: edit its title, text and times, or cancel it.

Both move or cancel the campaign's jobs in the same transaction as the change, so that no reminder,
deadline or offer fires at an old time, and none is lost or doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from bot.errors import UserFacingError
from bot.timeparse import parse_when, parse_zone
from bot.usecases import App, Work
from cogs.campaigns import rules
from cogs.campaigns.service.common import (
    DEADLINE_JOB,
    EVENT_END_JOB,
    NUDGE_JOB,
    OFFER_EXPIRY_JOB,
    OFFER_NOTICE_JOB,
    REMINDER_JOB,
    ROLLCALL_CLOSE_JOB,
    find_campaign,
    refusals,
)
from cogs.campaigns.service.results import CampaignInfo, campaign_info
from db import campaigns
from db.campaigns import OPEN, Campaign, CampaignRollCall, stored_id
from db.campaigns.changes import CANCELLED, active_members, cancel_signups, open_offers

REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class CampaignEdit:
    """What an organizer asked to change; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    start: str | None = None
    end: str | None = None
    signup_deadline: str | None = None
    timezone: str | None = None
    offer_window_hours: int | None = None


@dataclass(frozen=True, slots=True)
class CampaignEdited:
    """The campaign before and after an edit, and the members to tell."""

    id: int
    before: CampaignInfo
    after: CampaignInfo
    members: tuple[int, ...]

    @property
    def times_changed(self) -> bool:
        old, new = self.before, self.after
        return (old.starts_at, old.ends_at, old.signup_deadline) != (
            new.starts_at,
            new.ends_at,
            new.signup_deadline,
        )


@dataclass(frozen=True, slots=True)
class CampaignCancelled:
    id: int
    campaign: CampaignInfo
    reason: str
    members: tuple[int, ...]


def _time(text: str | None, old: datetime, *, now: datetime, zone: ZoneInfo, what: str) -> datetime:
    return old if text is None or not text.strip() else parse_when(text, now=now, zone=zone, what=what)


def _apply(campaign: Campaign, edit: CampaignEdit, now: datetime) -> None:
    """Check the asked changes against the rules and write them on the row."""
    zone = parse_zone(edit.timezone or campaign.timezone)
    starts_at = _time(edit.start, campaign.starts_at, now=now, zone=zone, what="start")
    ends_at = _time(edit.end, campaign.ends_at, now=now, zone=zone, what="end")
    deadline = _time(
        edit.signup_deadline, campaign.signup_deadline, now=now, zone=zone, what="sign-up deadline"
    )
    with refusals():
        if edit.title is not None:
            campaign.title = rules.check_title(edit.title)
        if edit.description is not None:
            if len(edit.description) > rules.DESCRIPTION_MAX:
                raise rules.CampaignRuleError(f"Keep the description to {rules.DESCRIPTION_MAX} characters.")
            campaign.description = edit.description.strip()
        if edit.offer_window_hours is not None:
            campaign.offer_window_hours = rules.check_offer_hours(edit.offer_window_hours)
        if ends_at <= starts_at:
            raise rules.CampaignRuleError("The campaign must end after it starts: check the end time.")
        if deadline > starts_at:
            raise rules.CampaignRuleError("The sign-up deadline must be no later than the start.")
        # An unchanged deadline may have passed already (the campaign can still move); a new one may not.
        if deadline != campaign.signup_deadline and deadline <= now:
            raise rules.CampaignRuleError("The sign-up deadline is already past; pick a later one.")
    campaign.starts_at, campaign.ends_at, campaign.signup_deadline = starts_at, ends_at, deadline
    if edit.timezone is not None:
        campaign.timezone = zone.key


async def _move_time_jobs(work: Work, campaign: Campaign) -> None:
    """Put the reminders and the deadline at the campaign's times; drop the reminders now in the past."""
    campaign_id = stored_id(campaign)
    for hours in rules.REMINDER_HOURS:
        key, due = f"{REMINDER_JOB}:{campaign_id}:{hours}", campaign.starts_at - timedelta(hours=hours)
        if due <= work.now:
            await work.cancel_job(key)
        elif not await work.reschedule(key, due):
            # A reminder that has already run stays run: each member's copy is claimed once anyway.
            payload = {"campaign_id": campaign_id, "hours": hours}
            await work.schedule(REMINDER_JOB, key, due, payload=payload, guild_id=campaign.guild_id)
    # Only a campaign with a scheduled event has this job; the event then completes at the new end.
    await work.reschedule(f"{EVENT_END_JOB}:{campaign_id}", campaign.ends_at)
    key = f"{DEADLINE_JOB}:{campaign_id}"
    if not await work.reschedule(key, campaign.signup_deadline):
        payload = {"campaign_id": campaign_id}
        await work.schedule(
            DEADLINE_JOB, key, campaign.signup_deadline, payload=payload, guild_id=campaign.guild_id
        )


async def _move_offers(work: Work, campaign: Campaign, old_hours: int) -> None:
    """Give open offers the new window, counted from when each was made."""
    change = timedelta(hours=campaign.offer_window_hours - old_hours)
    if not change:
        return
    for signup in await open_offers(work.session, stored_id(campaign)):
        if signup.offer_expires_at is None:
            continue
        # Never in the past: a shortened window still leaves the member a minute to answer.
        expires_at = max(signup.offer_expires_at + change, work.now + timedelta(minutes=1))
        signup.offer_expires_at = expires_at
        work.session.add(signup)
        await work.reschedule(f"{OFFER_EXPIRY_JOB}:{signup.id}:{signup.offers_made}", expires_at)


async def edit_campaign(
    app: App, *, guild_id: int, actor_id: int, campaign: str, edit: CampaignEdit
) -> CampaignEdited:
    """Change a campaign's text or times, moving its jobs along; its members are to be told once."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        if found.status == CANCELLED:
            raise UserFacingError(f"**{found.title}** was cancelled; it cannot be edited.")
        before = campaign_info(found)
        _apply(found, edit, work.now)
        if campaign_info(found) == before:
            raise UserFacingError("Nothing to change: give at least one new value.")
        work.session.add(found)
        await work.session.flush()
        await _move_time_jobs(work, found)
        await _move_offers(work, found, before.offer_window_hours)
        after = campaign_info(found)
        changed = ", ".join(_changed_fields(before, after))
        await work.audit(guild_id, actor_id, "campaign.edit", f"#{found.id} {found.title}: {changed}")
        members = await active_members(work.session, stored_id(found))
        return CampaignEdited(stored_id(found), before, after, tuple(members))


def _changed_fields(before: CampaignInfo, after: CampaignInfo) -> list[str]:
    """The changed fields, named as organizers know them."""
    names = {
        "title": "title",
        "description": "description",
        "starts_at": "start",
        "ends_at": "end",
        "signup_deadline": "sign-up deadline",
        "timezone": "time zone",
        "offer_window_hours": "offer window",
    }
    return [label for name, label in names.items() if getattr(before, name) != getattr(after, name)]


def check_reason(reason: str) -> str:
    """The reason members will read, on one line; refused when empty or too long."""
    clean = " ".join(reason.split())
    if not clean or len(clean) > REASON_MAX:
        raise UserFacingError(f"Give a reason of 1 to {REASON_MAX} characters; members will read it.")
    return clean


async def campaign_to_cancel(app: App, *, guild_id: int, campaign: str, reason: str) -> CampaignInfo:
    """The campaign an organizer is about to cancel, before they confirm."""
    check_reason(reason)
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        if found.status == CANCELLED:
            raise UserFacingError(f"**{found.title}** is already cancelled.")
        return campaign_info(found)


async def cancel_campaign(
    app: App, *, guild_id: int, actor_id: int, campaign: str, reason: str
) -> CampaignCancelled:
    """Cancel a campaign: its sign-ups end as cancelled, its pending jobs stop; its members are to be told."""
    clean = check_reason(reason)
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        if found.status == CANCELLED:
            raise UserFacingError(f"**{found.title}** is already cancelled.")
        campaign_id = stored_id(found)
        members = await active_members(work.session, campaign_id)
        for signup in await open_offers(work.session, campaign_id):
            await work.cancel_jobs(f"{OFFER_EXPIRY_JOB}:{signup.id}:")
            await work.cancel_jobs(f"{OFFER_NOTICE_JOB}:{signup.id}:")
        await cancel_signups(work.session, campaign_id, work.now)
        await work.cancel_jobs(f"{REMINDER_JOB}:{campaign_id}:")
        await work.cancel_job(f"{DEADLINE_JOB}:{campaign_id}")
        await work.cancel_job(f"{EVENT_END_JOB}:{campaign_id}")
        await _close_rollcalls(work, campaign_id)
        found.status, found.cancel_reason = CANCELLED, clean
        found.closed_at = found.closed_at or work.now
        work.session.add(found)
        await work.session.flush()
        await work.audit(guild_id, actor_id, "campaign.cancel", f"#{campaign_id} {found.title}: {clean}")
        return CampaignCancelled(campaign_id, campaign_info(found), clean, tuple(members))


async def _close_rollcalls(work: Work, campaign_id: int) -> None:
    """Close the campaign's open roll calls and stop their nudges."""
    calls = await work.session.scalars(
        select(CampaignRollCall).where(
            col(CampaignRollCall.campaign_id) == campaign_id, col(CampaignRollCall.status) == OPEN
        )
    )
    for call in calls:
        await work.cancel_job(f"{NUDGE_JOB}:{call.id}")
        await work.cancel_job(f"{ROLLCALL_CLOSE_JOB}:{call.id}")
        await campaigns.close_rollcall(work.session, stored_id(call), work.now)
