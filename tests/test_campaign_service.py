"""Campaign use cases without Discord: one transaction each, with their jobs and audit entries in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.errors import UserFacingError
from bot.scheduler import Scheduler
from bot.usecases import App, AuditNotice
from cogs.campaigns.service import lifecycle, rollcalls, signups
from db.audit import AuditEntry
from db.engine import Database
from db.jobs import ScheduledJob

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
GUILD, ORGANIZER = 111, 1


@pytest_asyncio.fixture
async def app(database: Database) -> AsyncIterator[tuple[App, list[AuditNotice]]]:
    posted: list[AuditNotice] = []

    async def sink(notice: AuditNotice) -> None:
        posted.append(notice)

    yield App(database, Scheduler(database, now=lambda: NOW), audit_sink=sink, now=lambda: NOW), posted


async def _jobs(database: Database) -> dict[str, str]:
    async with database.session() as session:
        return {job.key: job.status for job in await session.scalars(select(ScheduledJob))}


async def _campaign(app: App, capacity: int = 1) -> tuple[int, int]:
    created = await lifecycle.create_campaign(
        app,
        guild_id=GUILD,
        actor_id=ORGANIZER,
        title="  Heat   safety week ",
        description="Op-eds on extreme heat.",
        starts_at=NOW + timedelta(days=10),
        ends_at=NOW + timedelta(days=11),
        signup_deadline=NOW + timedelta(days=9),
        timezone="America/Chicago",
        links={"toolkit": "https://example.org/toolkit", "talking_points": None},
    )
    added = await lifecycle.add_slot(
        app,
        guild_id=GUILD,
        actor_id=ORGANIZER,
        campaign=str(created.id),
        name="Author",
        capacity=capacity,
        needs=None,
    )
    return created.id, added.id


async def test_creating_a_campaign_schedules_its_reminders_and_deadline_and_audits_after_commit(
    app: tuple[App, list[AuditNotice]], database: Database
) -> None:
    use, posted = app
    campaign_id, _ = await _campaign(use)
    assert await _jobs(database) == {
        f"campaign.reminder:{campaign_id}:24": "pending",
        f"campaign.reminder:{campaign_id}:1": "pending",
        f"campaign.deadline:{campaign_id}": "pending",
    }
    assert [n.action for n in posted] == ["campaign.create", "campaign.slot_add"]
    async with database.session() as session:
        stored = [entry.action for entry in await session.scalars(select(AuditEntry))]
    assert stored == ["campaign.create", "campaign.slot_add"]
    card = await lifecycle.load_card(use, campaign_id)
    assert card is not None
    assert card.campaign.title == "Heat safety week"
    assert [link.url for link in card.links] == ["https://example.org/toolkit"]


async def test_a_refused_use_case_stores_nothing_and_posts_no_audit(
    app: tuple[App, list[AuditNotice]], database: Database
) -> None:
    use, posted = app
    with pytest.raises(UserFacingError, match="end after it starts"):
        await lifecycle.create_campaign(
            use,
            guild_id=GUILD,
            actor_id=ORGANIZER,
            title="Backwards",
            description="",
            starts_at=NOW + timedelta(days=10),
            ends_at=NOW + timedelta(days=9),
            signup_deadline=NOW + timedelta(days=8),
            timezone="UTC",
            links={},
        )
    assert posted == []
    assert await _jobs(database) == {}
    assert (await lifecycle.open_campaigns(use, guild_id=GUILD)).total == 0


async def test_withdrawal_offers_the_place_and_schedules_its_expiry_in_the_same_transaction(
    app: tuple[App, list[AuditNotice]], database: Database
) -> None:
    use, _ = app
    campaign_id, slot_id = await _campaign(use)
    first = await signups.sign_up(use, guild_id=GUILD, campaign_id=campaign_id, slot_id=slot_id, user_id=10)
    second = await signups.sign_up(use, guild_id=GUILD, campaign_id=campaign_id, slot_id=slot_id, user_id=11)
    assert (first.status, second.status, second.position) == ("confirmed", "waitlisted", 1)

    left = await signups.leave_slot(use, guild_id=GUILD, user_id=10, campaign_id=campaign_id, slot_id=slot_id)

    (offer,) = left.offers
    assert (offer.user_id, offer.expires_at) == (11, NOW + timedelta(hours=24))
    assert (await _jobs(database))[f"campaign.offer_expiry:{offer.signup_id}:1"] == "pending"


async def test_declining_an_offer_passes_it_on_and_expiry_of_an_answered_offer_does_nothing(
    app: tuple[App, list[AuditNotice]],
) -> None:
    use, _ = app
    campaign_id, slot_id = await _campaign(use)
    for user_id in (10, 11, 12):
        await signups.sign_up(use, guild_id=GUILD, campaign_id=campaign_id, slot_id=slot_id, user_id=user_id)
    (offer,) = (
        await signups.leave_slot(use, guild_id=GUILD, user_id=10, campaign_id=campaign_id, slot_id=slot_id)
    ).offers

    declined = await signups.answer_offer(use, user_id=11, signup_id=offer.signup_id, accept=False)

    assert not declined.accepted
    assert [o.user_id for o in declined.offers] == [12]
    expiry = await signups.expire_offer(use, signup_id=offer.signup_id, number=offer.number)
    assert (expiry.lapsed_user_id, expiry.offers) == (None, ())
    with pytest.raises(UserFacingError, match="not yours"):
        await signups.answer_offer(use, user_id=99, signup_id=declined.offers[0].signup_id, accept=True)


async def test_closing_a_roll_call_cancels_its_jobs_and_records_the_silent_once(
    app: tuple[App, list[AuditNotice]], database: Database
) -> None:
    use, posted = app
    campaign_id, slot_id = await _campaign(use, capacity=3)
    for user_id in (10, 11):
        await signups.sign_up(use, guild_id=GUILD, campaign_id=campaign_id, slot_id=slot_id, user_id=user_id)
    opened = await rollcalls.open_rollcall(
        use,
        guild_id=GUILD,
        actor_id=ORGANIZER,
        campaign=str(campaign_id),
        nudge_after=timedelta(hours=1),
        close_after=timedelta(hours=3),
    )
    await rollcalls.rollcall_posted(
        use, rollcall_id=opened.id, actor_id=ORGANIZER, channel_id=5, message_id=6
    )
    await rollcalls.answer_rollcall(use, guild_id=GUILD, user_id=10, rollcall_id=opened.id, ready=True)

    closed = await rollcalls.close_rollcall(use, opened.id)

    assert closed is not None
    assert (closed.who("ready"), closed.who("silent")) == ([10], [11])
    assert await rollcalls.close_rollcall(use, opened.id) is None
    jobs = await _jobs(database)
    assert jobs[f"campaign.rollcall_nudge:{opened.id}"] == "cancelled"
    assert jobs[f"campaign.rollcall_close:{opened.id}"] == "cancelled"
    assert posted[-1].action == "campaign.rollcall"
