"""Editing and cancelling campaigns through SimCord, as organizers and members would."""

from __future__ import annotations

from datetime import timedelta

import discord
from sqlalchemy import select
from sqlmodel import col

from db.audit import AuditEntry
from db.campaigns import Campaign, CampaignSignup
from db.jobs import ScheduledJob
from tests.conftest import Coalition
from tests.test_campaign_flows import _at, _card, _create, _dms, _post, _slot


def _t(moment: object) -> str:
    return f"<t:{int(moment.timestamp())}:F>"  # type: ignore[attr-defined]


async def _jobs(coalition: Coalition, campaign_id: int) -> dict[str, tuple[object, str]]:
    async with coalition.bot.database.session() as session:
        rows = await session.scalars(
            select(ScheduledJob).where(col(ScheduledJob.key).startswith("campaign."))
        )
        # A campaign's own jobs are keyed "campaign.<kind>:<campaign id>[:<hours>]".
        return {
            job.key: (job.due_at, job.status) for job in rows if job.key.split(":")[1] == str(campaign_id)
        }


async def _reload(coalition: Coalition, campaign_id: int) -> Campaign:
    async with coalition.bot.database.session() as session:
        found = await session.get(Campaign, campaign_id)
    assert found is not None
    return found


async def _signed_up_campaign(coalition: Coalition) -> tuple[Campaign, discord.Message]:
    campaign = await _create(
        coalition,
        start=_at(coalition, hours=48),
        end=_at(coalition, hours=52),
        signup_deadline=_at(coalition, hours=30),
    )
    await _slot(coalition, campaign, "Amplifier", 1)
    card = await _post(coalition, campaign)
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")
    return campaign, _card(coalition)


def _notices(coalition: Coalition, actor: object, text: str) -> list[str]:
    return [m.content for m in _dms(coalition, actor) if text in m.content]


async def test_moving_a_campaign_by_a_day_moves_its_jobs_card_and_tells_each_member_once(
    coalition: Coalition,
) -> None:
    campaign, _ = await _signed_up_campaign(coalition)
    assert campaign.id is not None
    old_start, old_deadline = campaign.starts_at, campaign.signup_deadline
    new_start = (old_start + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    res = await coalition.organizer.slash(
        coalition.general,
        "campaign edit",
        campaign=str(campaign.id),
        start=new_start,
        end=_at(coalition, hours=76),
    )
    assert res.response is not None
    assert "Updated" in res.response.content, res.response.content
    moved = await _reload(coalition, campaign.id)
    assert moved.starts_at == old_start + timedelta(days=1)
    assert moved.signup_deadline == old_deadline
    jobs = await _jobs(coalition, campaign.id)
    assert jobs[f"campaign.reminder:{campaign.id}:24"] == (moved.starts_at - timedelta(hours=24), "pending")
    assert jobs[f"campaign.reminder:{campaign.id}:1"] == (moved.starts_at - timedelta(hours=1), "pending")
    assert _t(moved.starts_at) in (_card(coalition).embeds[0].description or "")
    for actor in (coalition.member, coalition.other):
        notices = _notices(coalition, actor, "The organizers changed")
        assert len(notices) == 1
        assert f"{_t(moved.starts_at)} (was {_t(old_start)})" in notices[0]
    async with coalition.bot.database.session() as session:
        audited = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.edit"))
        ).all()
    assert len(audited) == 1
    assert "start" in audited[0].detail

    def reminders(actor: object) -> list[str]:
        return [m.content for m in _dms(coalition, actor) if m.content.startswith("⏰ Reminder")]

    await coalition.env.advance_time(25 * 3600)  # past the old 24-hour reminder: nothing fires
    assert reminders(coalition.member) == []
    await coalition.env.advance_time(24 * 3600)  # past the new one
    assert len(reminders(coalition.member)) == 1


async def test_edit_refuses_impossible_times_and_members(coalition: Coalition) -> None:
    campaign, _ = await _signed_up_campaign(coalition)
    res = await coalition.organizer.slash(
        coalition.general, "campaign edit", campaign=str(campaign.id), end=_at(coalition, hours=1)
    )
    assert res.response is not None
    assert "must end after it starts" in res.response.content
    res = await coalition.organizer.slash(coalition.general, "campaign edit", campaign=str(campaign.id))
    assert res.response is not None
    assert "Nothing to change" in res.response.content
    res = await coalition.member.slash(
        coalition.general, "campaign edit", campaign=str(campaign.id), title="Mine"
    )
    assert res.response is not None
    assert "Updated" not in res.response.content
    assert _notices(coalition, coalition.member, "The organizers changed") == []


