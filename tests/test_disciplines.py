"""Discipline tags: the catalog, members tagging themselves, the panel, the directory, roles in step with Discord."""

from __future__ import annotations

import discord

from db import disciplines as catalog
from db import members
from tests.helpers import let_everyone_see
from tests.onboarding_helpers import bot_messages, join, last_dm, progress_of, walk_to


async def add_disciplines(coalition, count):
    """Grow the catalog past Discord's 25 options: the defaults plus numbered extras."""
    now = discord.utils.utcnow()
    async with coalition.bot.database.session() as session:
        await catalog.seed_defaults(session, coalition.guild.id, now)
        for number in range(count - 15):
            await catalog.create_discipline(
                session, coalition.guild.id, f"Zoning specialty {number:02d}", now
            )
        return {d.name: d.id for d in await catalog.list_disciplines(session, coalition.guild.id)}


async def list_me_in_directory(coalition, actor, name="Marcus Hill"):
    now = discord.utils.utcnow()
    async with coalition.bot.database.session() as session:
        profile = await members.get_or_create_profile(session, coalition.guild.id, actor.id, now)
        await members.update_profile(session, profile, now, display_name=name, directory_opt_in=True)


def role_named(coalition, name):
    return next(role for role in coalition.guild.me.guild.roles if role.name == name)


async def test_add_gives_the_role_and_list_shows_it(coalition):
    result = await coalition.member.slash(coalition.general, "discipline add", name="Epidemiology")

    assert "Added **Epidemiology**" in result.response.content
    assert any(role.name == "Epidemiology" for role in coalition.member.member.roles)
    listing = await coalition.member.slash(coalition.general, "discipline list")
    embed = listing.response.embeds[0]
    assert "✅ Epidemiology: 1 member" in embed.description
    assert embed.fields[0].value == "Epidemiology"


async def test_remove_takes_the_role_back(coalition):
    await coalition.member.slash(coalition.general, "discipline add", name="Labor")

    result = await coalition.member.slash(coalition.general, "discipline remove", name="Labor")

    assert "Removed **Labor**" in result.response.content
    assert not any(role.name == "Labor" for role in coalition.member.member.roles)


async def test_adding_an_unknown_discipline_says_so(coalition):
    result = await coalition.member.slash(coalition.general, "discipline add", name="Astrology")
    assert "There is no discipline called" in result.response.content


async def test_autocomplete_offers_at_most_25_matching_names(coalition):
    await add_disciplines(coalition, 40)

    everything = await coalition.member.autocomplete(coalition.general, "discipline add", "name", "")
    some = await coalition.member.autocomplete(coalition.general, "discipline add", "name", "health")

    assert len(everything) == 25
    assert {c["name"] for c in some} == {"Environmental health", "Health education", "Public health nursing"}


async def test_remove_autocomplete_offers_only_your_disciplines(coalition):
    await coalition.member.slash(coalition.general, "discipline add", name="Research")
    offered = await coalition.member.autocomplete(coalition.general, "discipline remove", "name", "")
    assert [c["name"] for c in offered] == ["Research"]


async def test_existing_role_of_the_same_name_is_used_once_an_organizer_maps_it(coalition):
    existing = coalition.guild.create_role("Transportation")
    await coalition.env.settle()
    # Issue 10: a look-alike role is never adopted by name; an organizer maps it on purpose.
    await coalition.organizer.slash(coalition.general, "discipline map", name="Transportation", role=existing)

    await coalition.member.slash(coalition.general, "discipline add", name="Transportation")

    assert coalition.member.member.get_role(existing.id) is not None
    assert len([r for r in coalition.guild.roles.values() if r.name == "Transportation"]) == 1


