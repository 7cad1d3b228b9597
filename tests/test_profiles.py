"""`/profile view` and `/profile edit`: the directory opt-in decides who sees whom."""

from __future__ import annotations

import discord

from db import members


async def make_profile(coalition, actor, *, listed, name="Marcus Hill"):
    now = discord.utils.utcnow()
    async with coalition.bot.database.session() as session:
        profile = await members.get_or_create_profile(session, coalition.guild.id, actor.id, now)
        await members.update_profile(
            session, profile, now, display_name=name, organization="Cook County DPH", directory_opt_in=listed
        )


async def test_own_profile_is_always_shown(coalition):
    await make_profile(coalition, coalition.member, listed=False)

    result = await coalition.member.slash(coalition.general, "profile view")

    assert result.ephemeral
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["Name"] == "Marcus Hill"
    assert fields["Directory"] == "not listed"


async def test_unlisted_member_is_hidden_from_others(coalition):
    await make_profile(coalition, coalition.member, listed=False)

    result = await coalition.other.slash(coalition.general, "profile view", member=coalition.member)

    assert "not listed in the directory" in result.response.content
    assert not result.response.embeds


async def test_listed_member_is_shown_to_others_until_they_leave(coalition):
    await make_profile(coalition, coalition.member, listed=True)
    shown = await coalition.other.slash(coalition.general, "profile view", member=coalition.member)
    assert shown.response.embeds[0].title == "Profile of marcus"

    coalition.guild.remove_member(coalition.member)
    await coalition.env.settle()
    async with coalition.bot.database.session() as session:
        profile = await members.get_profile(session, coalition.guild.id, coalition.member.id)
    assert profile.left_at is not None


async def test_edit_saves_the_form_and_blank_required_fields_are_refused(coalition):
    await make_profile(coalition, coalition.member, listed=True)
    shown = await coalition.member.slash(coalition.general, "profile edit", section="where you work")

    refused = await coalition.member.submit_modal(
        shown,
        {"profile:organization": "  ", "profile:jurisdiction": "Cook County", "profile:state": "Illinois"},
    )
    assert "is required" in refused.response.content
    shown = await coalition.member.slash(coalition.general, "profile edit", section="where you work")
    saved = await coalition.member.submit_modal(
        shown,
        {
            "profile:organization": "Chicago DPH",
            "profile:jurisdiction": "Chicago",
            "profile:state": "Illinois",
        },
    )

    assert "Saved" in saved.response.content
    async with coalition.bot.database.session() as session:
        profile = await members.get_profile(session, coalition.guild.id, coalition.member.id)
    assert (profile.organization, profile.organization_key, profile.state) == (
        "Chicago DPH",
        "chicago dph",
        "Illinois",
    )


async def test_edit_can_change_the_directory_listing(coalition):
    await make_profile(coalition, coalition.member, listed=True)

    result = await coalition.member.slash(coalition.general, "profile edit", directory=False)

    assert "no longer listed" in result.response.content
    hidden = await coalition.other.slash(coalition.general, "profile view", member=coalition.member)
    assert "not listed" in hidden.response.content


async def test_a_profile_form_submitted_after_a_restart_still_saves_what_was_typed(coalition, make_bot):
    await make_profile(coalition, coalition.member, listed=True)
    shown = await coalition.member.slash(coalition.general, "profile edit", section="where you work")

    await coalition.env.restart_bot(make_bot())
    saved = await coalition.member.submit_modal(
        shown,
        {
            "profile:organization": "Chicago DPH",
            "profile:jurisdiction": "Chicago",
            "profile:state": "Illinois",
        },
    )

    assert "Saved" in saved.response.content
    async with coalition.bot.database.session() as session:
        profile = await members.get_profile(session, coalition.guild.id, coalition.member.id)
    assert (profile.organization, profile.jurisdiction) == ("Chicago DPH", "Chicago")


async def test_edit_can_change_interests(coalition):
    await make_profile(coalition, coalition.member, listed=True)
    shown = await coalition.member.slash(coalition.general, "profile edit", section="interests")
    assert shown.ephemeral

    picked = await coalition.member.select(shown.response, ["chapter:7", "objective:1"])

    assert "Saved" in picked.response.content
    viewed = await coalition.member.slash(coalition.general, "profile view")
    interests = {f.name: f.value for f in viewed.response.embeds[0].fields}["Interests"]
    assert "Ch. 7" in interests
    assert "Objective 1" in interests
    async with coalition.bot.database.session() as session:
        profile = await members.get_profile(session, coalition.guild.id, coalition.member.id)
    assert profile.interests == ["chapter:7", "objective:1"]
