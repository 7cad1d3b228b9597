"""`/setup` and `/help`, driven through SimCord as organizers and members would."""

from __future__ import annotations

import discord
import pytest

from db.audit import AuditEntry
from db.guilds import GuildConfig
from tests.helpers import last_bot_message, let_everyone_see


async def stored_config(coalition) -> GuildConfig:
    async with coalition.bot.database.session() as session:
        return await session.get(GuildConfig, coalition.guild.id) or GuildConfig(guild_id=coalition.guild.id)


@pytest.mark.parametrize("purpose", ["welcome", "introductions", "campaigns", "polls", "review", "audit"])
async def test_organizer_sets_each_channel(coalition, purpose):
    target = coalition.guild.create_text_channel(f"new-{purpose}")

    result = await coalition.organizer.slash(
        coalition.general, "setup channel", purpose=purpose, channel=target
    )

    assert result.ephemeral
    assert f"The {purpose} channel is now <#{target.id}>" in result.response.content
    assert (await stored_config(coalition)).channel_id(purpose) == target.id


async def test_organizer_unsets_a_channel(coalition):
    result = await coalition.organizer.slash(coalition.general, "setup channel", purpose="polls")

    assert "unset" in result.response.content
    assert (await stored_config(coalition)).polls_channel_id is None


async def test_channel_the_bot_cannot_post_in_is_refused(coalition):
    bot_role = coalition.guild.me.top_role
    closed = coalition.guild.create_text_channel(
        "closed", overwrites={bot_role: discord.PermissionOverwrite(send_messages=False)}
    )

    result = await coalition.organizer.slash(
        coalition.general, "setup channel", purpose="welcome", channel=closed
    )

    assert "I cannot post in" in result.response.content
    assert (await stored_config(coalition)).welcome_channel_id == coalition.channels["welcome"].id


async def test_organizer_sets_member_and_organizer_roles(coalition):
    members = coalition.guild.create_role("Coalition members")
    stewards = coalition.guild.create_role("Stewards")

    await coalition.organizer.slash(coalition.general, "setup role", purpose="member", role=members)
    await coalition.organizer.slash(coalition.general, "setup role", purpose="organizer", role=stewards)

    config = await stored_config(coalition)
    assert (config.member_role_id, config.organizer_role_id) == (members.id, stewards.id)


async def test_organizer_role_lets_a_member_without_manage_server_organize(coalition):
    stewards = coalition.guild.create_role("Stewards")
    steward = coalition.guild.add_member(coalition.env.create_user("sasha"), roles=[stewards])
    await coalition.env.settle()
    await coalition.organizer.slash(coalition.general, "setup role", purpose="organizer", role=stewards)
    let_everyone_see(coalition.env, coalition.guild, "setup")

    result = await steward.slash(
        coalition.general, "setup channel", purpose="polls", channel=coalition.general
    )

    assert "The polls channel is now" in result.response.content


async def test_everyone_role_cannot_be_the_member_role(coalition):
    result = await coalition.organizer.slash(
        coalition.general, "setup role", purpose="member", role=coalition.guild.default_role
    )

    assert "pick an ordinary role" in result.response.content
    assert (await stored_config(coalition)).member_role_id is None


async def test_code_of_conduct_modal_saves_the_text_and_shows_it_next_time(coalition):
    shown = await coalition.organizer.slash(coalition.general, "setup code-of-conduct")
    assert shown.modal is not None

    text = "Assume good faith. Keep shared data de-identified. No harassment of any kind."
    saved = await coalition.organizer.submit_modal(shown, {"setup:code_of_conduct:text": text})

    assert "Saved the code of conduct" in saved.response.content
    assert (await stored_config(coalition)).code_of_conduct == text
    again = await coalition.organizer.slash(coalition.general, "setup code-of-conduct")
    assert again.modal["components"][0]["components"][0]["value"] == text


