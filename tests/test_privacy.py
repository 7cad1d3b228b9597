"""`/privacy export` and `/privacy delete`, and departed members, driven through SimCord as a member would."""

from __future__ import annotations

import json
from datetime import timedelta

import discord
from sqlalchemy import func, select, text

from db import privacy
from tests.conftest import Coalition
from tests.onboarding_helpers import last_dm, walk_to


def _at(**delta: float) -> str:
    return (discord.utils.utcnow() + timedelta(**delta)).strftime("%Y-%m-%d %H:%M")


async def _member_with_history(coalition: Coalition) -> None:
    """The member onboards, tags a discipline, signs up, votes by name and suggests a resource."""
    member, organizer, general = coalition.member, coalition.organizer, coalition.general
    summary = await walk_to(member.user, last_dm(coalition, member), "summary")
    await member.user.click(summary, label="Confirm")
    await organizer.slash(
        general,
        "campaign create",
        title="Heat safety week",
        description="Op-eds on extreme heat.",
        start=_at(days=10),
        end=_at(days=11),
        signup_deadline=_at(days=9),
        timezone="UTC",
    )
    await organizer.slash(general, "campaign slot add", campaign="1", name="Op-ed author", capacity=1)
    await organizer.slash(general, "campaign post", campaign="1")
    card = coalition.channels["campaigns"].last_message
    await member.click(card, label="Sign up: Op-ed author")
    await coalition.other.click(
        coalition.channels["campaigns"].last_message, label="Join waitlist: Op-ed author"
    )  # waitlisted behind the member
    await organizer.slash(
        general,
        "poll create",
        question="Which campaign first?",
        options="Parks | Transit",
        closes="2d",
        secret=False,
    )
    await member.click(coalition.channels["polls"].last_message, label="Parks")
    shown = await member.slash(general, "resources suggest", kind="toolkit")
    await member.submit_modal(
        shown,
        {
            "resources:suggest:title": "Heat and health toolkit",
            "resources:suggest:url": "https://example.org/heat-health-toolkit",
            "resources:suggest:summary": "How local health departments prepare for extreme heat.",
        },
    )


async def _campaign_totals(coalition: Coalition) -> list[tuple[str, int]]:
    async with coalition.bot.database.session() as session:
        rows = await session.execute(
            text("SELECT status, COUNT(*) FROM campaign_signup GROUP BY status ORDER BY status")
        )
        return [(status, count) for status, count in rows]


async def test_member_exports_everything_then_deletes_it_and_nothing_of_theirs_remains(coalition: Coalition):
    await _member_with_history(coalition)
    member = coalition.member
    totals_before = await _campaign_totals(coalition)

    exported = await member.slash(coalition.general, "privacy export")

    assert "DM" in exported.response.content
    dm = last_dm(coalition, member)
    data = json.loads(await dm.attachments[0].read())
    assert data["profile"]["display_name"] == "Nadia Reyes"
    assert data["disciplines"][0]["discipline"] == "Epidemiology"
    assert data["campaign_sign_ups"][0]["campaign"] == "Heat safety week"
    assert data["campaign_sign_ups"][0]["status"] == "confirmed"
    assert data["named_votes"] == [
        {
            "poll": "Which campaign first?",
            "kind": "single",
            "choices": ["Parks"],
            "cast_at": data["named_votes"][0]["cast_at"],
        }
    ]
    assert data["resource_suggestions"][0]["title"] == "Heat and health toolkit"
    assert data["onboarding"]["finished_at"]

    before = coalition.bot.get_guild(coalition.guild.id).get_member(member.id).roles
    assert "Epidemiology" in [role.name for role in before]

    asked = await member.slash(coalition.general, "privacy delete")
    assert "**Goes:**" in asked.response.content
    assert "**Stays, without your name:**" in asked.response.content
    done = await member.click(asked.response, label="Yes, delete my data")

    assert "deleted" in asked.response.content
    async with coalition.bot.database.session() as session:
        assert await privacy.find_member_id(session, member.id) == []
        ballots = await session.scalar(text("SELECT COUNT(*) FROM poll_ballot"))
    assert ballots == 0  # the named vote is gone, so the poll counts it no more
    assert "0 ballots" in coalition.channels["polls"].last_message.embeds[0].footer.text
    assert await _campaign_totals(coalition) == totals_before
    card = coalition.channels["campaigns"].last_message.embeds[0]
    shown = " ".join(field.value for field in card.fields)
    assert "a former member" in shown
    assert f"<@{member.id}>" not in shown
    roles = coalition.bot.get_guild(coalition.guild.id).get_member(member.id).roles
    assert [role.name for role in roles if not role.is_default()] == []
    assert done.response is None or "deleted" in asked.response.content


