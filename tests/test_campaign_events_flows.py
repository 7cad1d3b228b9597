"""Campaigns in Discord's Events and in the announcement channel, through SimCord."""

from __future__ import annotations

from datetime import datetime

import discord
from sqlalchemy import select

from db.campaigns import Campaign
from db.guilds import GuildConfig
from db.jobs import ScheduledJob
from tests.conftest import Coalition
from tests.test_campaign_flows import _at, _create, _post, _slot

EXTERNAL, SCHEDULED, COMPLETED, CANCELLED = 3, 1, 3, 4


async def _stored(coalition: Coalition, campaign_id: int) -> Campaign:
    async with coalition.bot.database.session() as session:
        found = await session.get(Campaign, campaign_id)
    assert found is not None
    return found


def _event(coalition: Coalition, event_id: int | None) -> object:
    assert event_id is not None
    return coalition.env.backend.get_scheduled_event(coalition.guild.id, event_id)


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


async def test_posted_campaign_is_an_event_that_follows_edits_and_completes_at_its_end_across_a_restart(
    coalition: Coalition, make_bot
) -> None:  # type: ignore[no-untyped-def]
    campaign = await _create(
        coalition,
        start=_at(coalition, hours=5),
        end=_at(coalition, hours=8),
        signup_deadline=_at(coalition, hours=4),
    )
    assert campaign.id is not None
    await _slot(coalition, campaign, "Amplifier", 2)
    card = await _post(coalition, campaign)
    stored = await _stored(coalition, campaign.id)
    event = _event(coalition, stored.event_id)
    assert event.entity_type == EXTERNAL  # type: ignore[attr-defined]
    assert event.name == "Heat safety week"  # type: ignore[attr-defined]
    assert event.entity_metadata["location"] == card.jump_url  # type: ignore[attr-defined]
    assert card.jump_url in event.description  # type: ignore[attr-defined]
    assert _when(event.scheduled_start_time) == stored.starts_at  # type: ignore[attr-defined]
    assert _when(event.scheduled_end_time) == stored.ends_at  # type: ignore[attr-defined]

    res = await coalition.organizer.slash(
        coalition.general,
        "campaign edit",
        campaign=str(campaign.id),
        title="Heat safety day",
        start=_at(coalition, hours=29),
        end=_at(coalition, hours=32),
    )
    assert res.response is not None
    assert "Updated" in res.response.content, res.response.content
    moved = await _stored(coalition, campaign.id)
    assert event.name == "Heat safety day"  # type: ignore[attr-defined]
    assert _when(event.scheduled_start_time) == moved.starts_at  # type: ignore[attr-defined]
    assert _when(event.scheduled_end_time) == moved.ends_at  # type: ignore[attr-defined]

    async with coalition.bot.database.session() as session:
        end_job = await session.scalar(
            select(ScheduledJob).where(ScheduledJob.key == f"campaign.event_end:{campaign.id}")
        )
    assert end_job is not None
    assert (end_job.due_at, end_job.status) == (moved.ends_at, "pending")
    await coalition.env.restart_bot(make_bot())
    await coalition.env.advance_time(10 * 3600)  # the old end passes: the event is still to come
    assert event.status == SCHEDULED  # type: ignore[attr-defined]
    await coalition.env.advance_time(23 * 3600)
    assert event.status == COMPLETED  # type: ignore[attr-defined]
    async with coalition.bot.database.session() as session:
        finished = await session.get(ScheduledJob, end_job.id)
    assert finished is not None
    assert finished.status == "done"


