"""Issue 13: discipline panels already posted redraw themselves when the catalog changes."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from cogs.disciplines.views import LegacyDirectoryPage
from db import disciplines as catalog
from db import members
from tests.onboarding_helpers import bot_messages

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def panel_options(coalition, channel) -> list[str]:
    """The option labels of the panel in this channel, as Discord shows them now."""
    panel = next(
        m for m in bot_messages(coalition, channel) if m.embeds and m.embeds[0].title == "Your disciplines"
    )
    return [option["label"] for row in panel.components for option in row["components"][0]["options"]]


async def post_panel(coalition, channel):
    await coalition.organizer.slash(coalition.general, "discipline panel", channel=channel)


async def test_a_posted_panel_shows_a_created_discipline(coalition):
    await post_panel(coalition, coalition.general)
    assert "Housing" not in panel_options(coalition, coalition.general)

    await coalition.organizer.slash(coalition.general, "discipline create", name="Housing")

    assert "Housing" in panel_options(coalition, coalition.general)


async def test_every_posted_panel_follows_a_rename_and_a_delete(coalition):
    lobby = coalition.guild.create_text_channel("lobby")
    await post_panel(coalition, coalition.general)
    await post_panel(coalition, lobby)

    await coalition.organizer.slash(
        coalition.general, "discipline rename", name="Labor", new_name="Labor and unions"
    )
    for channel in (coalition.general, lobby):
        shown = panel_options(coalition, channel)
        assert "Labor and unions" in shown
        assert "Labor" not in shown

    await coalition.organizer.slash(coalition.general, "discipline delete", name="Research")
    for channel in (coalition.general, lobby):
        assert "Research" not in panel_options(coalition, channel)


async def test_a_deleted_panel_is_forgotten_and_the_others_still_redraw(coalition):
    lobby = coalition.guild.create_text_channel("lobby")
    await post_panel(coalition, coalition.general)
    await post_panel(coalition, lobby)
    gone = next(m for m in bot_messages(coalition, coalition.general) if m.embeds)
    coalition.env.backend.delete_message(coalition.general.id, gone.id)
    await coalition.env.settle()

    await coalition.organizer.slash(coalition.general, "discipline create", name="Housing")

    assert "Housing" in panel_options(coalition, lobby)
    async with coalition.bot.database.session() as session:
        kept = await catalog.list_panels(session, coalition.guild.id)
    assert [panel.channel_id for panel in kept] == [lobby.id]


async def test_a_directory_page_button_drawn_before_the_shared_paginator_still_answers(coalition):
    guild_id = coalition.guild.id
    async with coalition.bot.database.session() as session:
        await catalog.seed_defaults(session, guild_id, NOW)
        labor = await catalog.find_discipline(session, guild_id, "Labor")
        for number in range(12):
            profile = await members.get_or_create_profile(session, guild_id, 1000 + number, NOW)
            await members.update_profile(
                session, profile, NOW, display_name=f"Member {number:02d}", directory_opt_in=True
            )
            await catalog.add_member_discipline(session, guild_id, 1000 + number, labor.id, NOW)
    view = discord.ui.View(timeout=None)
    view.add_item(LegacyDirectoryPage(labor.id, 1))  # its id is what directory pages carried before
    await coalition.bot.get_channel(coalition.general.id).send("An old directory page", view=view)
    await coalition.env.settle()
    old = bot_messages(coalition, coalition.general)[-1]
    assert old.components[0]["components"][0]["custom_id"] == f"disciplines:members:{labor.id}:1"

    result = await coalition.other.click(old, label="Next ▶")

    assert "Page 2 of 2 · 12 listed members" in result.response.embeds[0].footer.text
    assert "Member 11" in result.response.embeds[0].description
