"""Campaigns through SimCord, as organizers and members would use them."""

from __future__ import annotations

import re
from datetime import timedelta

import discord
import pytest
from sqlalchemy import event, select

from bench.harness import burst, click_payload
from db import campaigns
from db.campaigns import Campaign, CampaignSignup, CampaignSlot
from tests.conftest import Coalition


def _at(coalition: Coalition, **delta: float) -> str:
    """A local time string (UTC) relative to SimCord's clock."""
    return (discord.utils.utcnow() + timedelta(**delta)).strftime("%Y-%m-%d %H:%M")


async def _create(coalition: Coalition, title: str = "Heat safety week", **options: object) -> Campaign:
    fields: dict[str, object] = {
        "title": title,
        "description": "Op-eds and posts on extreme heat and health.",
        "start": _at(coalition, days=10),
        "end": _at(coalition, days=11),
        "signup_deadline": _at(coalition, days=9),
        "timezone": "UTC",
        "toolkit_url": "https://example.org/heat-toolkit",
    }
    fields.update(options)
    res = await coalition.organizer.slash(coalition.general, "campaign create", **fields)
    assert res.response is not None
    assert "Created" in res.response.content, res.response.content
    async with coalition.bot.database.session() as session:
        found = await campaigns.list_campaigns(session, coalition.guild.id, include_closed=True)
    return next(c for c in found if c.title == title)


async def _slot(
    coalition: Coalition, campaign: Campaign, name: str, capacity: int, **options: object
) -> CampaignSlot:
    res = await coalition.organizer.slash(
        coalition.general,
        "campaign slot add",
        campaign=str(campaign.id),
        name=name,
        capacity=capacity,
        **options,
    )
    assert res.response is not None
    assert "Added" in res.response.content, res.response.content
    async with coalition.bot.database.session() as session:
        slot = await campaigns.find_slot(session, campaign.id, name)  # type: ignore[arg-type]
    assert slot is not None
    return slot


async def _post(coalition: Coalition, campaign: Campaign) -> discord.Message:
    res = await coalition.organizer.slash(coalition.general, "campaign post", campaign=str(campaign.id))
    assert res.response is not None
    assert "Posted" in res.response.content, res.response.content
    card = coalition.channels["campaigns"].last_message
    assert card is not None
    return card


def _card(coalition: Coalition) -> discord.Message:
    card = coalition.channels["campaigns"].last_message
    assert card is not None
    return card


async def _statuses(coalition: Coalition, slot_id: int) -> dict[int, str]:
    async with coalition.bot.database.session() as session:
        rows = await session.execute(
            select(CampaignSignup.user_id, CampaignSignup.status).where(CampaignSignup.slot_id == slot_id)
        )
        return {user_id: status for user_id, status in rows}


def _dms(coalition: Coalition, actor: object) -> list[discord.Message]:
    return list(actor.user.dm_channel.history())  # type: ignore[attr-defined]


async def _join(coalition: Coalition, name: str, roles: tuple = ()) -> object:
    actor = coalition.guild.add_member(coalition.env.create_user(name), roles=list(roles))
    await coalition.env.settle()
    return actor


# ------------------------------------------------------------------------------ creating


async def test_organizer_creates_campaign_and_posts_live_card(coalition: Coalition) -> None:
    campaign = await _create(
        coalition,
        timezone="America/Chicago",
        start="2026-12-01 14:00",
        end="2026-12-01 18:00",
        signup_deadline="2026-11-30 12:00",
    )
    # 14:00 in Chicago (CST, UTC-6) is 20:00 UTC.
    assert campaign.starts_at.hour == 20
    assert campaign.timezone == "America/Chicago"
    await _slot(coalition, campaign, "Op-ed author", 2, needs="1 epidemiologist")
    card = await _post(coalition, campaign)
    embed = card.embeds[0]
    assert embed.title == "Heat safety week"
    assert f"<t:{int(campaign.starts_at.timestamp())}:F>" in (embed.description or "")
    assert "https://example.org/heat-toolkit" in (embed.description or "")
    assert embed.fields[0].name == "Op-ed author: 0/2"
    assert "Still needs: 1 Epidemiology" in embed.fields[0].value
    labels = [c.label for row in card.components for c in row.children]  # type: ignore[attr-defined]
    assert labels == ["Sign up: Op-ed author", "Withdraw"]


async def test_member_cannot_run_organizer_commands(coalition: Coalition) -> None:
    coalition.env.backend.set_command_permissions(
        coalition.guild.id,
        int(coalition.env.backend.find_command("campaign", coalition.guild.id)["id"]),
        [{"id": str(coalition.guild.id), "type": 1, "permission": True}],
    )
    res = await coalition.member.slash(
        coalition.general,
        "campaign create",
        title="Mine",
        description="x",
        start=_at(coalition, days=3),
        end=_at(coalition, days=4),
        signup_deadline=_at(coalition, days=2),
    )
    assert res.response is not None
    assert "Only organizers" in res.response.content
    async with coalition.bot.database.session() as session:
        assert await campaigns.list_campaigns(session, coalition.guild.id, include_closed=True) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"end": "2026-12-01 10:00", "start": "2026-12-02 10:00", "signup_deadline": "2026-11-30 10:00"},
            "must end after it starts",
        ),
        (
            {"start": "2026-12-02 10:00", "end": "2026-12-03 10:00", "signup_deadline": "2026-12-02 12:00"},
            "no later than the start",
        ),
        ({"title": "x" * 300}, "300 characters long"),
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"start": "next tuesday"}, "could not read the start"),
    ],
)
async def test_bad_campaign_input_gets_a_clear_message(
    coalition: Coalition, options: dict, expected: str
) -> None:
    fields: dict[str, object] = {
        "title": "Heat",
        "description": "d",
        "start": _at(coalition, days=10),
        "end": _at(coalition, days=11),
        "signup_deadline": _at(coalition, days=9),
    }
    fields.update(options)
    res = await coalition.organizer.slash(coalition.general, "campaign create", **fields)
    assert res.response is not None
    assert res.ephemeral
    assert expected in res.response.content
    async with coalition.bot.database.session() as session:
        assert await campaigns.list_campaigns(session, coalition.guild.id, include_closed=True) == []


