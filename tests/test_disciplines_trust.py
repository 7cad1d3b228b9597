"""Issue 10, role escalation: the bot hands out only roles it created for the catalog, or roles an organizer
mapped on purpose, and never maps a role that a channel overwrite lifts above @everyone."""

from __future__ import annotations

import discord

from db import disciplines as catalog
from tests.helpers import let_everyone_see
from tests.onboarding_helpers import bot_messages


async def mapped_role_id(coalition, name):
    async with coalition.bot.database.session() as session:
        found = await catalog.find_discipline(session, coalition.guild.id, name)
    return found.role_id if found else None


def private_channel_for(coalition, role, **allowed):
    """A channel @everyone cannot see, opened (or moderated) by an overwrite for `role`."""
    return coalition.guild.create_text_channel(
        "steering-private",
        overwrites={
            coalition.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            role: discord.PermissionOverwrite(**allowed),
        },
    )


async def test_a_same_named_role_that_opens_a_private_channel_is_never_handed_out(coalition):
    lookalike = coalition.guild.create_role("Epidemiology")
    private_channel_for(coalition, lookalike, view_channel=True)
    await coalition.env.settle()

    added = await coalition.member.slash(coalition.general, "discipline add", name="Epidemiology")

    assert "Added **Epidemiology**" in added.response.content
    assert coalition.member.member.get_role(lookalike.id) is None
    given = [role for role in coalition.member.member.roles if role.name == "Epidemiology"]
    assert len(given) == 1
    assert given[0].id != lookalike.id
    assert await mapped_role_id(coalition, "Epidemiology") == given[0].id


async def test_a_same_named_plain_role_is_not_adopted_without_an_organizer_mapping_it(coalition):
    lookalike = coalition.guild.create_role("Transportation")
    await coalition.env.settle()

    await coalition.member.slash(coalition.general, "discipline add", name="Transportation")

    assert coalition.member.member.get_role(lookalike.id) is None
    assert await mapped_role_id(coalition, "Transportation") not in (None, lookalike.id)


async def test_create_says_a_same_named_role_exists_and_how_to_map_it(coalition):
    lookalike = coalition.guild.create_role("Housing")
    await coalition.env.settle()

    created = await coalition.organizer.slash(coalition.general, "discipline create", name="Housing")

    assert f"<@&{lookalike.id}>" in created.response.content
    assert "/discipline map" in created.response.content
    assert await mapped_role_id(coalition, "Housing") != lookalike.id


async def test_organizer_maps_a_plain_role_and_members_then_get_it(coalition):
    chosen = coalition.guild.create_role("Transit folks")
    await coalition.env.settle()

    mapped = await coalition.organizer.slash(
        coalition.general, "discipline map", name="Transportation", role=chosen
    )
    assert "Transportation" in mapped.response.content
    assert f"<@&{chosen.id}>" in mapped.response.content
    await coalition.member.slash(coalition.general, "discipline add", name="Transportation")

    assert coalition.member.member.get_role(chosen.id) is not None
    assert await mapped_role_id(coalition, "Transportation") == chosen.id


async def test_map_refuses_a_role_that_opens_a_private_channel(coalition):
    steering = coalition.guild.create_role("Steering")
    private_channel_for(coalition, steering, view_channel=True)
    await coalition.env.settle()

    refused = await coalition.organizer.slash(
        coalition.general, "discipline map", name="Leadership", role=steering
    )

    assert "I will not hand out" in refused.response.content
    assert "#steering-private" in refused.response.content
    assert await mapped_role_id(coalition, "Leadership") != steering.id


async def test_map_refuses_a_role_that_moderates_a_channel(coalition):
    helpers = coalition.guild.create_role("Helpers")
    coalition.guild.create_text_channel(
        "open-chat", overwrites={helpers: discord.PermissionOverwrite(manage_messages=True)}
    )
    await coalition.env.settle()

    refused = await coalition.organizer.slash(
        coalition.general, "discipline map", name="Research", role=helpers
    )

    assert "manage messages" in refused.response.content
    assert await mapped_role_id(coalition, "Research") != helpers.id


async def test_map_refuses_the_organizer_role(coalition):
    stewards = coalition.guild.create_role("Stewards")
    await coalition.organizer.slash(coalition.general, "setup role", purpose="organizer", role=stewards)

    refused = await coalition.organizer.slash(
        coalition.general, "discipline map", name="Labor", role=stewards
    )

    assert "needs a role of its own" in refused.response.content
    assert await mapped_role_id(coalition, "Labor") != stewards.id