async def test_cancelling_a_campaign_cancels_its_event(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    assert campaign.id is not None
    await _slot(coalition, campaign, "Amplifier", 2)
    await _post(coalition, campaign)
    event = _event(coalition, (await _stored(coalition, campaign.id)).event_id)
    ask = await coalition.organizer.slash(
        coalition.general, "campaign cancel", campaign=str(campaign.id), reason="Rain."
    )
    assert ask.response is not None
    await coalition.organizer.click(ask.response, label="Yes, cancel it")
    assert event.status == CANCELLED  # type: ignore[attr-defined]


async def test_without_manage_events_the_campaign_still_posts_and_the_organizer_is_told(
    coalition: Coalition,
) -> None:
    env, guild = coalition.env, coalition.guild
    bot_role = guild.me.top_role
    permissions = discord.Permissions(bot_role.permissions.value)
    permissions.update(manage_events=False)
    env.backend.edit_role(guild.id, bot_role.id, {"permissions": permissions.value})
    await env.settle()
    campaign = await _create(coalition)
    assert campaign.id is not None
    await _slot(coalition, campaign, "Amplifier", 2)
    res = await coalition.organizer.slash(coalition.general, "campaign post", campaign=str(campaign.id))
    assert res.response is not None
    assert "Posted" in res.response.content
    assert "Manage Events" in res.response.content
    assert (await _stored(coalition, campaign.id)).event_id is None
    assert env.backend.get_guild(guild.id).scheduled_events == {}
    edit = await coalition.organizer.slash(
        coalition.general, "campaign edit", campaign=str(campaign.id), start=_at(coalition, days=10, hours=1)
    )
    assert edit.response is not None
    assert "Updated" in edit.response.content


async def test_posting_publishes_a_call_in_the_announcement_channel_that_pings_nobody(
    coalition: Coalition,
) -> None:
    news = coalition.guild.create_news_channel("coalition-news")
    await coalition.env.settle()
    async with coalition.bot.database.session() as session:
        config = await session.scalar(select(GuildConfig).where(GuildConfig.guild_id == coalition.guild.id))
        assert config is not None
        config.announcements_channel_id = news.id
        session.add(config)
    campaign = await _create(coalition, title="@everyone heat week")
    assert campaign.id is not None
    await _slot(coalition, campaign, "Amplifier", 2)
    card = await _post(coalition, campaign)
    call = news.last_message
    assert call is not None
    assert card.jump_url in call.content
    assert "@\u200beveryone" in call.content
    sends = [
        r
        for r in coalition.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{news.id}/messages"
    ]
    assert sends[-1].json["allowed_mentions"] == {"parse": []}
    crossposts = [r for r in coalition.env.http_requests if r.path.endswith(f"/messages/{call.id}/crosspost")]
    assert len(crossposts) == 1


async def test_interested_members_who_did_not_sign_up_are_listed_and_invited_once(
    coalition: Coalition, make_bot
) -> None:  # type: ignore[no-untyped-def]
    campaign = await _create(coalition)
    assert campaign.id is not None
    await _slot(coalition, campaign, "Amplifier", 2)
    card = await _post(coalition, campaign)
    event_id = (await _stored(coalition, campaign.id)).event_id
    await coalition.member.subscribe_event(event_id)
    await coalition.other.subscribe_event(event_id)
    await coalition.member.click(card, label="Sign up: Amplifier")

    listed = await coalition.organizer.slash(
        coalition.general, "campaign interested", campaign=str(campaign.id)
    )
    assert listed.response is not None
    assert coalition.other.mention in listed.response.content
    assert coalition.member.mention not in listed.response.content
    await coalition.env.restart_bot(make_bot())  # the button still works after a restart
    invited = await coalition.organizer.click(listed.response, label="Invite them (1)")
    assert invited.response is not None
    assert invited.response.content.startswith("Invited 1 member(s).")
    dms = [m.content for m in coalition.other.user.dm_channel.history()]  # type: ignore[attr-defined]
    assert sum("marked **Heat safety week**" in text for text in dms) == 1
    assert card.jump_url in dms[-1]
    again = await coalition.organizer.click(listed.response, label="Invite them (1)")
    assert again.response is not None
    assert again.response.content.startswith("Invited 0 member(s).")
    relisted = await coalition.organizer.slash(
        coalition.general, "campaign interested", campaign=str(campaign.id)
    )
    assert relisted.response is not None
    assert "Invited already: 1" in relisted.response.content
    denied = await coalition.member.slash(coalition.general, "campaign interested", campaign=str(campaign.id))
    assert denied.response is not None
    assert coalition.other.mention not in denied.response.content


async def test_posting_a_card_again_keeps_one_event_pointing_at_the_new_card(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    assert campaign.id is not None
    await _slot(coalition, campaign, "Amplifier", 2)
    await _post(coalition, campaign)
    first = (await _stored(coalition, campaign.id)).event_id
    again = await _post(coalition, campaign)
    assert (await _stored(coalition, campaign.id)).event_id == first
    assert len(coalition.env.backend.get_guild(coalition.guild.id).scheduled_events) == 1
    assert _event(coalition, first).entity_metadata["location"] == again.jump_url  # type: ignore[attr-defined]
