"""The media kit through SimCord: organizers fill it from the library and a form, anyone reads it."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.errors import UserFacingError
from cogs.campaigns.service.kit import clean_hashtags
from db import campaigns
from db.campaigns import Campaign
from db.resources.library import create_resource
from tests.conftest import Coalition


def _at(**delta: float) -> str:
    return (discord.utils.utcnow() + timedelta(**delta)).strftime("%Y-%m-%d %H:%M")


async def _campaign(coalition: Coalition, **options: object) -> Campaign:
    fields: dict[str, object] = {
        "title": "Heat safety week",
        "description": "Op-eds and posts on extreme heat and health.",
        "start": _at(days=10),
        "end": _at(days=11),
        "signup_deadline": _at(days=9),
    }
    fields.update(options)
    res = await coalition.organizer.slash(coalition.general, "campaign create", **fields)
    assert "Created" in res.response.content, res.response.content
    async with coalition.bot.database.session() as session:
        (campaign,) = await campaigns.list_campaigns(session, coalition.guild.id, include_closed=True)
    return campaign


async def _library(coalition: Coalition) -> dict[str, int]:
    now = discord.utils.utcnow()
    ids = {}
    async with coalition.bot.database.session() as session:
        for title, status in (("Heat action toolkit", "approved"), ("Heat draft notes", "pending")):
            row = await create_resource(
                session,
                coalition.guild.id,
                title=title,
                url=f"https://example.org/{title.split()[1]}-{status}",
                now=now,
                status=status,
            )
            ids[title] = int(row.id or 0)
    return ids


async def test_kit_offers_only_approved_library_resources_and_shows_them_to_members(
    coalition: Coalition,
) -> None:
    campaign = await _campaign(coalition)
    library = await _library(coalition)
    offered = await coalition.organizer.autocomplete(
        coalition.general, "campaign kit-edit add", "resource", "heat", campaign=str(campaign.id)
    )
    assert [c["value"] for c in offered] == [str(library["Heat action toolkit"])]

    added = await coalition.organizer.slash(
        coalition.general,
        "campaign kit-edit add",
        campaign=str(campaign.id),
        resource=str(library["Heat action toolkit"]),
    )
    assert "Added to the kit" in added.response.content
    twice = await coalition.organizer.slash(
        coalition.general,
        "campaign kit-edit add",
        campaign=str(campaign.id),
        resource=str(library["Heat action toolkit"]),
    )
    assert "already in the kit" in twice.response.content
    pending = await coalition.organizer.slash(
        coalition.general,
        "campaign kit-edit add",
        campaign=str(campaign.id),
        resource=str(library["Heat draft notes"]),
    )
    assert "approved resource" in pending.response.content
    refused = await coalition.member.slash(
        coalition.general, "campaign kit-edit add", campaign=str(campaign.id), resource="1"
    )
    assert "Only organizers" in refused.response.content

    shown = await coalition.member.slash(coalition.general, "campaign kit", campaign=str(campaign.id))
    resources = shown.response.embeds[0].fields[0]
    assert resources.name == "Resources"
    assert "[Heat action toolkit](https://example.org/action-approved)" in resources.value

    entries = await coalition.organizer.autocomplete(
        coalition.general, "campaign kit-edit remove", "entry", "", campaign=str(campaign.id)
    )
    removed = await coalition.organizer.slash(
        coalition.general, "campaign kit-edit remove", campaign=str(campaign.id), entry=entries[0]["value"]
    )
    assert "Removed from the kit" in removed.response.content
    empty = await coalition.member.slash(coalition.general, "campaign kit", campaign=str(campaign.id))
    assert "empty" in (empty.response.embeds[0].description or "")


async def test_kit_words_form_survives_a_restart_and_only_organizers_save_it(
    coalition: Coalition, make_bot
) -> None:  # type: ignore[no-untyped-def]
    campaign = await _campaign(coalition)
    form = await coalition.organizer.slash(
        coalition.general, "campaign kit-edit words", campaign=str(campaign.id)
    )
    assert form.modal is not None
    await coalition.env.restart_bot(make_bot())
    words = {
        "campaign:kit:talking_points": "Heat kills more Americans than any other weather event.",
        "campaign:kit:key_messages": "Check on your neighbours.",
        "campaign:kit:hashtags": "HeatSafety, #CoolingCenters heatsafety",
    }
    saved = await coalition.organizer.submit_modal(form, words)
    assert "Saved the kit" in saved.response.content
    shown = await coalition.member.slash(coalition.general, "campaign kit", campaign=str(campaign.id))
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert fields["Talking points"] == words["campaign:kit:talking_points"]
    assert fields["Key messages"] == "Check on your neighbours."
    assert fields["Hashtags"] == "#HeatSafety #CoolingCenters"


async def test_toolkit_option_on_create_fills_the_kit_and_reminders_carry_it(coalition: Coalition) -> None:
    campaign = await _campaign(
        coalition,
        start=_at(hours=26),
        end=_at(hours=30),
        signup_deadline=_at(hours=25),
        toolkit_url="https://example.org/heat-toolkit",
    )
    shown = await coalition.member.slash(coalition.general, "campaign kit", campaign=str(campaign.id))
    assert "[Toolkit](https://example.org/heat-toolkit)" in shown.response.embeds[0].fields[0].value
    await coalition.organizer.slash(
        coalition.general, "campaign slot add", campaign=str(campaign.id), name="Amplifier", capacity=2
    )
    await coalition.organizer.slash(coalition.general, "campaign post", campaign=str(campaign.id))
    card = coalition.channels["campaigns"].last_message
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.env.advance_time(2 * 3600 + 60)  # past the 24-hour reminder
    dms = [m.content for m in coalition.member.user.dm_channel.history()]  # type: ignore[attr-defined]
    reminder = next(m for m in dms if m.startswith("⏰ Reminder"))
    assert "Your media kit" in reminder
    assert "Toolkit: <https://example.org/heat-toolkit>" in reminder


def test_hashtags_are_cleaned_and_bad_ones_refused() -> None:
    assert clean_hashtags("heat, #Heat  cooling_centers;x") == "#heat #cooling_centers #x"
    assert clean_hashtags("  ") == ""
    with pytest.raises(UserFacingError):
        clean_hashtags("#not-a-tag")
