"""Typed text through the one validator per kind: what a hostile member types never reaches a message as typed."""

from __future__ import annotations

from sqlalchemy import select

from db import resources as store
from tests.onboarding_helpers import WORKPLACE, last_dm, walk_to

RLO, ZWSP = "\u202e", "\u200b"


async def _suggest(coalition, title: str, summary: str = "Cooling centres and outreach plans."):
    shown = await coalition.member.slash(coalition.general, "resources suggest", kind="toolkit")
    return await coalition.member.submit_modal(
        shown,
        {
            "resources:suggest:title": title,
            "resources:suggest:url": "https://example.org/heat-plan",
            "resources:suggest:summary": summary,
        },
    )


async def test_a_suggested_title_loses_direction_overrides_and_invisible_characters(coalition):
    await _suggest(coalition, f"Heat{ZWSP} plan {RLO}txt.exe")

    async with coalition.bot.database.session() as session:
        stored = await session.scalar(select(store.Resource).where(store.Resource.status == "pending"))
    assert stored.title == "Heat plan txt.exe"


async def test_a_title_that_is_only_invisible_characters_is_refused_and_nothing_is_stored(coalition):
    refused = await _suggest(coalition, f"{ZWSP}{RLO}\u2800 {ZWSP}")

    assert "cannot be blank" in refused.response.content
    async with coalition.bot.database.session() as session:
        assert await session.scalar(select(store.Resource).where(store.Resource.status == "pending")) is None


async def test_profile_fields_lose_direction_overrides(coalition):
    member = coalition.member
    step = await walk_to(member.user, last_dm(coalition, member), "workplace")
    shown = await member.user.click(step, label="Fill in: where you work")
    after = (
        await member.user.submit_modal(shown, {**WORKPLACE, "profile:organization": f"Travis {RLO}County HD"})
    ).response
    summary = await walk_to(member.user, after, "summary")
    await member.user.click(summary, label="Confirm")

    from db import members

    async with coalition.bot.database.session() as session:
        profile = await members.get_profile(session, coalition.guild.id, member.id)
    assert profile.organization == "Travis County HD"