@pytest.mark.parametrize("capacity", [0, 10_000])
async def test_capacity_outside_one_to_five_hundred_is_refused(coalition: Coalition, capacity: int) -> None:
    campaign = await _create(coalition)
    res = await coalition.organizer.slash(
        coalition.general, "campaign slot add", campaign=str(campaign.id), name="Amplifier", capacity=capacity
    )
    assert res.response is not None
    assert "between 1 and 500" in res.response.content
    async with coalition.bot.database.session() as session:
        assert await campaigns.slots_for(session, campaign.id) == []  # type: ignore[arg-type]


async def test_everyone_in_a_title_is_stored_as_typed_and_pings_nobody(coalition: Coalition) -> None:
    campaign = await _create(coalition, title="@everyone heat week @here")
    await _slot(coalition, campaign, "Amplifier", 3)
    await _post(coalition, campaign)
    assert campaign.title == "@everyone heat week @here"
    posts = [r for r in coalition.env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert posts
    for request in posts:
        mentions = (request.json or {}).get("allowed_mentions")
        assert mentions is not None
        assert "everyone" not in mentions.get("parse", [])
        assert mentions.get("roles", []) == []


# ------------------------------------------------------------------------------ signing up


async def test_full_slot_puts_member_on_waitlist_with_position(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Spokesperson", 1)
    card = await _post(coalition, campaign)
    first = await coalition.member.click(card, label="Sign up: Spokesperson")
    assert "confirmed" in first.response.content
    card = _card(coalition)
    assert card.embeds[0].fields[0].name == "Spokesperson: 1/1 · FULL"
    assert coalition.member.mention in card.embeds[0].fields[0].value
    second = await coalition.other.click(card, label="Join waitlist: Spokesperson")
    assert "waitlist at position 1" in second.response.content
    again = await coalition.other.click(card, label="Join waitlist: Spokesperson")
    assert "already on the waitlist" in again.response.content
    assert await _statuses(coalition, slot.id) == {
        coalition.member.id: "confirmed",
        coalition.other.id: "waitlisted",
    }  # type: ignore[arg-type]


async def test_join_and_leave_commands_with_autocomplete(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Data brief reviewer", 2)
    choices = await coalition.member.autocomplete(coalition.general, "campaign join", "campaign", "heat")
    assert [c["value"] for c in choices] == [str(campaign.id)]
    slots = await coalition.member.autocomplete(
        coalition.general, "campaign join", "slot", "", campaign=str(campaign.id)
    )
    assert [c["value"] for c in slots] == [str(slot.id)]
    joined = await coalition.member.slash(
        coalition.general, "campaign join", campaign=str(campaign.id), slot=str(slot.id)
    )
    assert "confirmed" in joined.response.content
    left = await coalition.member.slash(coalition.general, "campaign leave", campaign=str(campaign.id))
    assert "withdrew" in left.response.content
    assert await _statuses(coalition, slot.id) == {coalition.member.id: "withdrawn"}  # type: ignore[arg-type]


async def test_withdrawal_offers_place_by_dm_and_accept_confirms(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Op-ed author", 1)
    card = await _post(coalition, campaign)
    await coalition.member.click(card, label="Sign up: Op-ed author")
    await coalition.other.click(_card(coalition), label="Join waitlist: Op-ed author")
    left = await coalition.member.click(_card(coalition), label="Withdraw")
    assert "withdrew" in left.response.content
    offer = _dms(coalition, coalition.other)[-1]
    assert "A place opened up" in offer.content
    assert await _statuses(coalition, slot.id) == {
        coalition.member.id: "withdrawn",
        coalition.other.id: "offered",
    }  # type: ignore[arg-type]
    accepted = await coalition.other.user.click(offer, label="Accept the place")  # type: ignore[attr-defined]
    assert "confirmed" in accepted.response.content
    assert await _statuses(coalition, slot.id) == {
        coalition.member.id: "withdrawn",
        coalition.other.id: "confirmed",
    }  # type: ignore[arg-type]
    assert _card(coalition).embeds[0].fields[0].name == "Op-ed author: 1/1 · FULL"


async def test_offer_expiry_passes_place_to_next_in_line(coalition: Coalition) -> None:
    campaign = await _create(coalition, offer_window_hours=2)
    slot = await _slot(coalition, campaign, "Amplifier", 1)
    card = await _post(coalition, campaign)
    third = await _join(coalition, "sam")
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")
    await third.click(_card(coalition), label="Join waitlist: Amplifier")  # type: ignore[attr-defined]
    await coalition.member.slash(coalition.general, "campaign leave", campaign=str(campaign.id))
    offer = _dms(coalition, coalition.other)[-1]
    await coalition.env.advance_time(2 * 3600 + 60)
    assert await _statuses(coalition, slot.id) == {
        coalition.member.id: "withdrawn",  # type: ignore[dict-item]
        coalition.other.id: "lapsed",  # type: ignore[dict-item]
        third.id: "offered",  # type: ignore[attr-defined]
    }
    assert "gone to the next person" in _dms(coalition, coalition.other)[-1].content
    assert "A place opened up" in _dms(coalition, third)[-1].content
    late = await coalition.other.user.click(offer, label="Accept the place")  # type: ignore[attr-defined]
    assert "no longer open" in late.response.content


async def test_raising_capacity_offers_the_new_places(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 1)
    card = await _post(coalition, campaign)
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")
    res = await coalition.organizer.slash(
        coalition.general, "campaign slot edit", campaign=str(campaign.id), slot=str(slot.id), capacity=2
    )
    assert "1 new place(s) offered" in res.response.content
    assert "A place opened up" in _dms(coalition, coalition.other)[-1].content
    lowered = await coalition.organizer.slash(
        coalition.general, "campaign slot edit", campaign=str(campaign.id), slot=str(slot.id), capacity=1
    )
    assert "cannot go below 2" in lowered.response.content


async def test_member_leaving_server_frees_place_for_waitlist(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 1)
    card = await _post(coalition, campaign)
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")
    coalition.guild.remove_member(coalition.member)
    await coalition.env.settle()
    assert await _statuses(coalition, slot.id) == {coalition.member.id: "left", coalition.other.id: "offered"}  # type: ignore[arg-type]
    assert "A place opened up" in _dms(coalition, coalition.other)[-1].content


async def test_closed_campaign_disables_card_controls(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    await _slot(coalition, campaign, "Amplifier", 3)
    await _post(coalition, campaign)
    res = await coalition.organizer.slash(coalition.general, "campaign close", campaign=str(campaign.id))
    assert "Closed" in res.response.content
    card = _card(coalition)
    assert all(c.disabled for row in card.components for c in row.children)  # type: ignore[attr-defined]
    joined = await coalition.member.slash(
        coalition.general, "campaign join", campaign=str(campaign.id), slot="Amplifier"
    )
    assert "closed" in joined.response.content


async def test_card_keeps_updating_after_discord_refuses_one_edit(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    await _slot(coalition, campaign, "Amplifier", 3)
    card = await _post(coalition, campaign)
    coalition.env.inject_error(
        "PATCH",
        f"/channels/*/messages/{card.id}",
        status=400,
        code=50035,
        message="Invalid Form Body",
        times=1,
    )
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.env.advance_time(3)
    await coalition.other.click(_card(coalition), label="Sign up: Amplifier")
    await coalition.env.advance_time(3)
    field = _card(coalition).embeds[0].fields[0]
    assert field.name == "Amplifier: 2/3"
    assert coalition.other.mention in field.value


async def test_card_buttons_work_after_restart(coalition: Coalition, make_bot) -> None:  # type: ignore[no-untyped-def]
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 3)
    await _post(coalition, campaign)
    await coalition.env.restart_bot(make_bot())
    res = await coalition.member.click(_card(coalition), label="Sign up: Amplifier")
    assert "confirmed" in res.response.content
    assert await _statuses(coalition, slot.id) == {coalition.member.id: "confirmed"}  # type: ignore[arg-type]
    assert coalition.member.mention in _card(coalition).embeds[0].fields[0].value


async def test_forged_button_for_another_guilds_campaign_changes_nothing(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 3)
    card = await _post(coalition, campaign)
    other_guild = coalition.env.create_guild("Another server")
    channel = other_guild.create_text_channel("general")
    stranger = other_guild.add_member(coalition.env.create_user("mallory"))
    await coalition.env.settle()
    decoy = coalition.env.backend.create_message(
        channel.id,
        coalition.env.backend.bot_user.id,
        "decoy",
        components=[
            {
                "type": 1,
                "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "campaign:join:999999:1"}],
            }
        ],
    )
    forged = f"campaign:join:{campaign.id}:{slot.id}"
    result = await burst(
        coalition.env,
        [click_payload(coalition.env, stranger, decoy, forged, forge_from="campaign:join:999999:1")],
    )
    assert result.answered == 1
    assert "does not exist in this server" in result.results[0].response.content
    assert await _statuses(coalition, slot.id) == {}  # type: ignore[arg-type]
    assert card.embeds[0].fields[0].name == "Amplifier: 0/3"


async def test_button_for_deleted_slot_changes_nothing_and_says_so(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 3)
    await _slot(coalition, campaign, "Author", 3)
    stale = await _post(coalition, campaign)
    await coalition.organizer.slash(
        coalition.general, "campaign slot remove", campaign=str(campaign.id), slot=str(slot.id)
    )
    # The card no longer shows the removed slot: replay its old button id on the card as it was.
    remaining = next(
        c.custom_id
        for row in _card(coalition).components
        for c in row.children
        if c.label == "Sign up: Author"
    )  # type: ignore[attr-defined]
    forged = f"campaign:join:{campaign.id}:{slot.id}"
    result = await burst(
        coalition.env, [click_payload(coalition.env, coalition.member, stale, forged, forge_from=remaining)]
    )
    assert "no longer exists" in result.results[0].response.content
    async with coalition.bot.database.session() as session:
        assert (await session.scalars(select(CampaignSignup))).all() == []
        kept = await session.get(CampaignSlot, slot.id)
    # The removed slot is kept for history, untouched by the click (no ticket issued).
    assert kept is not None
    assert kept.removed_at is not None
    assert kept.tickets_issued == 0


# ------------------------------------------------------------------------------ the burst


@pytest.mark.simcord(settle_timeout=180)
async def test_burst_of_two_hundred_clicks_fills_fifty_places_and_answers_everyone(
    coalition: Coalition,
) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 50)
    card = await _post(coalition, campaign)
    people = []
    for index in range(200):
        people.append(coalition.guild.add_member(coalition.env.create_user(f"m{index:03d}")))
        if index % 20 == 19:
            await coalition.env.settle()
    custom_id = f"campaign:join:{campaign.id}:{slot.id}"
    requests_before = len(coalition.env.http_requests)
    transactions = []
    engine = coalition.bot.database.engine.sync_engine
    began = transactions.append
    event.listen(engine, "begin", began)
    try:
        result = await burst(
            coalition.env, [click_payload(coalition.env, person, card, custom_id) for person in people]
        )
    finally:
        event.remove(engine, "begin", began)

    assert result.answered == 200
    # Clicks that arrive while the slot's transaction runs are stored together in its next one.
    assert len(transactions) < 100, f"{len(transactions)} transactions for 200 sign-ups"
    async with coalition.bot.database.session() as session:
        rows = (
            await session.execute(
                select(CampaignSignup.user_id, CampaignSignup.status, CampaignSignup.ticket)
                .where(CampaignSignup.slot_id == slot.id)
                .order_by(CampaignSignup.ticket)
            )
        ).all()
        stored = await session.get(CampaignSlot, slot.id)
    assert len(rows) == 200
    assert len({row.user_id for row in rows}) == 200
    assert [row.status for row in rows] == ["confirmed"] * 50 + ["waitlisted"] * 150
    assert [row.user_id for row in rows] == [person.id for person in people], "tickets follow click order"
    assert stored is not None
    assert stored.taken == 50
    # Each waitlisted member was told their own place in line: 1..150 in ticket order.
    by_user = {r._interaction.user_id: r.response.content for r in result.results}  # type: ignore[union-attr]
    positions = [by_user[row.user_id] for row in rows[50:]]
    assert [f"position {index}." in text for index, text in enumerate(positions, start=1)] == [True] * 150
    assert all("confirmed" in by_user[row.user_id] for row in rows[:50])
    await coalition.env.advance_time(3)
    card_edits = [
        r
        for r in coalition.env.http_requests[requests_before:]
        if r.method == "PATCH" and r.path.endswith(f"/{card.id}")
    ]
    assert 1 <= len(card_edits) <= 20, "a rush of clicks must not become a rush of edits"
    field = _card(coalition).embeds[0].fields[0]
    assert field.name == "Amplifier: 50/50 · FULL"
    assert "Waitlist: 150" in field.value


# ------------------------------------------------------------------------------ reminders


async def test_reminders_reach_only_confirmed_members_once_each_across_a_restart(
    coalition: Coalition, make_bot
) -> None:  # type: ignore[no-untyped-def]
    campaign = await _create(
        coalition,
        start=_at(coalition, hours=26),
        end=_at(coalition, hours=30),
        signup_deadline=_at(coalition, hours=25),
    )
    await _slot(coalition, campaign, "Amplifier", 1)
    card = await _post(coalition, campaign)
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")

    def reminders(actor: object) -> list[str]:
        return [m.content for m in _dms(coalition, actor) if m.content.startswith("⏰ Reminder")]

    await coalition.env.advance_time(2 * 3600 + 60)  # past the 24-hour reminder
    assert len(reminders(coalition.member)) == 1
    assert "https://example.org/heat-toolkit" in reminders(coalition.member)[0]
    await coalition.env.restart_bot(make_bot())
    await coalition.env.advance_time(23 * 3600)  # past the 1-hour reminder
    assert len(reminders(coalition.member)) == 2
    assert reminders(coalition.other) == []
    async with coalition.bot.database.session() as session:
        sent = (await session.scalars(select(campaigns.CampaignReminderSent))).all()
    assert sorted((r.user_id, r.hours_before) for r in sent) == [
        (coalition.member.id, 1),
        (coalition.member.id, 24),
    ]


# ------------------------------------------------------------------------------ roll call


async def test_roll_call_mentions_only_confirmed_records_answers_and_summarises(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    await _slot(coalition, campaign, "Amplifier", 3)
    await _post(coalition, campaign)
    sam, tom = await _join(coalition, "sam"), await _join(coalition, "tom")
    for actor in (coalition.member, coalition.other, sam, tom):
        await actor.click(
            _card(coalition), label=next(c.label for row in _card(coalition).components for c in row.children)
        )  # type: ignore[attr-defined]
    confirmed = {coalition.member.id, coalition.other.id, sam.id}  # type: ignore[attr-defined]

    res = await coalition.organizer.slash(
        coalition.general,
        "campaign rollcall",
        campaign=str(campaign.id),
        nudge_after_minutes=30,
        close_after_minutes=120,
    )
    assert "Roll call posted for 3" in res.response.content
    thread = coalition.channels["campaigns"].threads[-1]
    call = thread.last_message
    assert call is not None
    sends = [
        r
        for r in coalition.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{thread.id}/messages"
    ]
    mentions = sends[-1].json["allowed_mentions"]
    assert {int(u) for u in mentions["users"]} == confirmed
    assert mentions.get("roles", []) == []
    assert "everyone" not in mentions.get("parse", [])
    assert tom.mention not in call.content  # type: ignore[attr-defined]

    ready = await coalition.member.click(call, label="Ready")
    assert "ready" in ready.response.content
    declined = await coalition.other.click(thread.last_message, label="Can't make it")
    assert "next person in line" in declined.response.content
    assert "A place opened up" in _dms(coalition, tom)[-1].content
    stranger = await tom.click(thread.last_message, label="Ready")  # type: ignore[attr-defined]
    assert "not among them" in stranger.response.content
    await coalition.env.advance_time(3)
    assert "Ready: 1" in thread.last_message.embeds[0].description

    await coalition.env.advance_time(31 * 60)
    nudges = [m for m in _dms(coalition, sam) if "waiting for your answer" in m.content]
    assert len(nudges) == 1
    assert not [m for m in _dms(coalition, coalition.member) if "waiting for your answer" in m.content]

    refused = await coalition.member.click(thread.last_message, label="Close roll call")
    assert "Only organizers" in refused.response.content
    closed = await coalition.organizer.click(thread.last_message, label="Close roll call")
    assert "Ready (1)" in closed.response.content
    assert "Silent (1)" in closed.response.content
    summary = _dms(coalition, coalition.organizer)[-1].content
    assert f"Can't make it (1):** <@{coalition.other.id}>" in summary
    await coalition.env.advance_time(2 * 3600)
    assert len([m for m in _dms(coalition, coalition.organizer) if "closed" in m.content]) == 1
    async with coalition.bot.database.session() as session:
        answers = (await session.scalars(select(campaigns.RollCallAnswer))).all()
    assert {(a.user_id, a.answer) for a in answers} == {
        (coalition.member.id, "ready"),
        (coalition.other.id, "declined"),
        (sam.id, "silent"),  # type: ignore[attr-defined]
    }
    await coalition.env.advance_time(3)
    assert all(c.disabled for row in thread.last_message.components for c in row.children)  # type: ignore[attr-defined]
    mine = await coalition.member.slash(coalition.general, "campaign mine")
    assert "roll call: ready" in mine.response.embeds[0].description


@pytest.mark.simcord(settle_timeout=60)
async def test_roll_call_for_more_than_a_hundred_members_pings_each_once_in_small_batches(
    coalition: Coalition,
) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 130)
    await _post(coalition, campaign)
    people = []
    for index in range(120):
        people.append(coalition.guild.add_member(coalition.env.create_user(f"r{index:03d}")))
        if index % 20 == 19:
            await coalition.env.settle()
    async with coalition.bot.database.session() as session:
        for person in people:
            await campaigns.sign_up(
                session,
                guild_id=coalition.guild.id,
                campaign_id=campaign.id,  # type: ignore[arg-type]
                slot_id=slot.id,  # type: ignore[arg-type]
                user_id=person.id,
                now=discord.utils.utcnow(),
            )
    confirmed = {person.id for person in people}
    requests_before = len(coalition.env.http_requests)

    res = await coalition.organizer.slash(coalition.general, "campaign rollcall", campaign=str(campaign.id))
    assert "Roll call posted for 120" in res.response.content
    thread = coalition.channels["campaigns"].threads[-1]
    sends = [
        r
        for r in coalition.env.http_requests[requests_before:]
        if r.method == "POST" and r.path == f"/channels/{thread.id}/messages"
    ]
    assert len(sends) >= 2
    pinged: list[int] = []
    for request in sends:
        allowed = [int(u) for u in request.json["allowed_mentions"]["users"]]
        assert len(allowed) <= 100
        mentioned = [int(m) for m in re.findall(r"<@(\d+)>", request.json.get("content") or "")]
        assert set(allowed) == set(mentioned)
        pinged.extend(mentioned)
    assert sorted(pinged) == sorted(confirmed)
    async with coalition.bot.database.session() as session:
        calls = (await session.scalars(select(campaigns.CampaignRollCall))).all()
    assert len(calls) == 1
    assert calls[0].message_id is not None

    call = next(m for m in thread.history() if m.id == calls[0].message_id)
    ready = await people[-1].click(call, label="Ready")
    assert "ready" in ready.response.content
    declined = await people[0].click(call, label="Can't make it")
    assert "next person in line" in declined.response.content
    async with coalition.bot.database.session() as session:
        answers = {a.user_id: a.answer for a in await campaigns.rollcall_answers(session, calls[0].id)}  # type: ignore[arg-type]
    assert answers[people[-1].id] == "ready"
    assert answers[people[0].id] == "declined"


async def test_roll_call_that_discord_refuses_leaves_no_open_roll_call_and_says_so(
    coalition: Coalition,
) -> None:
    campaign = await _create(coalition)
    await _slot(coalition, campaign, "Amplifier", 3)
    await _post(coalition, campaign)
    await coalition.member.click(_card(coalition), label="Sign up: Amplifier")
    coalition.env.inject_error(
        "POST", "/channels/*/messages", status=400, code=50035, message="Invalid Form Body", times=1
    )

    res = await coalition.organizer.slash(coalition.general, "campaign rollcall", campaign=str(campaign.id))
    assert "no roll call was started" in res.response.content
    async with coalition.bot.database.session() as session:
        assert (await session.scalars(select(campaigns.CampaignRollCall))).all() == []
        assert (await session.scalars(select(campaigns.RollCallAnswer))).all() == []

    again = await coalition.organizer.slash(coalition.general, "campaign rollcall", campaign=str(campaign.id))
    assert "Roll call posted for 1" in again.response.content


async def test_declining_the_roll_call_frees_only_confirmed_places_and_keeps_waitlist_spots(
    coalition: Coalition,
) -> None:
    campaign = await _create(coalition)
    first = await _slot(coalition, campaign, "Amplifier", 1)
    second = await _slot(coalition, campaign, "Author", 1)
    await _post(coalition, campaign)
    sam = await _join(coalition, "sam")
    await coalition.member.click(_card(coalition), label="Sign up: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")
    await sam.click(_card(coalition), label="Sign up: Author")  # type: ignore[attr-defined]
    await coalition.member.click(_card(coalition), label="Join waitlist: Author")

    res = await coalition.organizer.slash(coalition.general, "campaign rollcall", campaign=str(campaign.id))
    assert "Roll call posted for 2" in res.response.content
    thread = coalition.channels["campaigns"].threads[-1]
    declined = await coalition.member.click(thread.last_message, label="Can't make it")
    assert "next person in line" in declined.response.content

    assert await _statuses(coalition, first.id) == {  # type: ignore[arg-type]
        coalition.member.id: "withdrawn",
        coalition.other.id: "offered",
    }
    assert "A place opened up" in _dms(coalition, coalition.other)[-1].content
    assert await _statuses(coalition, second.id) == {  # type: ignore[arg-type]
        sam.id: "confirmed",  # type: ignore[attr-defined]
        coalition.member.id: "waitlisted",
    }


async def test_organizer_command_with_ambiguous_campaign_text_asks_which_one(coalition: Coalition) -> None:
    equity = await _create(coalition, title="Health equity week")
    mental = await _create(coalition, title="Mental health day")

    res = await coalition.organizer.slash(coalition.general, "campaign close", campaign="health")
    assert res.ephemeral
    assert "Which one?" in res.response.content
    assert "Health equity week" in res.response.content
    assert "Mental health day" in res.response.content
    async with coalition.bot.database.session() as session:
        stored = [await session.get(Campaign, c.id) for c in (equity, mental)]
    assert [c.status for c in stored] == ["open", "open"]  # type: ignore[union-attr]

    exact = await coalition.organizer.slash(coalition.general, "campaign close", campaign="mental HEALTH day")
    assert "Closed sign-ups for **Mental health day**" in exact.response.content
    single = await coalition.organizer.slash(coalition.general, "campaign close", campaign="equity")
    assert "Closed sign-ups for **Health equity week**" in single.response.content


# ------------------------------------------------------------------------------ files, lists, invitations


async def test_export_csv_and_calendar_file(coalition: Coalition) -> None:
    campaign = await _create(coalition, title="=cmd|' heat")
    await _slot(coalition, campaign, "Amplifier", 1)
    card = await _post(coalition, campaign)
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")
    refused = await coalition.member.slash(coalition.general, "campaign export", campaign=str(campaign.id))
    assert "Only organizers" in refused.response.content
    res = await coalition.organizer.slash(coalition.general, "campaign export", campaign=str(campaign.id))
    attachment = res.response.attachments[0]
    assert attachment.filename.endswith(".csv")
    lines = (await attachment.read()).decode().splitlines()
    assert lines[0] == (
        "member,discipline,organization,slot,status,signed up at,roll-call answer,username,member id"
    )
    assert [line.split(",")[4] for line in lines[1:]] == ["confirmed", "waitlisted"]
    # Neither has a profile: each still has a display name and a username, never a bare id alone.
    names = [line.split(",")[0] for line in lines[1:]]
    usernames = [line.split(",")[7] for line in lines[1:]]
    assert usernames == ["marcus", "priya"]
    assert all(name and not name.isdigit() for name in names)
    cal = await coalition.member.slash(coalition.general, "campaign calendar", campaign=str(campaign.id))
    ics = (await cal.response.attachments[0].read()).decode()
    assert "BEGIN:VEVENT" in ics
    assert f"DTSTART:{campaign.starts_at.strftime('%Y%m%dT%H%M%SZ')}" in ics


async def test_list_and_mine_show_places_and_history(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    await _slot(coalition, campaign, "Amplifier", 1)
    await _slot(coalition, campaign, "Author", 1)
    card = await _post(coalition, campaign)
    await coalition.other.click(card, label="Sign up: Amplifier")
    await coalition.member.click(_card(coalition), label="Join waitlist: Amplifier")
    await coalition.member.click(_card(coalition), label="Sign up: Author")
    listed = await coalition.member.slash(coalition.general, "campaign list")
    assert "Amplifier 1/1 (full)" in listed.response.embeds[0].fields[0].value
    picker = await coalition.member.click(_card(coalition), label="Withdraw")
    assert "Which one" in picker.response.content
    await coalition.member.select(picker.response, [str(await _slot_id(coalition, campaign, "Author"))])
    mine = await coalition.member.slash(coalition.general, "campaign mine")
    embed = mine.response.embeds[0]
    assert "Amplifier: ⏳ waitlist #1" in embed.description
    assert "Author: withdrew" in embed.fields[0].value


async def _slot_id(coalition: Coalition, campaign: Campaign, name: str) -> int:
    async with coalition.bot.database.session() as session:
        slot = await campaigns.find_slot(session, campaign.id, name)  # type: ignore[arg-type]
    assert slot is not None
    return slot.id  # type: ignore[return-value]


async def test_invite_dms_members_whose_disciplines_fit_and_respects_opt_out(coalition: Coalition) -> None:
    from db.disciplines import seed_defaults, set_member_disciplines

    now = discord.utils.utcnow()
    async with coalition.bot.database.session() as session:
        catalog = await seed_defaults(session, coalition.guild.id, now)
        epi = next(d.id for d in catalog if d.name == "Epidemiology")
        for actor in (coalition.member, coalition.other):
            await set_member_disciplines(session, coalition.guild.id, actor.id, {epi}, now)  # type: ignore[arg-type]
        await campaigns.set_invite_opt_out(session, coalition.guild.id, coalition.other.id, now)
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Data brief reviewer", 2, needs="2 epidemiologists")
    res = await coalition.organizer.slash(coalition.general, "campaign invite", campaign=str(campaign.id))
    text = res.followups[-1].content if res.followups else res.response.content
    assert "Data brief reviewer: 2 Epidemiology" in text
    assert "Invited 1 member" in text

    def invitations(actor: object) -> list[discord.Message]:
        return [
            m
            for m in _dms(coalition, actor)
            if m.embeds and (m.embeds[0].title or "").startswith("You're invited")
        ]

    assert invitations(coalition.other) == []
    invitation = invitations(coalition.member)[-1]
    joined = await coalition.member.user.click(invitation, label="Sign up: Data brief reviewer")  # type: ignore[attr-defined]
    assert "confirmed" in joined.response.content
    assert await _statuses(coalition, slot.id) == {coalition.member.id: "confirmed"}  # type: ignore[arg-type]
    stop = await coalition.member.user.click(invitation, label="Stop campaign invitations")  # type: ignore[attr-defined]
    assert "won't get campaign invitations" in stop.response.content
    again = await coalition.organizer.slash(coalition.general, "campaign invite", campaign=str(campaign.id))
    text = again.followups[-1].content if again.followups else again.response.content
    assert "Invited 0 member" in text


# ------------------------------------------------------------------------------ closed DMs and removals


async def test_offer_to_a_member_with_closed_dms_is_announced_in_the_campaigns_channel_and_can_be_accepted(
    coalition: Coalition,
) -> None:
    from db.members import MemberProfile

    now = discord.utils.utcnow()
    async with coalition.bot.database.session() as session:
        session.add(
            MemberProfile(
                guild_id=coalition.guild.id,
                user_id=coalition.other.id,
                display_name="Bea Private",
                organization="Springfield County Health",
                job_title="Epidemiologist",
                created_at=now,
                updated_at=now,
            )
        )
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Op-ed author", 1)
    card = await _post(coalition, campaign)
    await coalition.member.click(card, label="Sign up: Op-ed author")
    await coalition.other.click(_card(coalition), label="Join waitlist: Op-ed author")
    coalition.env.inject_error(
        "POST",
        f"/channels/{coalition.other.user.dm_channel.id}/messages",  # type: ignore[attr-defined]
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    channel = coalition.channels["campaigns"]
    before = {m.id for m in channel.history()}
    dms_before = len(_dms(coalition, coalition.other))

    left = await coalition.member.click(_card(coalition), label="Withdraw")
    assert "withdrew" in left.response.content
    assert await _statuses(coalition, slot.id) == {
        coalition.member.id: "withdrawn",
        coalition.other.id: "offered",
    }  # type: ignore[arg-type]
    assert len(_dms(coalition, coalition.other)) == dms_before  # the DM was refused
    notices = [m for m in channel.history() if m.id not in before]
    assert len(notices) == 1
    notice = notices[0]
    assert coalition.other.mention in notice.content
    assert "/campaign join" in notice.content
    stored = coalition.env.backend.get_message(channel.id, notice.id)
    assert stored.ping_user_ids == [coalition.other.id]
    assert stored.ping_role_ids == []
    assert stored.mention_everyone is False
    for private in ("Bea Private", "Springfield County Health", "Epidemiologist", str(coalition.member.id)):
        assert private not in notice.content
    assert notice.embeds == []

    accepted = await coalition.other.slash(
        coalition.general, "campaign join", campaign=str(campaign.id), slot=str(slot.id)
    )
    assert accepted.ephemeral
    assert "confirmed for **Op-ed author**" in accepted.response.content
    assert await _statuses(coalition, slot.id) == {
        coalition.member.id: "withdrawn",
        coalition.other.id: "confirmed",
    }  # type: ignore[arg-type]
    # The notice is now the channel's last message: find the card by its id.
    current = next(m for m in channel.history() if m.id == card.id)
    field = current.embeds[0].fields[0]
    assert field.name == "Op-ed author: 1/1 · FULL"
    assert coalition.other.mention in field.value
    assert coalition.member.mention not in field.value


async def test_removing_a_slot_tells_its_members_and_frees_nothing_else(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    removed = await _slot(coalition, campaign, "Amplifier", 1)
    kept = await _slot(coalition, campaign, "Author", 1)
    card = await _post(coalition, campaign)
    sam, tom = await _join(coalition, "sam"), await _join(coalition, "tom")
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")
    await sam.click(_card(coalition), label="Sign up: Author")  # type: ignore[attr-defined]
    await tom.click(_card(coalition), label="Join waitlist: Author")  # type: ignore[attr-defined]
    dms_before = {
        actor: len(_dms(coalition, actor)) for actor in (coalition.member, coalition.other, sam, tom)
    }

    refused = await coalition.member.slash(
        coalition.general, "campaign slot remove", campaign=str(campaign.id), slot=str(removed.id)
    )
    assert "Only organizers" in refused.response.content
    assert await _statuses(coalition, removed.id) == {  # type: ignore[arg-type]
        coalition.member.id: "confirmed",
        coalition.other.id: "waitlisted",
    }

    res = await coalition.organizer.slash(
        coalition.general, "campaign slot remove", campaign=str(campaign.id), slot=str(removed.id)
    )
    assert res.ephemeral
    assert res.response.content == "Removed **Amplifier** from **Heat safety week** (2 sign-ups ended)."

    for actor in (coalition.member, coalition.other):
        told = _dms(coalition, actor)[dms_before[actor] :]
        assert len(told) == 1
        assert "**Amplifier** in **Heat safety week** was removed" in told[0].content
    for actor in (sam, tom):
        assert len(_dms(coalition, actor)) == dms_before[actor]

    async with coalition.bot.database.session() as session:
        gone = await session.get(CampaignSlot, removed.id)
        remaining = await campaigns.slots_for(session, campaign.id)  # type: ignore[arg-type]
    assert gone is not None
    assert gone.removed_at is not None
    assert [s.name for s in remaining] == ["Author"]
    assert await _statuses(coalition, removed.id) == {  # type: ignore[arg-type]
        coalition.member.id: "removed",
        coalition.other.id: "removed",
    }
    assert await _statuses(coalition, kept.id) == {sam.id: "confirmed", tom.id: "waitlisted"}  # type: ignore[attr-defined]

    card = _card(coalition)
    assert [f.name for f in card.embeds[0].fields] == ["Author: 1/1 · FULL"]
    assert sam.mention in card.embeds[0].fields[0].value  # type: ignore[attr-defined]
    labels = [c.label for row in card.components for c in row.children]  # type: ignore[attr-defined]
    assert not [label for label in labels if "Amplifier" in label]
    assert "Join waitlist: Author" in labels


async def test_removed_slot_stays_in_members_history_and_the_export(coalition: Coalition) -> None:
    campaign = await _create(coalition)
    removed = await _slot(coalition, campaign, "Amplifier", 1)
    await _slot(coalition, campaign, "Author", 1)
    card = await _post(coalition, campaign)
    tom = await _join(coalition, "tom")
    await tom.click(card, label="Sign up: Amplifier")  # type: ignore[attr-defined]
    await coalition.member.click(_card(coalition), label="Join waitlist: Amplifier")
    await coalition.other.click(_card(coalition), label="Join waitlist: Amplifier")
    await tom.slash(coalition.general, "campaign leave", campaign=str(campaign.id), slot=str(removed.id))  # type: ignore[attr-defined]
    assert await _statuses(coalition, removed.id) == {  # type: ignore[arg-type]
        tom.id: "withdrawn",  # type: ignore[attr-defined]
        coalition.member.id: "offered",
        coalition.other.id: "waitlisted",
    }

    await coalition.organizer.slash(
        coalition.general, "campaign slot remove", campaign=str(campaign.id), slot=str(removed.id)
    )
    ended = {
        tom.id: "withdrawn",  # type: ignore[attr-defined]
        coalition.member.id: "removed",
        coalition.other.id: "removed",
    }
    assert await _statuses(coalition, removed.id) == ended  # type: ignore[arg-type]

    # The member's offer would have expired now: its job finds no offer and changes nothing.
    await coalition.env.advance_time(25 * 3600)
    assert await _statuses(coalition, removed.id) == ended  # type: ignore[arg-type]
    assert not [m for m in _dms(coalition, coalition.member) if "gone to the next person" in m.content]
    assert not [m for m in _dms(coalition, coalition.other) if "place opened up" in m.content]

    for actor in (coalition.member, coalition.other):
        mine = await actor.slash(coalition.general, "campaign mine")
        embed = mine.response.embeds[0]
        assert embed.description == "No current places."
        assert "Amplifier: slot removed by the organizers" in embed.fields[0].value

    res = await coalition.organizer.slash(coalition.general, "campaign export", campaign=str(campaign.id))
    lines = (await res.response.attachments[0].read()).decode().splitlines()
    assert [(line.split(",")[3], line.split(",")[4]) for line in lines[1:]] == [
        ("Amplifier", "withdrawn"),
        ("Amplifier", "slot removed"),
        ("Amplifier", "slot removed"),
    ]

    # The name is free again for a new slot, which starts empty.
    again = await _slot(coalition, campaign, "Amplifier", 2)
    assert again.id != removed.id
    assert await _statuses(coalition, again.id) == {}  # type: ignore[arg-type]

    # An old Sign up button for the removed slot does not bring the member's row back to life.
    author = next(
        c.custom_id
        for row in _card(coalition).components
        for c in row.children
        if c.label == "Sign up: Author"
    )  # type: ignore[attr-defined]
    forged = f"campaign:join:{campaign.id}:{removed.id}"
    result = await burst(
        coalition.env,
        [click_payload(coalition.env, coalition.member, _card(coalition), forged, forge_from=author)],
    )
    assert "no longer exists" in result.results[0].response.content
    joined = await coalition.member.slash(
        coalition.general, "campaign join", campaign=str(campaign.id), slot=str(removed.id)
    )
    assert joined.ephemeral
    assert "has no slot called" in joined.response.content
    assert await _statuses(coalition, removed.id) == ended  # type: ignore[arg-type]
    async with coalition.bot.database.session() as session:
        old = await session.get(CampaignSlot, removed.id)
    assert old is not None
    assert old.removed_at is not None
    assert old.tickets_issued == 3


# ------------------------------------------------------------------------------ trust


def _sent_texts(coalition: Coalition) -> list[str]:
    """Every message text the bot tried to send or answer with, whether or not Discord took it."""
    texts = []
    for request in coalition.env.http_requests:
        body = request.json or {}
        data = body.get("data", body) if isinstance(body, dict) else {}
        texts.append(str(data.get("content") or ""))
    return texts


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_sign_up_that_is_stored_but_cannot_be_answered_is_not_called_a_failure_and_updates_the_card(
    coalition: Coalition, status: int
) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 3)
    card = await _post(coalition, campaign)
    coalition.env.inject_error("POST", "/interactions/*/callback", status=status, times=1)
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.env.advance_time(3)
    assert await _statuses(coalition, slot.id) == {coalition.member.id: "confirmed"}  # type: ignore[arg-type]
    assert coalition.member.mention in _card(coalition).embeds[0].fields[0].value
    assert not any("something went wrong" in text for text in _sent_texts(coalition))


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_card_edit_that_discord_refuses_is_retried_without_another_click(
    coalition: Coalition, status: int
) -> None:
    campaign = await _create(coalition)
    await _slot(coalition, campaign, "Amplifier", 3)
    card = await _post(coalition, campaign)
    coalition.env.inject_error("PATCH", f"/channels/*/messages/{card.id}", status=status, times=1)
    await coalition.member.click(card, label="Sign up: Amplifier")
    await coalition.env.advance_time(60)
    field = _card(coalition).embeds[0].fields[0]
    assert field.name == "Amplifier: 1/3"
    assert coalition.member.mention in field.value


async def test_reminder_that_discord_fails_to_deliver_is_retried_and_sent_exactly_once(
    coalition: Coalition,
) -> None:
    campaign = await _create(
        coalition,
        start=_at(coalition, hours=26),
        end=_at(coalition, hours=30),
        signup_deadline=_at(coalition, hours=25),
    )
    await _slot(coalition, campaign, "Amplifier", 1)
    await coalition.member.click(await _post(coalition, campaign), label="Sign up: Amplifier")

    def reminders() -> list[str]:
        return [m.content for m in _dms(coalition, coalition.member) if m.content.startswith("⏰ Reminder")]

    coalition.env.inject_error("POST", "/channels/*/messages", status=500, times=1)
    # The 24-hour reminder falls due two hours from now, its DM fails, and a retry follows minutes later.
    await coalition.env.advance_time(2 * 3600 + 30 * 60)
    assert len(reminders()) == 1
    await coalition.env.advance_time(2 * 3600)
    assert len(reminders()) == 1
    async with coalition.bot.database.session() as session:
        sent = (await session.scalars(select(campaigns.CampaignReminderSent))).all()
    assert [(r.user_id, r.hours_before) for r in sent] == [(coalition.member.id, 24)]


async def test_offer_whose_dm_discord_fails_is_retried_by_dm_once_not_announced_as_closed_dms(
    coalition: Coalition,
) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Op-ed author", 1)
    card = await _post(coalition, campaign)
    await coalition.member.click(card, label="Sign up: Op-ed author")
    await coalition.other.click(_card(coalition), label="Join waitlist: Op-ed author")
    coalition.env.inject_error("POST", "/channels/*/messages", status=500, times=1)
    await coalition.member.click(_card(coalition), label="Withdraw")
    await coalition.env.advance_time(30 * 60)

    offers = [m for m in _dms(coalition, coalition.other) if "A place opened up" in m.content]
    assert len(offers) == 1
    announced = list(coalition.channels["campaigns"].history())  # type: ignore[attr-defined]
    assert not any("I couldn't DM you" in m.content for m in announced)
    accepted = await coalition.other.user.click(offers[0], label="Accept the place")  # type: ignore[attr-defined]
    assert "confirmed" in accepted.response.content
    assert (await _statuses(coalition, slot.id))[coalition.other.id] == "confirmed"  # type: ignore[arg-type]
