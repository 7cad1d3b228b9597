"""`/resources` and `/recommendation`, driven through SimCord as members and organizers would."""

from __future__ import annotations

import re

from sqlalchemy import select

from bench.harness import burst, click_payload
from db import resources as store
from db.audit import AuditEntry
from tests.helpers import let_everyone_see

SUGGESTED_URL = "https://example.org/heat-equity-toolkit?utm_source=newsletter"


def embed_text(embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text if embed.footer else ""]
    parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return "\n".join(p for p in parts if p)


def result_titles(embed) -> list[str]:
    return re.findall(r"\*\*\[(.+?)\]\(", embed.description or "")


async def stored(coalition, **where) -> list[store.Resource]:
    async with coalition.bot.database.session() as session:
        statement = select(store.Resource).where(store.Resource.guild_id == coalition.guild.id)
        for name, value in where.items():
            statement = statement.where(getattr(store.Resource, name) == value)
        return list(await session.scalars(statement))


async def suggest(
    coalition, actor, *, title="Extreme heat equity toolkit", url=SUGGESTED_URL, kind="toolkit"
):
    shown = await actor.slash(coalition.general, "resources suggest", kind=kind)
    assert shown.modal is not None
    return await actor.submit_modal(
        shown,
        {
            "resources:suggest:title": title,
            "resources:suggest:url": url,
            "resources:suggest:summary": "Cooling centres and outreach plans for heat waves.",
        },
    )


# ----------------------------------------------------------------------------- search


async def test_member_searches_by_text_and_sees_ranked_results_only_they_can_see(coalition):
    result = await coalition.member.slash(coalition.general, "resources search", query="living wage")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert result_titles(embed)[0] == "Living Wage Calculator"
    assert "Chapter 7 · Secure work paid at a living wage" in embed.description


async def test_search_by_recommendation_lists_only_its_resources(coalition):
    result = await coalition.member.slash(coalition.general, "resources search", recommendation="area:7.c")

    titles = result_titles(result.response.embeds[0])
    assert sorted(titles) == [
        "Key elements of fair employment and decent work",
        "NIOSH Total Worker Health FAQ",
    ]
    assert "Healthier working conditions" in result.response.embeds[0].title


async def test_search_by_discipline_lists_only_resources_tagged_with_it(coalition):
    choices = await coalition.member.autocomplete(coalition.general, "resources search", "discipline", "lab")
    labor = next(c for c in choices if c["name"] == "Labor")

    result = await coalition.member.slash(
        coalition.general, "resources search", query="wage", discipline=labor["value"]
    )

    titles = result_titles(result.response.embeds[0])
    assert titles[0] == "Living Wage Calculator"
    async with coalition.bot.database.session() as session:
        ids = await store.search_ids(session, coalition.guild.id, "wage", discipline_id=int(labor["value"]))
        links = await store.links_of(session, ids)
    assert len(titles) == len(ids) >= 2
    assert all("Labor" in link["disciplines"] for link in links.values())


async def test_typo_gets_a_did_you_mean(coalition):
    result = await coalition.member.slash(coalition.general, "resources search", query="tobaco")

    assert "Did you mean **tobacco**" in result.response.content


async def test_pagination_moves_across_pages_and_survives_a_restart(coalition, make_bot):
    env, member = coalition.env, coalition.member
    result = await member.slash(coalition.general, "resources search", query="health")
    shown = result.response  # the caller's ephemeral message, edited in place by every page turn
    pages = int(re.search(r"Page 1 of (\d+)", footer(shown)).group(1))
    assert pages >= 3
    page_one = result_titles(shown.embeds[0])
    assert len(page_one) == 5

    await member.click(shown.message, label="Next")
    assert f"Page 2 of {pages}" in footer(shown)
    page_two = result_titles(shown.embeds[0])
    assert page_two
    assert not set(page_one) & set(page_two)

    await env.restart_bot(make_bot())
    await member.select(shown.message, [str(pages - 1)], custom_id=jump_id(shown))
    assert f"Page {pages} of {pages}" in footer(shown)

    await member.click(shown.message, label="Previous")
    assert f"Page {pages - 1} of {pages}" in footer(shown)


