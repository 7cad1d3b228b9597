"""Issue 10: discipline roles given or taken by hand while the bot was offline are caught up at start-up."""

from __future__ import annotations

from db import disciplines as catalog


async def tags_of(coalition, user_id) -> set[str]:
    async with coalition.bot.database.session() as session:
        held = await catalog.member_discipline_ids(session, coalition.guild.id, user_id)
        return {d.name for d in await catalog.list_disciplines(session, coalition.guild.id) if d.id in held}


async def forget_events(coalition, user_id, name) -> None:
    """Make the database disagree with Discord, as it does when the bot missed events while offline."""
    async with coalition.bot.database.session() as session:
        found = await catalog.find_discipline(session, coalition.guild.id, name)
        if await catalog.remove_member_discipline(session, coalition.guild.id, user_id, found.id):
            return
        await catalog.add_member_discipline(session, coalition.guild.id, user_id, found.id, found.created_at)


async def test_a_role_given_by_hand_while_offline_tags_the_member_after_a_restart(coalition, make_bot):
    await coalition.member.slash(coalition.general, "discipline add", name="Labor")
    await forget_events(coalition, coalition.member.id, "Labor")  # as if the role had been given by hand
    assert "Labor" not in await tags_of(coalition, coalition.member.id)

    await coalition.env.restart_bot(make_bot())
    await coalition.env.settle()

    assert "Labor" in await tags_of(coalition, coalition.member.id)


async def test_a_role_taken_by_hand_while_offline_untags_the_member_after_a_restart(coalition, make_bot):
    await coalition.member.slash(coalition.general, "discipline add", name="Labor")
    await forget_events(coalition, coalition.other.id, "Labor")  # tagged, but holds no Labor role

    await coalition.env.restart_bot(make_bot())
    await coalition.env.settle()

    assert "Labor" not in await tags_of(coalition, coalition.other.id)
    assert "Labor" in await tags_of(coalition, coalition.member.id)


async def test_a_tag_whose_role_the_bot_cannot_give_is_kept_after_a_restart(coalition, make_bot):
    high = coalition.guild.create_role("Epidemiology")
    await coalition.env.settle()
    await coalition.organizer.slash(coalition.general, "discipline map", name="Epidemiology", role=high)
    top = coalition.guild.me.top_role.position
    coalition.env.backend.edit_role(coalition.guild.id, high.id, {"position": top + 1})
    await coalition.env.settle()
    await forget_events(coalition, coalition.other.id, "Epidemiology")  # tagged; the role could not be given

    await coalition.env.restart_bot(make_bot())
    await coalition.env.settle()

    assert "Epidemiology" in await tags_of(coalition, coalition.other.id)
