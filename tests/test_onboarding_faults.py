"""Onboarding when Discord fails: what a member's action implies happens anyway, and every notice once.

Under SimCord a 500 reaches the bot on the first try (a real client would retry it a few times first), so
each injected fault stands for a request that failed for good at that moment.
"""

from __future__ import annotations

from db import onboarding as progress_db
from tests.onboarding_helpers import (
    bot_messages,
    dm_texts,
    join,
    last_dm,
    progress_of,
    set_member_role,
    walk_to,
)

DAY = 24 * 3600
CALLBACK = "/interactions/*/callback"


def introductions(coalition, name):
    return [m for m in bot_messages(coalition, coalition.channels["introductions"]) if name in m.content]


def resource_dms(coalition, member):
    return [t for t in dm_texts(coalition, member) if "resources picked for you" in t or "no resources" in t]


async def reach_summary(coalition, name="nadia"):
    members_role = coalition.guild.create_role("Coalition members")
    await set_member_role(coalition, members_role)
    newcomer = await join(coalition, name)
    summary = await walk_to(newcomer.user, last_dm(coalition, newcomer), "summary")
    return newcomer, summary, members_role


async def assert_welcomed_once(coalition, newcomer, members_role):
    assert (await progress_of(coalition, newcomer)).finished_at is not None
    # Read from Discord's side: after a restart the bot's member cache may not be filled yet.
    held = coalition.env.backend.get_member(coalition.guild.id, newcomer.id).role_ids
    assert members_role.id in held
    assert "Epidemiology" in {coalition.env.backend.get_role(coalition.guild.id, i).name for i in held}
    assert len(introductions(coalition, "Nadia Reyes")) == 1
    assert len(resource_dms(coalition, newcomer)) == 1


async def test_a_500_on_the_answer_to_confirm_still_gives_roles_introduction_and_resources(coalition):
    nadia, summary, members_role = await reach_summary(coalition)
    coalition.env.inject_error("POST", CALLBACK, status=500)

    await nadia.user.click(summary, label="Confirm")
    await coalition.env.advance_time(60)

    await assert_welcomed_once(coalition, nadia, members_role)
    await coalition.env.advance_time(DAY)
    await assert_welcomed_once(coalition, nadia, members_role)


async def test_an_expired_confirm_still_welcomes_and_a_second_click_says_it_is_done(coalition):
    nadia, summary, members_role = await reach_summary(coalition)
    coalition.env.inject_error("POST", CALLBACK, status=404, code=10062, message="Unknown interaction")

    await nadia.user.click(summary, label="Confirm")
    await assert_welcomed_once(coalition, nadia, members_role)

    again = await nadia.user.click(summary, label="Confirm")
    assert "already finished" in again.response.content
    await assert_welcomed_once(coalition, nadia, members_role)


async def test_what_discord_refused_at_confirm_is_retried_until_done(coalition):
    nadia, summary, members_role = await reach_summary(coalition)
    introductions_path = f"/channels/{coalition.channels['introductions'].id}/messages"
    coalition.env.inject_error("POST", CALLBACK, status=500)
    coalition.env.inject_error("POST", introductions_path, status=500, times=3)

    await nadia.user.click(summary, label="Confirm")
    await coalition.env.advance_time(60)
    assert introductions(coalition, "Nadia Reyes") == []
    assert (await progress_of(coalition, nadia)).introduced_at is None

    await coalition.env.advance_time(DAY)

    await assert_welcomed_once(coalition, nadia, members_role)
    async with coalition.bot.database.session() as session:
        progress = await progress_db.get_progress(session, coalition.guild.id, nadia.id)
    assert progress.introduced_at is not None
    assert progress.picks_sent_at is not None


def reminders(coalition, member):
    return [t for t in dm_texts(coalition, member) if "waiting for you" in t]


def follow_ups(coalition, member, day):
    return [t for t in dm_texts(coalition, member) if f"{day} days in" in t]


def refuse_dms(coalition, member, times):
    coalition.env.inject_error(
        "POST", f"/channels/{member.user.dm_channel.id}/messages", status=500, times=times
    )


async def test_a_500_on_the_stall_reminder_does_not_count_it_sent_and_it_goes_out_once(coalition):
    nadia = await join(coalition, "nadia")
    await walk_to(nadia.user, last_dm(coalition, nadia), "about")
    await coalition.env.advance_time(DAY - 60)
    refuse_dms(coalition, nadia, times=2)

    await coalition.env.advance_time(90)
    assert reminders(coalition, nadia) == []
    assert (await progress_of(coalition, nadia)).reminder_sent_at is None

    await coalition.env.advance_time(3 * DAY)
    assert len(reminders(coalition, nadia)) == 1
    assert (await progress_of(coalition, nadia)).reminder_sent_at is not None


async def finish_onboarding(coalition, name="nadia"):
    newcomer = await join(coalition, name)
    summary = await walk_to(newcomer.user, last_dm(coalition, newcomer), "summary")
    await newcomer.user.click(summary, label="Confirm")
    return newcomer


async def test_a_500_on_the_day_7_follow_up_does_not_count_it_sent_and_it_goes_out_once(coalition):
    nadia = await finish_onboarding(coalition)
    await coalition.env.advance_time(7 * DAY - 60)
    refuse_dms(coalition, nadia, times=2)

    await coalition.env.advance_time(90)
    assert follow_ups(coalition, nadia, 7) == []
    assert (await progress_of(coalition, nadia)).followup_7_sent_at is None

    await coalition.env.advance_time(DAY)
    assert len(follow_ups(coalition, nadia, 7)) == 1
    assert (await progress_of(coalition, nadia)).followup_7_sent_at is not None


async def test_a_500_on_the_day_30_follow_up_does_not_count_it_sent_and_it_goes_out_once(coalition):
    nadia = await finish_onboarding(coalition)
    await coalition.env.advance_time(30 * DAY - 60)
    assert len(follow_ups(coalition, nadia, 7)) == 1
    refuse_dms(coalition, nadia, times=3)

    await coalition.env.advance_time(90)
    assert follow_ups(coalition, nadia, 30) == []
    assert (await progress_of(coalition, nadia)).followup_30_sent_at is None

    await coalition.env.advance_time(2 * DAY)
    assert len(follow_ups(coalition, nadia, 30)) == 1
    assert (await progress_of(coalition, nadia)).followup_30_sent_at is not None


async def test_delivery_left_undone_finishes_after_a_restart(coalition, make_bot):
    nadia, summary, members_role = await reach_summary(coalition)
    introductions_path = f"/channels/{coalition.channels['introductions'].id}/messages"
    coalition.env.inject_error("POST", CALLBACK, status=500)
    coalition.env.inject_error("POST", introductions_path, status=500)
    await nadia.user.click(summary, label="Confirm")

    await coalition.env.restart_bot(make_bot())
    await coalition.env.advance_time(DAY)

    await assert_welcomed_once(coalition, nadia, members_role)
