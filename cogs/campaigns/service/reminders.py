"""The reminders before a campaign starts: who gets one, each member once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.usecases import App
from cogs.campaigns.service.common import NOTICE_RETRY, REMINDER_JOB
from cogs.campaigns.service.results import LinkInfo, link_info
from db import campaigns
from db.campaigns import Campaign


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    slot_name: str


@dataclass(frozen=True, slots=True)
class ReminderDue:
    """A campaign's reminder: its start, its confirmed members (each once) and its resources."""

    id: int
    title: str
    starts_at: datetime
    hours_before: int
    recipients: tuple[Recipient, ...]
    links: tuple[LinkInfo, ...]


async def reminder_due(app: App, *, campaign_id: int, hours: int) -> ReminderDue | None:
    """Whom this reminder goes to; None when the campaign is gone."""
    async with app.work() as work:
        campaign = await work.session.get(Campaign, campaign_id)
        if campaign is None:
            return None
        members = await campaigns.confirmed_members(work.session, campaign_id)
        links = await campaigns.links_for(work.session, campaign_id)
        # A member confirmed in two slots gets one reminder, naming the last slot listed.
        first_slot = dict(members)
        return ReminderDue(
            campaign_id,
            campaign.title,
            campaign.starts_at,
            hours,
            tuple(Recipient(user_id, slot_name) for user_id, slot_name in first_slot.items()),
            tuple(link_info(link) for link in links),
        )


async def claim_reminder(app: App, *, campaign_id: int, user_id: int, hours: int) -> bool:
    """Mark the reminder as sent to this member; False when it was already (by us or another process)."""
    async with app.work() as work:
        return await campaigns.claim_reminder(work.session, campaign_id, user_id, hours, work.now)


async def release_reminder(app: App, *, campaign_id: int, user_id: int, hours: int) -> None:
    """Take back the claim of a reminder Discord failed to deliver, so that the retry sends it."""
    async with app.work() as work:
        await campaigns.release_reminder(work.session, campaign_id, user_id, hours)


async def retry_reminder(app: App, *, campaign_id: int, hours: int, attempt: int) -> bool:
    """Schedule another try of a reminder some members did not get; False when it is too late for one."""
    if attempt > len(NOTICE_RETRY):
        return False
    async with app.work() as work:
        campaign = await work.session.get(Campaign, campaign_id)
        due = work.now + NOTICE_RETRY[attempt - 1]
        if campaign is None or due >= campaign.starts_at:
            return False
        await work.schedule(
            REMINDER_JOB,
            f"{REMINDER_JOB}:{campaign_id}:{hours}:retry{attempt}",
            due,
            payload={"campaign_id": campaign_id, "hours": hours, "attempt": attempt},
            guild_id=campaign.guild_id,
        )
        return True