async def test_thirty_disciplines_work_in_the_onboarding_select(coalition):
    ids = await add_disciplines(coalition, 30)
    nadia = await join(coalition, "nadia")
    step = await walk_to(nadia.user, last_dm(coalition, nadia), "disciplines")

    first_page = step.components[0]["components"][0]
    assert len(first_page["options"]) == 25
    await nadia.user.select(step, [str(ids["Epidemiology"])])
    await nadia.user.click(step, label="Next ▶")  # the message turns to page 2 in place
    second = last_dm(coalition, nadia)
    options = second.components[0]["components"][0]["options"]
    assert len(options) == 5
    await nadia.user.select(second, [str(ids["Zoning specialty 14"])])
    await nadia.user.click(second, label="Continue")

    chosen = set((await progress_of(coalition, nadia)).answers["disciplines"])
    assert chosen == {ids["Epidemiology"], ids["Zoning specialty 14"]}


async def test_thirty_disciplines_work_in_the_panel(coalition, make_bot):
    ids = await add_disciplines(coalition, 30)
    posted = await coalition.organizer.slash(coalition.general, "discipline panel", channel=coalition.general)
    assert "30 disciplines" in posted.response.content
    panel = next(
        m
        for m in bot_messages(coalition, coalition.general)
        if m.embeds and m.embeds[0].title == "Your disciplines"
    )
    selects = [row["components"][0] for row in panel.components]
    assert [len(s["options"]) for s in selects] == [25, 5]

    await coalition.env.restart_bot(make_bot())
    added = await coalition.member.select(
        panel, [str(ids["Zoning specialty 14"])], custom_id=selects[1]["custom_id"]
    )
    # The panel is redrawn unchanged (so the member's client forgets the pick); the answer is private.
    assert [len(row["components"][0]["options"]) for row in added.response.components] == [25, 5]
    assert "Added **Zoning specialty 14**" in added.followups[-1].content
    assert added.followups[-1].ephemeral
    removed = await coalition.member.select(
        panel, [str(ids["Zoning specialty 14"])], custom_id=selects[1]["custom_id"]
    )
    assert "Removed **Zoning specialty 14**" in removed.followups[-1].content


async def test_hand_removing_a_role_updates_list_and_directory(coalition):
    await list_me_in_directory(coalition, coalition.member)
    await coalition.member.slash(coalition.general, "discipline add", name="Epidemiology")
    before = await coalition.other.slash(coalition.general, "discipline members", name="Epidemiology")
    assert "Marcus Hill" in before.response.embeds[0].description

    role = next(r for r in coalition.member.member.roles if r.name == "Epidemiology")
    coalition.env.backend.remove_member_role(coalition.guild.id, coalition.member.id, role.id)
    await coalition.env.settle()

    listing = await coalition.member.slash(coalition.general, "discipline list")
    assert "▫️ Epidemiology: 0 members" in listing.response.embeds[0].description
    after = await coalition.other.slash(coalition.general, "discipline members", name="Epidemiology")
    assert "Marcus Hill" not in (after.response.embeds[0].description or "")


async def test_hand_adding_a_role_tags_the_member(coalition):
    await coalition.other.slash(coalition.general, "discipline add", name="Labor")  # the bot makes the role
    role = next(r for r in coalition.other.member.roles if r.name == "Labor")

    coalition.env.backend.add_member_role(coalition.guild.id, coalition.member.id, role.id)
    await coalition.env.settle()

    listing = await coalition.member.slash(coalition.general, "discipline list")
    assert "✅ Labor: 2 members" in listing.response.embeds[0].description


async def test_deleted_role_detaches_and_a_new_one_is_made_later(coalition):
    await coalition.member.slash(coalition.general, "discipline add", name="Research")
    role = next(r for r in coalition.member.member.roles if r.name == "Research")

    coalition.env.backend.delete_role(coalition.guild.id, role.id)
    await coalition.env.settle()
    async with coalition.bot.database.session() as session:
        research = await catalog.find_discipline(session, coalition.guild.id, "Research")
    assert research.role_id is None

    await coalition.other.slash(coalition.general, "discipline add", name="Research")
    assert any(r.name == "Research" for r in coalition.other.member.roles)