async def test_edit_in_another_zone_and_longer_offer_window(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    assert campaign.id is not None
    res = await coalition.organizer.slash(
        coalition.general,
        "campaign edit",
        campaign=str(campaign.id),
        timezone="America/Chicago",
        start=campaign.starts_at.strftime("%Y-%m-%d %H:%M"),
        offer_window_hours=48,
    )
    assert res.response is not None
    assert "Updated" in res.response.content, res.response.content
    moved = await _reload(coalition, campaign.id)
    assert moved.timezone == "America/Chicago"
    assert moved.offer_window_hours == 48
    # The same wall-clock time read in Chicago is six hours later in UTC (CST in December).
    assert moved.starts_at - campaign.starts_at == timedelta(hours=6)


async def test_cancel_after_confirmation_stops_everything_and_tells_everyone_once(
    coalition: Coalition, make_bot
) -> None:  # type: ignore[no-untyped-def]
    campaign, _ = await _signed_up_campaign(coalition)
    assert campaign.id is not None
    ask = await coalition.organizer.slash(
        coalition.general, "campaign cancel", campaign=str(campaign.id), reason="The venue closed."
    )
    assert ask.response is not None
    assert "Sure?" in ask.response.content
    assert (await _reload(coalition, campaign.id)).status == "open"  # nothing happens before confirming
    await coalition.env.restart_bot(make_bot())  # the confirmation still works after a restart
    done = await coalition.organizer.click(ask.response, label="Yes, cancel it")
    assert done.response is not None
    assert "Cancelled" in done.response.content, done.response.content
    cancelled = await _reload(coalition, campaign.id)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "The venue closed.")
    card = _card(coalition)
    assert card.embeds[0].title is not None
    assert card.embeds[0].title.startswith("❌ Cancelled")
    assert "The venue closed." in (card.embeds[0].description or "")
    assert all(c.disabled for row in card.components for c in row.children)  # type: ignore[attr-defined]
    jobs = await _jobs(coalition, campaign.id)
    assert {status for _, status in jobs.values()} == {"cancelled"}, jobs
    async with coalition.bot.database.session() as session:
        statuses = (await session.scalars(select(CampaignSignup.status))).all()
    assert sorted(statuses) == ["cancelled", "cancelled"]
    for actor in (coalition.member, coalition.other):
        assert len(_notices(coalition, actor, "was cancelled by the organizers")) == 1
    mine = await coalition.member.slash(coalition.general, "campaign mine")
    assert mine.response is not None
    shown = mine.response.embeds[0]
    assert "Amplifier: ❌ campaign cancelled" in " ".join(f.value for f in shown.fields)
    again = await coalition.organizer.slash(
        coalition.general, "campaign cancel", campaign=str(campaign.id), reason="Again"
    )
    assert again.response is not None
    assert "already cancelled" in again.response.content
    await coalition.env.advance_time(72 * 3600)
    assert [m for m in _dms(coalition, coalition.member) if m.content.startswith("⏰ Reminder")] == []


async def test_export_shows_cancelled_sign_ups(coalition: Coalition) -> None:
    campaign, _ = await _signed_up_campaign(coalition)
    ask = await coalition.organizer.slash(
        coalition.general, "campaign cancel", campaign=str(campaign.id), reason="Postponed to spring."
    )
    assert ask.response is not None
    await coalition.organizer.click(ask.response, label="Yes, cancel it")
    res = await coalition.organizer.slash(coalition.general, "campaign export", campaign=str(campaign.id))
    assert res.response is not None
    lines = (await res.response.attachments[0].read()).decode().splitlines()
    assert [line.split(",")[4] for line in lines[1:]] == ["cancelled", "cancelled"]


async def test_a_longer_offer_window_moves_an_open_offer_and_its_expiry(coalition: Coalition) -> None:
    campaign, card = await _signed_up_campaign(coalition)
    assert campaign.id is not None
    await coalition.member.click(card, label="Withdraw")  # the place is offered to the waitlisted member
    async with coalition.bot.database.session() as session:
        offered = await session.scalar(select(CampaignSignup).where(CampaignSignup.status == "offered"))
    assert offered is not None
    assert offered.offer_expires_at is not None
    res = await coalition.organizer.slash(
        coalition.general, "campaign edit", campaign=str(campaign.id), offer_window_hours=30
    )
    assert res.response is not None
    assert "Updated" in res.response.content, res.response.content
    expected = offered.offer_expires_at + timedelta(hours=6)
    async with coalition.bot.database.session() as session:
        expiry = await session.scalar(
            select(ScheduledJob).where(ScheduledJob.key == f"campaign.offer_expiry:{offered.id}:1")
        )
    assert expiry is not None
    assert (expiry.due_at, expiry.status) == (expected, "pending")
    await coalition.env.advance_time(25 * 3600)  # past the old expiry: the offer still stands
    assert (await _status(coalition, offered.id)) == "offered"
    await coalition.env.advance_time(6 * 3600)
    assert (await _status(coalition, offered.id)) == "lapsed"


async def _status(coalition: Coalition, signup_id: int | None) -> str:
    async with coalition.bot.database.session() as session:
        found = await session.get(CampaignSignup, signup_id)
    assert found is not None
    return found.status