async def test_show_lists_channels_roles_and_code_of_conduct(coalition):
    result = await coalition.organizer.slash(coalition.general, "setup show")

    embed = result.response.embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    assert f"<#{coalition.channels['welcome'].id}>" in fields["Channels"]
    assert "not set" in fields["Roles"]
    assert "not set" in fields["Code of conduct"]


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("setup show", {}),
        ("setup channel", {"purpose": "welcome"}),
        ("setup role", {"purpose": "member"}),
        ("setup code-of-conduct", {}),
        ("setup check", {}),
    ],
)
async def test_member_is_refused_every_setup_command_and_nothing_changes(coalition, command, options):
    let_everyone_see(coalition.env, coalition.guild, "setup")
    before = (await stored_config(coalition)).model_dump()

    result = await coalition.member.slash(coalition.general, command, **options)

    assert result.ephemeral
    assert "Only organizers can do that" in result.response.content
    assert result.modal is None
    assert (await stored_config(coalition)).model_dump() == before


async def test_setup_is_hidden_from_members_by_default(coalition):
    assert "setup show" not in coalition.member.available_commands(coalition.general)
    assert "setup show" in coalition.organizer.available_commands(coalition.general)


async def test_check_is_all_clear_on_a_good_configuration(coalition):
    result = await coalition.organizer.slash(coalition.general, "setup check")

    assert result.response.embeds[0].title == "All clear"


async def test_check_reports_a_channel_the_bot_cannot_post_in(coalition):
    bot_role = coalition.guild.me.top_role
    closed = coalition.guild.create_text_channel(
        "closed", overwrites={bot_role: discord.PermissionOverwrite(send_messages=False, embed_links=False)}
    )
    async with coalition.bot.database.session() as session:
        config = await session.get(GuildConfig, coalition.guild.id)
        config.review_channel_id = closed.id

    result = await coalition.organizer.slash(coalition.general, "setup check")

    names = [field.name for field in result.response.embeds[0].fields]
    assert any("#closed (the review channel)" in name and "send messages" in name for name in names)


async def test_check_reports_a_role_above_the_bot(coalition):
    high = coalition.guild.create_role("Steering committee", position=50)
    await coalition.organizer.slash(coalition.general, "setup role", purpose="member", role=high)

    result = await coalition.organizer.slash(coalition.general, "setup check")

    fields = result.response.embeds[0].fields
    problem = next(field for field in fields if "@Steering committee" in field.name)
    assert "at or above my highest role" in problem.name
    assert "drag my role above" in problem.value


async def test_check_reports_missing_manage_roles(coalition):
    env, guild = coalition.env, coalition.guild
    bot_role = guild.me.top_role
    permissions = bot_role.permissions
    permissions.manage_roles = False
    env.backend.edit_role(guild.id, bot_role.id, {"permissions": permissions.value})
    await env.settle()

    result = await coalition.organizer.slash(coalition.general, "setup check")

    assert any("Manage Roles" in field.name for field in result.response.embeds[0].fields)


async def test_check_reports_a_deleted_channel(coalition):
    async with coalition.bot.database.session() as session:
        config = await session.get(GuildConfig, coalition.guild.id)
        config.polls_channel_id = 1234567890123

    result = await coalition.organizer.slash(coalition.general, "setup check")

    assert any(
        field.name == "The polls channel no longer exists." for field in result.response.embeds[0].fields
    )


async def test_check_reports_members_intent_not_granted(coalition, make_bot):
    await coalition.env.restart_bot(make_bot(members_intent=False))

    result = await coalition.organizer.slash(coalition.general, "setup check")

    assert any("Server Members privileged intent" in field.name for field in result.response.embeds[0].fields)


async def test_setup_changes_are_audited_without_pinging(coalition):
    await coalition.organizer.slash(
        coalition.general, "setup channel", purpose="polls", channel=coalition.general
    )

    posted = last_bot_message(coalition.env, coalition.channels["audit"])
    assert "setup.channel" in posted.content
    assert posted.ping_user_ids == []
    async with coalition.bot.database.session() as session:
        entries = (await session.scalars(AuditEntry.__table__.select())).all()
    assert len(entries) == 1


async def test_help_shows_members_only_what_they_may_use(coalition):
    member_help = await coalition.member.slash(coalition.general, "help")
    organizer_help = await coalition.organizer.slash(coalition.general, "help")

    member_text = str(member_help.response.embeds[0].to_dict())
    organizer_text = str(organizer_help.response.embeds[0].to_dict())
    assert "/setup check" not in member_text
    assert "/help" in member_text
    assert "/setup check" in organizer_text
