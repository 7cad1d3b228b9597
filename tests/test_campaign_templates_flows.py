"""Templates and series through SimCord: an identical campaign from a template, a weekly series across DST."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import discord

from db import campaigns
from db.campaigns import Campaign
from db.resources.library import create_resource
from tests.conftest import Coalition

CHICAGO = ZoneInfo("America/Chicago")


def _at(**delta: float) -> str:
    return (discord.utils.utcnow() + timedelta(**delta)).strftime("%Y-%m-%d %H:%M")


async def _all(coalition: Coalition) -> list[Campaign]:
    async with coalition.bot.database.session() as session:
        found = await campaigns.list_campaigns(session, coalition.guild.id, include_closed=True)
    return sorted(found, key=lambda c: c.id or 0)


async def _shape(coalition: Coalition, campaign_id: int) -> list[tuple[str, int, dict[int, int]]]:
    async with coalition.bot.database.session() as session:
        slots = await campaigns.slots_for(session, campaign_id)
        return [(s.name, s.capacity, await campaigns.needs_for(session, s.id or 0)) for s in slots]


async def _create(coalition: Coalition, title: str, **options: object) -> str:
    fields: dict[str, object] = {
        "title": title,
        "description": "Op-eds and posts on extreme heat and health.",
        "start": _at(days=10),
        "end": _at(days=11),
        "signup_deadline": _at(days=9),
    }
    fields.update(options)
    res = await coalition.organizer.slash(coalition.general, "campaign create", **fields)
    assert "Created" in res.response.content, res.response.content
    return str(res.response.content)


async def test_template_creates_an_identical_campaign_and_can_be_listed_and_deleted(
    coalition: Coalition,
) -> None:
    await _create(coalition, "Heat safety week")
    (first,) = await _all(coalition)
    for name, capacity, needs in (("Author", 2, "1 epidemiologist"), ("Amplifier", 5, None)):
        options = {"needs": needs} if needs else {}
        await coalition.organizer.slash(
            coalition.general,
            "campaign slot add",
            campaign=str(first.id),
            name=name,
            capacity=capacity,
            **options,
        )
    async with coalition.bot.database.session() as session:
        resource = await create_resource(
            session,
            coalition.guild.id,
            title="Heat action toolkit",
            url="https://example.org/heat",
            now=discord.utils.utcnow(),
            status="approved",
        )
    await coalition.organizer.slash(
        coalition.general, "campaign kit-edit add", campaign=str(first.id), resource=str(resource.id)
    )
    saved = await coalition.organizer.slash(
        coalition.general, "campaign template save", campaign=str(first.id), name="Heat week"
    )
    assert "Saved the template **Heat week** (2 slot(s), 1 kit entries)" in saved.response.content
    twice = await coalition.organizer.slash(
        coalition.general, "campaign template save", campaign=str(first.id), name="heat week"
    )
    assert "exists already" in twice.response.content

    choices = await coalition.organizer.autocomplete(coalition.general, "campaign create", "template", "heat")
    assert [c["name"] for c in choices] == ["Heat week"]
    await _create(coalition, "Cold snap week", template=choices[0]["value"])
    _, second = await _all(coalition)
    assert await _shape(coalition, second.id or 0) == await _shape(coalition, first.id or 0)
    kit = await coalition.member.slash(coalition.general, "campaign kit", campaign=str(second.id))
    assert "Heat action toolkit" in kit.response.embeds[0].fields[0].value

    listed = await coalition.organizer.slash(coalition.general, "campaign template list")
    assert "**Heat week**: 2 slot(s), 1 kit entries" in listed.response.content
    deleted = await coalition.organizer.slash(
        coalition.general, "campaign template delete", name=choices[0]["value"]
    )
    assert "Deleted the template **Heat week**" in deleted.response.content
    empty = await coalition.organizer.slash(coalition.general, "campaign template list")
    assert "No templates yet" in empty.response.content
    refused = await coalition.member.slash(coalition.general, "campaign template list")
    assert "Only organizers" in refused.response.content


async def test_weekly_series_of_four_keeps_the_local_hour_across_the_daylight_saving_change(
    coalition: Coalition,
) -> None:
    # SimCord's clock starts well before late October 2026; the US falls back on Sunday 1 November.
    assert discord.utils.utcnow().astimezone(CHICAGO).date().isoformat() < "2026-10-20"
    said = await _create(
        coalition,
        "Heat town hall",
        start="2026-10-27 14:00",
        end="2026-10-27 16:00",
        signup_deadline="2026-10-26 12:00",
        timezone="America/Chicago",
        repeat="weekly",
        occurrences=4,
    )
    assert "Created 4 campaigns" in said
    series = await _all(coalition)
    assert len(series) == 4
    local = [c.starts_at.astimezone(CHICAGO) for c in series]
    assert [t.hour for t in local] == [14, 14, 14, 14]
    assert [t.date().isoformat() for t in local] == ["2026-10-27", "2026-11-03", "2026-11-10", "2026-11-17"]
    assert [c.starts_at.hour for c in series] == [19, 20, 20, 20]  # in UTC the hour moves with the clocks
    assert [c.title for c in series] == [
        "Heat town hall (Oct 27)",
        "Heat town hall (Nov 3)",
        "Heat town hall (Nov 10)",
        "Heat town hall (Nov 17)",
    ]
    async with coalition.bot.database.session() as session:
        from sqlalchemy import select

        from db.jobs import ScheduledJob

        keys = set(await session.scalars(select(ScheduledJob.key)))
    assert all(f"campaign.deadline:{c.id}" in keys for c in series)  # each with its own jobs