async def test_forged_page_button_for_another_members_search_changes_nothing(coalition):
    env = coalition.env
    mine = await coalition.member.slash(coalition.general, "resources search", query="health")
    shown = mine.response
    await coalition.member.click(shown.message, label="Next")
    assert "Page 2 of" in footer(shown)
    before_embed = shown.embeds[0].to_dict()
    search_id = int(jump_id(shown).split(":")[2])
    async with coalition.bot.database.session() as session:
        before = (await session.get(store.ResourceSearch, search_id)).model_dump()
    # Priya cannot see Marcus's ephemeral results, so she replays his ids from a message she can see.
    decoy_id = "resources:page:999999:0:n"
    decoy = env.backend.create_message(
        coalition.general.id,
        env.backend.bot_user.id,
        "decoy",
        components=[
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": decoy_id}]}
        ],
    )
    forged_ids = [f"resources:page:{search_id}:2:n", f"resources:page:{search_id}:0:p"]
    clicks = [
        click_payload(env, coalition.other, decoy, forged, forge_from=decoy_id) for forged in forged_ids
    ]
    # Even replayed against Marcus's own message, the search is refused to anyone else.
    clicks.append(click_payload(env, coalition.other, shown.message, forged_ids[0]))
    requests_before = len(env.http_requests)
    result = await burst(env, clicks)

    assert result.answered == len(clicks)
    for answer in result.results:
        assert answer.ephemeral
        assert "belong to another member's search" in answer.response.content
        assert not answer.response.embeds
    assert shown.embeds[0].to_dict() == before_embed
    assert env.backend.get_message(coalition.general.id, decoy.id).content == "decoy"
    edits = [r for r in env.http_requests[requests_before:] if r.method == "PATCH"]
    assert edits == []
    async with coalition.bot.database.session() as session:
        assert (await session.get(store.ResourceSearch, search_id)).model_dump() == before

    missing = await burst(
        env,
        [click_payload(env, coalition.other, decoy, "resources:page:987654:1:n", forge_from=decoy_id)],
    )
    assert "That search has expired" in missing.results[0].response.content
    assert env.backend.get_message(coalition.general.id, decoy.id).content == "decoy"


def footer(shown) -> str:
    return shown.embeds[0].footer.text


def jump_id(shown) -> str:
    for row in shown.components:
        for component in row["components"]:
            if component["custom_id"].startswith("resources:jump:"):
                return component["custom_id"]
    raise AssertionError("no jump select")


async def test_autocomplete_answers_stay_within_discord_limits(coalition):
    for option, typed in (("recommendation", ""), ("recommendation", "chapter"), ("discipline", "")):
        choices = await coalition.member.autocomplete(coalition.general, "resources search", option, typed)
        assert 0 < len(choices) <= 25
        assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    areas = await coalition.member.autocomplete(
        coalition.general, "recommendation show", "recommendation", ""
    )
    assert len(areas) == 25


# ----------------------------------------------------------------------------- suggestions


async def test_approved_suggestion_reaches_suggester_by_dm_and_appears_in_search(coalition):
    _env, member = coalition.env, coalition.member
    submitted = await suggest(coalition, member)
    assert "went to the organizers" in submitted.response.content

    card = coalition.channels["review"].last_message
    assert "Extreme heat equity toolkit" in card.embeds[0].title
    before = await member.slash(coalition.general, "resources search", query="extreme heat")
    assert "No resources match" in before.response.content

    approved = await coalition.organizer.click(card, label="Approve")
    assert "The suggester has been told by DM" in approved.followups[0].content

    dm = member.user.dm_channel.last_message
    assert "was approved" in dm.content
    after = await member.slash(coalition.general, "resources search", query="extreme heat")
    assert result_titles(after.response.embeds[0]) == ["Extreme heat equity toolkit"]
    (resource,) = await stored(coalition, title="Extreme heat equity toolkit")
    assert (resource.status, resource.reviewed_by, resource.suggested_by) == (
        "approved",
        coalition.organizer.id,
        member.id,
    )
    assert "utm_source" not in resource.url


async def test_rejected_suggestion_never_appears_and_suggester_hears_why(coalition):
    _env, member = coalition.env, coalition.member
    await suggest(coalition, member)
    card = coalition.channels["review"].last_message

    asked = await coalition.organizer.click(card, label="Reject")
    assert asked.modal is not None
    await coalition.organizer.submit_modal(
        asked, {"resources:reject:reason": "We already list a better heat guide."}
    )

    dm = member.user.dm_channel.last_message
    assert "decided not to add it" in dm.content
    assert "better heat guide" in dm.content
    result = await member.slash(coalition.general, "resources search", query="extreme heat toolkit")
    assert result.response.embeds == []
    (resource,) = await stored(coalition, title="Extreme heat equity toolkit")
    assert resource.status == "rejected"


async def test_duplicate_address_is_refused_with_the_existing_entry(coalition):
    result = await suggest(
        coalition, coalition.member, title="MIT wages", url="HTTP://LivingWage.MIT.edu?utm_campaign=x"
    )

    assert "already in the library as **Living Wage Calculator**" in result.response.content
    assert await stored(coalition, title="MIT wages") == []


async def test_second_suggestion_of_a_pending_address_is_refused(coalition):
    await suggest(coalition, coalition.member)
    again = await suggest(
        coalition, coalition.other, title="Same thing", url="https://example.org/heat-equity-toolkit/"
    )

    assert "waiting for an organizer's review" in again.response.content


async def test_bad_addresses_are_refused_with_a_clear_message(coalition):
    for url, expected in (
        ("javascript:alert(1)", "Only web addresses starting with http"),
        ("https://", "no website name"),
        ("https://example org/page", "cannot contain spaces"),
        ("ftp://example.org/file", "Only web addresses starting with http"),
    ):
        result = await suggest(coalition, coalition.member, url=url)
        assert expected in result.response.content