async def test_directory_lists_only_opted_in_current_members_and_pages(coalition):
    for number in range(12):
        actor = await join(coalition, f"m{number:02d}")
        await list_me_in_directory(coalition, actor, name=f"Member {number:02d}")
        await actor.slash(coalition.general, "discipline add", name="Labor")
    await coalition.member.slash(coalition.general, "discipline add", name="Labor")  # not opted in

    first = await coalition.other.slash(coalition.general, "discipline members", name="Labor")
    assert first.ephemeral
    assert "Page 1 of 2 · 12 listed members" in first.response.embeds[0].footer.text
    second = await coalition.other.click(first.response, label="Next ▶")
    assert "Member 11" in second.response.embeds[0].description
    assert "marcus" not in second.response.embeds[0].description


async def test_organizer_creates_renames_and_deletes(coalition):
    created = await coalition.organizer.slash(coalition.general, "discipline create", name="Housing")
    assert "Added the discipline **Housing**" in created.response.content
    duplicate = await coalition.organizer.slash(coalition.general, "discipline create", name="housing ")
    assert "already a discipline" in duplicate.response.content

    renamed = await coalition.organizer.slash(
        coalition.general, "discipline rename", name="Housing", new_name="Housing justice"
    )
    assert "Renamed" in renamed.response.content
    assert any(r.name == "Housing justice" for r in coalition.guild.roles.values())

    deleted = await coalition.organizer.slash(coalition.general, "discipline delete", name="Housing justice")
    assert "Deleted" in deleted.response.content
    async with coalition.bot.database.session() as session:
        assert await catalog.find_discipline(session, coalition.guild.id, "Housing justice") is None


async def test_members_cannot_run_organizer_discipline_commands(coalition):
    let_everyone_see(coalition.env, coalition.guild, "discipline")
    result = await coalition.member.slash(coalition.general, "discipline create", name="Housing")
    assert "Only organizers" in result.response.content


async def test_discipline_role_above_the_bot_tells_organizers_the_fix(coalition):
    mapped = coalition.guild.create_role("Epidemiology")
    await coalition.env.settle()
    # Issue 10: only a role an organizer mapped is handed out; it is moved above the bot afterwards.
    await coalition.organizer.slash(coalition.general, "discipline map", name="Epidemiology", role=mapped)
    top = coalition.guild.me.top_role.position
    coalition.env.backend.edit_role(coalition.guild.id, mapped.id, {"position": top + 1})
    await coalition.env.settle()

    result = await coalition.member.slash(coalition.general, "discipline add", name="Epidemiology")

    assert "organizers have been told" in result.response.content
    audit = " ".join(m.content for m in bot_messages(coalition, coalition.channels["audit"]))
    assert "drag" in audit


async def test_a_staff_role_sharing_a_disciplines_name_is_never_handed_out(coalition):
    staff = coalition.guild.create_role("Leadership", permissions=discord.Permissions(manage_guild=True))
    await coalition.env.settle()
    let_everyone_see(coalition.env, coalition.guild, "discipline")

    added = await coalition.member.slash(coalition.general, "discipline add", name="Leadership")

    assert "Leadership" in added.response.content
    assert coalition.member.member.get_role(staff.id) is None
    given = [role for role in coalition.member.member.roles if role.name == "Leadership"]
    assert len(given) == 1
    assert not given[0].permissions.manage_guild
    refused = await coalition.member.slash(coalition.general, "discipline create", name="Astrology")
    assert "Only organizers can do that" in refused.response.content


async def test_disciplines_tagged_before_confirming_onboarding_are_kept(coalition):
    nadia = await join(coalition, "nadia")
    await nadia.slash(coalition.general, "discipline add", name="Labor")

    step = await walk_to(nadia.user, last_dm(coalition, nadia), "summary", disciplines=("Epidemiology",))
    await nadia.user.click(step, label="Confirm")
    await coalition.env.settle()

    async with coalition.bot.database.session() as session:
        held = {
            d.name
            for d in await catalog.list_disciplines(session, coalition.guild.id)
            if d.id in await catalog.member_discipline_ids(session, coalition.guild.id, nadia.id)
        }
    assert held == {"Labor", "Epidemiology"}
    assert {"Labor", "Epidemiology"} <= {role.name for role in nadia.member.roles}
