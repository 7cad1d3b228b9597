"""Resource forms keep working across a restart: what the member typed reaches the library."""

from __future__ import annotations

from sqlalchemy import select

from db import resources as store

SUGGESTION = {
    "resources:suggest:title": "Heat and health equity toolkit",
    "resources:suggest:url": "https://example.org/heat-toolkit?utm_source=mail",
    "resources:suggest:summary": "Cooling centres and outreach to people most at risk.",
}


async def stored(coalition, **where) -> list[store.Resource]:
    async with coalition.bot.database.session() as session:
        statement = select(store.Resource).where(store.Resource.guild_id == coalition.guild.id)
        for name, value in where.items():
            statement = statement.where(getattr(store.Resource, name) == value)
        return list(await session.scalars(statement))


async def test_suggestion_form_submitted_after_a_restart_is_saved_with_its_kind_and_area(coalition, make_bot):
    member = coalition.member
    shown = await member.slash(
        coalition.general, "resources suggest", kind="case_study", recommendation="6.d"
    )
    assert shown.modal is not None

    await coalition.env.restart_bot(make_bot())
    submitted = await member.submit_modal(shown, SUGGESTION)

    assert "went to the organizers" in submitted.response.content
    (resource,) = await stored(coalition, title="Heat and health equity toolkit")
    assert (resource.kind, resource.status, resource.suggested_by) == ("case_study", "pending", member.id)
    assert "utm_source" not in resource.url
    async with coalition.bot.database.session() as session:
        links = await store.links_of(session, [resource.id])
    assert links[resource.id]["areas"] == ["6.d"]
    card = coalition.channels["review"].last_message
    assert "Heat and health equity toolkit" in card.embeds[0].title


async def test_edit_form_submitted_after_a_restart_saves_the_changes(coalition, make_bot):
    submitted = await coalition.member.slash(coalition.general, "resources suggest", kind="toolkit")
    await coalition.member.submit_modal(submitted, SUGGESTION)
    card = coalition.channels["review"].last_message
    asked = await coalition.organizer.click(card, label="Edit")

    await coalition.env.restart_bot(make_bot())
    await coalition.organizer.submit_modal(
        asked,
        {
            "resources:edit:title": "Extreme heat toolkit",
            "resources:edit:url": "https://example.org/heat",
            "resources:edit:publisher": "Example Health Department",
        },
    )

    (resource,) = await stored(coalition, suggested_by=coalition.member.id)
    assert (resource.title, resource.url, resource.publisher, resource.status) == (
        "Extreme heat toolkit",
        "https://example.org/heat",
        "Example Health Department",
        "pending",
    )


async def test_a_suggestion_form_with_an_unknown_kind_and_area_is_stored_without_them(coalition):
    from cogs.resources.views import SuggestModal

    shown = await coalition.member.slash(coalition.general, "resources suggest", kind="toolkit")
    # Form ids come back from the member's client: a forged one names a kind and an area that do not exist.
    forged = SuggestModal("podcast", "99-z").custom_id
    shown._interaction.modal["custom_id"] = forged  # SimCord hands out copies; this is the one it submits

    submitted = await coalition.member.submit_modal(shown, SUGGESTION)

    assert "went to the organizers" in submitted.response.content
    (resource,) = await stored(coalition, title="Heat and health equity toolkit")
    assert resource.kind == "other"
    async with coalition.bot.database.session() as session:
        links = await store.links_of(session, [resource.id])
    assert links[resource.id]["areas"] == []