async def test_member_cannot_approve_a_suggestion(coalition):
    await suggest(coalition, coalition.member)
    card = coalition.channels["review"].last_message

    result = await coalition.other.click(card, label="Approve")

    assert "Only organizers" in result.response.content
    (resource,) = await stored(coalition, title="Extreme heat equity toolkit")
    assert resource.status == "pending"


async def test_approval_with_closed_dms_tells_the_organizer(coalition):
    env, member = coalition.env, coalition.member
    await suggest(coalition, member)
    card = coalition.channels["review"].last_message
    env.inject_error(
        "POST",
        f"/channels/{member.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )

    approved = await coalition.organizer.click(card, label="Approve")

    assert "could not DM the suggester" in approved.followups[0].content
    (resource,) = await stored(coalition, title="Extreme heat equity toolkit")
    assert resource.status == "approved"


async def test_organizer_edits_a_suggestion_before_approving(coalition):
    await suggest(coalition, coalition.member)
    card = coalition.channels["review"].last_message

    asked = await coalition.organizer.click(card, label="Edit")
    await coalition.organizer.submit_modal(
        asked,
        {
            "resources:edit:title": "Heat and health equity toolkit",
            "resources:edit:url": "https://example.org/heat",
            "resources:edit:publisher": "Example Health Department",
        },
    )

    (resource,) = await stored(coalition, suggested_by=coalition.member.id)
    assert (resource.title, resource.url, resource.publisher, resource.status) == (
        "Heat and health equity toolkit",
        "https://example.org/heat",
        "Example Health Department",
        "pending",
    )


async def test_review_lists_pending_suggestions_and_opens_one(coalition):
    await suggest(coalition, coalition.member)

    listed = await coalition.organizer.slash(coalition.general, "resources review")
    assert "1 suggestion waiting for review" in listed.response.embeds[0].title
    (resource,) = await stored(coalition, status="pending")
    opened = await coalition.organizer.select(
        listed.response.message, [str(resource.id)], custom_id="resources:pending"
    )
    card = opened.response
    approved = await coalition.organizer.click(card.message, label="Approve")

    assert approved.followups
    (resource,) = await stored(coalition, title="Extreme heat equity toolkit")
    assert resource.status == "approved"
    # The card in the review channel no longer offers the buttons.
    review_card = coalition.channels["review"].last_message
    assert not review_card.components


async def test_organizer_adds_and_removes_a_resource_and_the_audit_log_records_it(coalition):
    organizer = coalition.organizer
    added = await organizer.slash(
        coalition.general,
        "resources add",
        url="https://example.org/lead-paint",
        title="Lead paint hazard control guide",
        kind="toolkit",
        recommendation="area:6.a",
    )
    assert "Added resource" in added.response.content
    found = await coalition.member.slash(coalition.general, "resources search", query="lead paint")
    assert result_titles(found.response.embeds[0]) == ["Lead paint hazard control guide"]

    choices = await organizer.autocomplete(coalition.general, "resources remove", "resource", "lead paint")
    removed = await organizer.slash(coalition.general, "resources remove", resource=choices[0]["value"])
    assert "Removed **Lead paint hazard control guide**" in removed.response.content
    assert await stored(coalition, title="Lead paint hazard control guide") == []
    async with coalition.bot.database.session() as session:
        actions = list(
            await session.scalars(select(AuditEntry.action).where(AuditEntry.guild_id == coalition.guild.id))
        )
    assert {"resources.add", "resources.remove"} <= set(actions)


async def test_members_cannot_add_resources_even_when_the_command_is_shown_to_them(coalition):
    let_everyone_see(coalition.env, coalition.guild, "resources")
    result = await coalition.member.slash(
        coalition.general, "resources add", url="https://example.org/x", title="Sneaky"
    )
    assert "Only organizers" in result.response.content
    assert await stored(coalition, title="Sneaky") == []


# ----------------------------------------------------------------------------- the report


async def test_recommendation_show_explains_the_area_with_chapter_principle_and_resources(coalition):
    result = await coalition.member.slash(coalition.general, "recommendation show", recommendation="6.a")

    embed = result.response.embeds[0]
    text = embed_text(embed)
    assert embed.title == "Affordable housing and basic services"
    assert "Chapter 6 · Healthy places, healthy people" in text
    assert "Improve daily living conditions" in text
    assert "Healthy People 2030: Neighborhood and Built Environment" in text
    # The catalog's area letters are not the report's numbering: never shown.
    assert "6.a" not in text


async def test_recommendation_list_browses_principles_chapters_and_areas(coalition):
    member = coalition.member
    result = await member.slash(coalition.general, "recommendation list")
    message = result.response.message

    await member.select(message, ["P1"], custom_id="resources:browse:principle")
    await member.select(message, ["6"], custom_id="resources:browse:chapter")
    await member.select(message, ["6.b"], custom_id="resources:browse:area")

    assert result.response.embeds[0].title == "Planning and regulation for healthy, safe behaviour"