async def test_members_cannot_map_roles(coalition):
    plain = coalition.guild.create_role("Plain")
    let_everyone_see(coalition.env, coalition.guild, "discipline")

    refused = await coalition.member.slash(coalition.general, "discipline map", name="Labor", role=plain)

    assert "Only organizers can do that" in refused.response.content
    assert await mapped_role_id(coalition, "Labor") is None


async def test_mapping_moves_members_who_hold_the_discipline_to_the_mapped_role(coalition):
    await coalition.member.slash(coalition.general, "discipline add", name="Labor")
    made = next(role for role in coalition.member.member.roles if role.name == "Labor")
    unions = coalition.guild.create_role("Union folks")
    await coalition.env.settle()

    mapped = await coalition.organizer.slash(coalition.general, "discipline map", name="Labor", role=unions)

    assert "The 1 who already had it got it too." in mapped.response.content
    assert f"<@&{made.id}> is no longer handed out" in mapped.response.content
    assert coalition.member.member.get_role(unions.id) is not None
    assert coalition.member.member.get_role(made.id) is None
    listing = await coalition.member.slash(coalition.general, "discipline list")
    assert "✅ Labor: 1 member" in listing.response.embeds[0].description


async def test_a_mapped_role_that_later_opens_a_private_channel_is_no_longer_handed_out(coalition):
    chosen = coalition.guild.create_role("Transit folks")
    await coalition.env.settle()
    await coalition.organizer.slash(coalition.general, "discipline map", name="Transportation", role=chosen)
    private_channel_for(coalition, chosen, view_channel=True)
    await coalition.env.settle()

    added = await coalition.member.slash(coalition.general, "discipline add", name="Transportation")

    assert "organizers have been told" in added.response.content
    assert coalition.member.member.get_role(chosen.id) is None
    audit = " ".join(m.content for m in bot_messages(coalition, coalition.channels["audit"]))
    assert "#steering-private" in audit


async def test_a_role_adopted_by_name_before_the_fix_is_not_handed_out_if_it_opens_a_private_channel(
    coalition,
):
    legacy = coalition.guild.create_role("Epidemiology")
    private_channel_for(coalition, legacy, view_channel=True)
    await coalition.env.settle()
    async with coalition.bot.database.session() as session:
        await catalog.seed_defaults(session, coalition.guild.id, discord.utils.utcnow())
        found = await catalog.find_discipline(session, coalition.guild.id, "Epidemiology")
        found.role_id = legacy.id  # what the old adoption stored, with no record of how

    added = await coalition.member.slash(coalition.general, "discipline add", name="Epidemiology")

    assert "organizers have been told" in added.response.content
    assert coalition.member.member.get_role(legacy.id) is None


async def test_a_role_the_bot_created_may_open_the_disciplines_own_channel(coalition):
    await coalition.other.slash(coalition.general, "discipline add", name="Epidemiology")
    made = next(role for role in coalition.other.member.roles if role.name == "Epidemiology")
    private_channel_for(coalition, made, view_channel=True)
    await coalition.env.settle()

    added = await coalition.member.slash(coalition.general, "discipline add", name="Epidemiology")

    assert "organizers have been told" not in added.response.content
    assert coalition.member.member.get_role(made.id) is not None


# ------------------------------------------------------------------ hostile input (issue 10)


async def test_invisible_and_direction_characters_never_reach_a_discipline_name(coalition):
    created = await coalition.organizer.slash(
        coalition.general, "discipline create", name="\u202eHousing\u200b  justice\u2066"
    )

    assert "Added the discipline **Housing justice**" in created.response.content
    async with coalition.bot.database.session() as session:
        names = [d.name for d in await catalog.list_disciplines(session, coalition.guild.id)]
    assert "Housing justice" in names
    assert not any(char in name for name in names for char in "\u202e\u200b\u2066")


async def test_a_discipline_name_that_is_blank_once_invisible_characters_go_is_refused(coalition):
    refused = await coalition.organizer.slash(
        coalition.general, "discipline create", name="\u200b\u3164\u2800"
    )

    assert "cannot be blank" in refused.response.content


async def test_setup_check_reports_a_mapped_role_that_a_channel_now_lifts(coalition):
    chosen = coalition.guild.create_role("Transit folks")
    await coalition.env.settle()
    await coalition.organizer.slash(coalition.general, "discipline map", name="Transportation", role=chosen)
    private_channel_for(coalition, chosen, view_channel=True)
    await coalition.env.settle()

    result = await coalition.organizer.slash(coalition.general, "setup check")

    fields = {field.name: field.value for field in result.response.embeds[0].fields}
    problem = next(name for name in fields if "@Transit folks" in name)
    assert "#steering-private" in problem
    assert "Remove those channel permissions" in fields[problem]
