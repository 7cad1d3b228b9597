"""Onboarding's rough edges from issue 13, as members and organizers meet them in their first hour."""

from __future__ import annotations

import re
from collections import Counter

from simcord.actors import MemberActor

from bot.pacing import DM_BURST, DM_PAUSE_SECONDS
from tests.onboarding_helpers import dm_texts, join, last_dm, walk_to

DAY = 24 * 3600
LINK = re.compile(r"<(https?://[^>]+)>")


def links(texts):
    return {url for text in texts for url in LINK.findall(text)}


def reminders(coalition, member):
    return [t for t in dm_texts(coalition, member) if "waiting for you" in t]


async def test_day_7_and_day_30_follow_ups_bring_resources_not_sent_before(coalition):
    nadia = await join(coalition, "nadia")
    summary = await walk_to(nadia.user, last_dm(coalition, nadia), "summary")
    done = await nadia.user.click(summary, label="Confirm")
    at_completion = links(f.content for f in done.followups)
    assert len(at_completion) == 3

    await coalition.env.advance_time(7 * DAY + 60)
    day_7 = links(t for t in dm_texts(coalition, nadia) if "7 days in" in t)
    await coalition.env.advance_time(23 * DAY + 60)
    day_30 = links(t for t in dm_texts(coalition, nadia) if "30 days in" in t)

    assert day_7
    assert day_30
    assert not day_7 & at_completion
    assert not day_30 & (at_completion | day_7)


async def test_stall_reminders_skip_the_organizer_and_members_from_before_the_bot(coalition):
    env, guild = coalition.env, coalition.guild
    # A member who was in the server before the bot came: no join event; she looks at /onboard, no more.
    user = env.create_user("rosa")
    env.backend.add_member(guild.id, user.id)
    rosa = MemberActor(env, guild, user)
    looked = await rosa.slash(coalition.general, "onboard")
    assert "direct messages" in looked.response.content
    # A newcomer who starts and stalls.
    nadia = await join(coalition, "nadia")
    await walk_to(nadia.user, last_dm(coalition, nadia), "about")

    await env.advance_time(2 * DAY)

    assert len(reminders(coalition, nadia)) == 1
    assert reminders(coalition, coalition.organizer) == []
    assert reminders(coalition, rosa) == []


async def test_someone_from_before_the_bot_who_started_and_stalled_is_reminded(coalition):
    env, guild = coalition.env, coalition.guild
    user = env.create_user("rosa")
    env.backend.add_member(guild.id, user.id)
    rosa = MemberActor(env, guild, user)
    await rosa.slash(coalition.general, "onboard")
    await walk_to(rosa.user, last_dm(coalition, rosa), "about")

    await env.advance_time(2 * DAY)

    assert len(reminders(coalition, rosa)) == 1


async def test_a_wave_of_joins_gets_its_welcome_dms_paced_like_other_bulk_dms(coalition):
    env = coalition.env
    wave = [coalition.guild.add_member(env.create_user(f"newcomer{n}")) for n in range(2 * DM_BURST + 2)]

    await env.settle()

    # When each welcome went out, read from its message id (milliseconds of the simulated clock).
    sent_at = sorted(last_dm(coalition, member).id >> 22 for member in wave)
    pause_ms = int(DM_PAUSE_SECONDS * 1000)
    bursts = Counter((moment - sent_at[0]) // pause_ms for moment in sent_at)
    assert bursts == {0: DM_BURST, 1: DM_BURST, 2: 2}