async def test_no_keeps_everything_and_only_the_member_can_confirm(coalition: Coalition):
    await _member_with_history(coalition)
    asked = await coalition.member.slash(coalition.general, "privacy delete")

    await coalition.member.click(asked.response, label="No, keep it")

    assert asked.response.content == "Nothing was deleted."
    async with coalition.bot.database.session() as session:
        assert "member_profile.user_id" in await privacy.find_member_id(session, coalition.member.id)


async def test_export_with_closed_dms_comes_as_an_ephemeral_file(coalition: Coalition):
    member = coalition.member
    dm = member.user.dm_channel
    coalition.env.inject_error(
        "POST", f"/channels/{dm.id}/messages", status=403, code=50007, message="Cannot send"
    )

    exported = await member.slash(coalition.general, "privacy export")

    shown = exported.response
    assert exported.ephemeral
    assert "DMs are closed" in shown.content
    assert shown.attachments


async def test_departed_member_is_forgotten_after_the_retention_period_unless_they_return(
    coalition: Coalition,
):
    member = coalition.member
    summary = await walk_to(member.user, last_dm(coalition, member), "summary")
    await member.user.click(summary, label="Confirm")
    env = coalition.env

    coalition.guild.remove_member(member)
    await env.settle()
    await env.advance_time(89 * 86400)
    async with coalition.bot.database.session() as session:
        assert "member_profile.user_id" in await privacy.find_member_id(session, member.id)
    await env.advance_time(2 * 86400)
    await env.settle()

    async with coalition.bot.database.session() as session:
        assert await privacy.find_member_id(session, member.id) == []
        deletions = await session.scalar(
            select(func.count()).select_from(text("audit_entry")).where(text("action = 'privacy.delete'"))
        )
    assert deletions == 1


async def test_a_member_who_returns_in_time_keeps_their_profile(coalition: Coalition):
    member = coalition.member
    summary = await walk_to(member.user, last_dm(coalition, member), "summary")
    await member.user.click(summary, label="Confirm")
    env = coalition.env

    coalition.guild.remove_member(member)
    await env.settle()
    await env.advance_time(10 * 86400)
    coalition.guild.add_member(member.user)
    await env.settle()
    await env.advance_time(85 * 86400)

    async with coalition.bot.database.session() as session:
        assert "member_profile.user_id" in await privacy.find_member_id(session, member.id)


async def test_departures_and_returns_while_the_bot_was_offline_are_caught_up_at_start_up(
    coalition: Coalition, make_bot
):
    from sqlalchemy import select as select_rows

    from db import jobs
    from db.members import MemberProfile

    member = coalition.member
    summary = await walk_to(member.user, last_dm(coalition, member), "summary")
    await member.user.click(summary, label="Confirm")
    gone_id = 424242424242424242
    now = discord.utils.utcnow()
    async with coalition.bot.database.session() as session:
        # Someone who finished onboarding and left while the bot was down, and the member marked as gone.
        session.add(
            MemberProfile(
                guild_id=coalition.guild.id,
                user_id=gone_id,
                display_name="Gone",
                created_at=now,
                updated_at=now,
            )
        )
        profile = await session.scalar(select_rows(MemberProfile).where(MemberProfile.user_id == member.id))
        profile.left_at = now
        session.add(profile)

    await coalition.env.restart_bot(make_bot())
    await coalition.env.settle()

    async with coalition.bot.database.session() as session:
        gone = await session.scalar(select_rows(MemberProfile).where(MemberProfile.user_id == gone_id))
        back = await session.scalar(select_rows(MemberProfile).where(MemberProfile.user_id == member.id))
        expiry = await jobs.get(session, f"privacy.expire:{coalition.guild.id}:{gone_id}")
    assert gone.left_at is not None
    assert back.left_at is None
    assert expiry is not None
    assert expiry.status == jobs.PENDING


async def test_a_member_recorded_as_departed_but_still_present_keeps_their_data(coalition: Coalition):
    from sqlalchemy import select as select_rows

    from cogs.privacy import service
    from db.members import MemberProfile

    member = coalition.member
    summary = await walk_to(member.user, last_dm(coalition, member), "summary")
    await member.user.click(summary, label="Confirm")
    # A record that says the member left (a wrong mark, whatever made it) while they are in the server.
    async with coalition.bot.database.session() as session:
        profile = await session.scalar(select_rows(MemberProfile).where(MemberProfile.user_id == member.id))
        profile.left_at = discord.utils.utcnow()
        session.add(profile)
    await service.member_left(
        coalition.bot.app, guild_id=coalition.guild.id, user_id=member.id, retention_days=90
    )

    await coalition.env.advance_time(91 * 86400)
    await coalition.env.settle()

    async with coalition.bot.database.session() as session:
        kept = await session.scalar(select_rows(MemberProfile).where(MemberProfile.user_id == member.id))
    assert kept is not None
    assert kept.left_at is None
