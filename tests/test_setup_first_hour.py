"""Issue 13, the first hour: `/setup check` also says what is not set yet, where roll calls cannot open
threads, that Discord events need Manage Events, and when the code of conduct gates nothing."""

from __future__ import annotations

import discord

from db.guilds import GuildConfig

CODE = "Assume good faith. Keep shared data de-identified. No harassment of any kind."


async def check_fields(coalition) -> tuple[str, dict[str, str]]:
    result = await coalition.organizer.slash(coalition.general, "setup check")
    embed = result.response.embeds[0]
    return embed.title, {field.name: field.value for field in embed.fields}


async def save_code_of_conduct(coalition) -> None:
    form = await coalition.organizer.slash(coalition.general, "setup code-of-conduct")
    await coalition.organizer.submit_modal(form, {"setup:code_of_conduct:text": CODE})


def without(permissions: discord.Permissions, **off: bool) -> int:
    changed = discord.Permissions(permissions.value)
    changed.update(**{name: False for name in off})
    return changed.value


async def test_check_lists_channels_and_member_role_not_set(coalition):
    await coalition.organizer.slash(coalition.general, "setup channel", purpose="polls")

    title, fields = await check_fields(coalition)

    assert title == "All clear"
    assert "Worth a look: Not set yet: the polls channel." in fields
    assert "/setup channel purpose:polls" in fields["Worth a look: Not set yet: the polls channel."]
    member_role = next(name for name in fields if "Not set yet: the member role" in name)
    assert "/setup role purpose:member" in fields[member_role]
    assert not any("welcome channel" in name for name in fields)


async def test_check_is_quiet_about_the_member_role_once_it_is_set(coalition):
    members = coalition.guild.create_role("Coalition members")
    await coalition.organizer.slash(coalition.general, "setup role", purpose="member", role=members)

    _, fields = await check_fields(coalition)

    assert not any("Not set yet" in name for name in fields)


async def test_check_reports_a_rollcall_channel_where_the_bot_cannot_open_threads(coalition):
    bot_role = coalition.guild.me.top_role
    calls = coalition.guild.create_text_channel(
        "campaign-calls", overwrites={bot_role: discord.PermissionOverwrite(create_public_threads=False)}
    )
    await coalition.organizer.slash(coalition.general, "setup channel", purpose="campaigns", channel=calls)

    _, fields = await check_fields(coalition)

    problem = next(name for name in fields if "roll-call threads" in name)
    assert "#campaign-calls" in problem
    assert "create public threads" in fields[problem]


async def test_check_reports_missing_manage_events(coalition):
    env, guild = coalition.env, coalition.guild
    bot_role = guild.me.top_role
    env.backend.edit_role(
        guild.id, bot_role.id, {"permissions": without(bot_role.permissions, manage_events=True)}
    )
    await env.settle()

    _, fields = await check_fields(coalition)

    problem = next(name for name in fields if "Manage Events" in name)
    assert "Events" in problem
    assert "turn on Manage Events" in fields[problem]


async def test_check_reports_everyone_talking_where_the_code_of_conduct_should_gate(coalition):
    await save_code_of_conduct(coalition)

    _, fields = await check_fields(coalition)

    problem = next(name for name in fields if "@everyone can already talk" in name)
    assert "#general" in problem
    assert "#welcome" not in problem  # newcomers press Start there before they agree
    assert "@everyone → turn off Send Messages" in fields[problem]


async def test_check_is_quiet_about_talking_once_only_members_can_talk(coalition):
    env, guild = coalition.env, coalition.guild
    await save_code_of_conduct(coalition)
    everyone = guild.me.guild.default_role
    env.backend.edit_role(
        guild.id, everyone.id, {"permissions": without(everyone.permissions, send_messages=True)}
    )
    await env.settle()

    _, fields = await check_fields(coalition)

    assert not any("@everyone can already talk" in name for name in fields)


# ------------------------------------------------------------------ issue 12: an announcement channel


async def test_organizer_names_an_announcement_channel(coalition):
    news = coalition.guild.create_news_channel("coalition-news")

    result = await coalition.organizer.slash(
        coalition.general, "setup channel", purpose="announcements", channel=news
    )

    assert f"The announcements channel is now <#{news.id}>" in result.response.content
    async with coalition.bot.database.session() as session:
        stored = await session.get(GuildConfig, coalition.guild.id)
    assert stored.announcements_channel_id == news.id
    shown = await coalition.organizer.slash(coalition.general, "setup show")
    channels = next(f.value for f in shown.response.embeds[0].fields if f.name == "Channels")
    assert f"**announcements**: <#{news.id}>" in channels


async def test_a_plain_channel_is_refused_as_the_announcement_channel(coalition):
    result = await coalition.organizer.slash(
        coalition.general, "setup channel", purpose="announcements", channel=coalition.general
    )

    assert "is not an announcement channel" in result.response.content
    async with coalition.bot.database.session() as session:
        stored = await session.get(GuildConfig, coalition.guild.id)
    assert stored.announcements_channel_id is None


async def test_check_does_not_ask_for_the_optional_announcement_channel(coalition):
    _, fields = await check_fields(coalition)

    assert not any("announcements" in name for name in fields)
