"""The campaign rules, without Discord or a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.timeparse import TimeError, parse_when, parse_zone
from cogs.campaigns import rules
from cogs.campaigns.service.results import CampaignInfo, Card, LinkInfo, SlotCard

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_local_time_in_organizers_zone_is_stored_in_utc() -> None:
    # Campaign times go through the shared parser, read in the organizer's `timezone` option.
    zone = parse_zone("America/Chicago")
    assert parse_when("2026-12-01 14:00", now=NOW, zone=zone, what="start") == datetime(
        2026, 12, 1, 20, 0, tzinfo=UTC
    )
    assert parse_when("2026-07-01 14:00", now=NOW, zone=zone, what="start") == datetime(
        2026, 7, 1, 19, 0, tzinfo=UTC
    )


def test_unknown_zone_and_unreadable_time_are_refused() -> None:
    with pytest.raises(TimeError, match="time zone"):
        parse_zone("Nowhere/Land")
    # "tomorrow" is readable by the shared parser (9:00 in the zone), so an unreadable phrase stands in.
    with pytest.raises(TimeError, match="2026-12-01 17:00"):
        parse_when("whenever suits", now=NOW, zone=parse_zone("UTC"), what="start")


def test_schedule_refuses_end_before_start_and_deadline_after_start() -> None:
    start = NOW + timedelta(days=2)
    with pytest.raises(rules.CampaignRuleError, match="end after it starts"):
        rules.check_schedule(start, start - timedelta(hours=1), NOW + timedelta(days=1), NOW)
    with pytest.raises(rules.CampaignRuleError, match="no later than the start"):
        rules.check_schedule(start, start + timedelta(hours=1), start + timedelta(minutes=1), NOW)
    with pytest.raises(rules.CampaignRuleError, match="already past"):
        rules.check_schedule(start, start + timedelta(hours=1), NOW - timedelta(minutes=1), NOW)


@pytest.mark.parametrize("capacity", [0, -1, 501, 10_000])
def test_capacity_must_be_between_one_and_five_hundred(capacity: int) -> None:
    with pytest.raises(rules.CampaignRuleError, match="between 1 and 500"):
        rules.check_capacity(capacity)


def test_capacity_cannot_drop_below_taken_places() -> None:
    assert rules.check_capacity(5, taken=5) == 5
    with pytest.raises(rules.CampaignRuleError, match="cannot go below 4"):
        rules.check_capacity(3, taken=4)


def test_long_title_is_refused_and_spaces_are_folded() -> None:
    assert rules.check_title("  Heat   week ") == "Heat week"
    with pytest.raises(rules.CampaignRuleError, match="300 characters"):
        rules.check_title("x" * 300)


def test_reminders_only_for_times_still_ahead() -> None:
    assert set(rules.reminder_times(NOW + timedelta(hours=30), NOW)) == {24, 1}
    assert set(rules.reminder_times(NOW + timedelta(hours=3), NOW)) == {1}


def test_needs_are_read_and_matched_to_catalog_names() -> None:
    names = ["Epidemiology", "Public health nursing", "Communications", "Community organizing"]
    assert rules.parse_needs("2 epidemiologists, 1 nurse") == [(2, "epidemiologists"), (1, "nurse")]
    assert rules.match_discipline("epidemiologists", names) == "Epidemiology"
    assert rules.match_discipline("nurses", names) == "Public health nursing"
    assert rules.match_discipline("astronauts", names) is None
    with pytest.raises(rules.CampaignRuleError):
        rules.parse_needs("some epidemiologists")


def test_unfilled_needs_subtract_confirmed_members_disciplines() -> None:
    assert rules.unfilled_needs({1: 2, 2: 1}, [{1}, {3}]) == {1: 1, 2: 1}
    assert rules.unfilled_needs({1: 1}, [{1, 2}]) == {}


def test_tally_counts_pending_and_silent_as_waiting() -> None:
    assert rules.tally(["ready", "declined", "pending", "silent", "ready"]) == rules.Tally(2, 1, 2)


def test_mentions_are_split_to_fit_discord_messages() -> None:
    user_ids = list(range(10**17, 10**17 + 300))
    chunks = rules.mention_chunks(user_ids, "Roll call:")
    assert all(len(text) <= 2000 for text, _ in chunks)
    # Discord refuses more than 100 pinged users per message.
    assert all(len(users) <= 100 for _, users in chunks)
    assert all(text.count("<@") == len(users) for text, users in chunks)
    assert all(f"<@{user_id}>" in text for text, users in chunks for user_id in users)
    assert [user_id for _, users in chunks for user_id in users] == user_ids


def test_csv_cells_cannot_run_as_formulas() -> None:
    text = rules.build_csv([("=HYPERLINK(1)", "", "", "slot", "confirmed", "t", "")])
    assert "'=HYPERLINK(1)" in text


def test_ics_has_utc_times_escaped_text_and_folded_lines() -> None:
    ics = rules.build_ics(
        uid="x@y",
        title="Heat; week, 2026",
        description="A long description " * 10,
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=2),
        now=NOW,
        links=[("Toolkit", "https://example.org/t")],
    )
    assert "DTSTART:20261101T120000Z" in ics
    assert "SUMMARY:Heat\\; week\\, 2026" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


async def test_requests_during_a_refresh_fold_into_one_more_refresh():
    import asyncio

    from bot.coalesce import Coalescer

    coalescer = Coalescer(max_wait=3600)
    started = asyncio.Event()
    release = asyncio.Event()
    calls: list[int] = []

    async def refresh() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            started.set()
            await release.wait()

    coalescer.request("card", refresh)
    await started.wait()
    for _ in range(50):
        coalescer.request("card", refresh)
    release.set()
    for _ in range(10):
        await asyncio.sleep(0)

    assert calls == [0, 1]


async def test_a_refresh_waits_until_the_burst_of_work_has_drained():
    import asyncio

    from bot.coalesce import Coalescer

    coalescer = Coalescer(max_wait=3600)
    calls: list[str] = []

    async def refresh() -> None:
        calls.append("edit")

    with coalescer.busy("card"):
        with coalescer.busy("card"):
            coalescer.request("card", refresh)
        coalescer.request("card", refresh)
        await asyncio.sleep(0)
        assert calls == []
    for _ in range(5):
        await asyncio.sleep(0)
    assert calls == ["edit"]


def _campaign(title: str, description: str) -> CampaignInfo:
    return CampaignInfo(
        id=7,
        guild_id=1,
        title=title,
        description=description,
        starts_at=NOW + timedelta(days=10),
        ends_at=NOW + timedelta(days=11),
        signup_deadline=NOW + timedelta(days=9),
        timezone="UTC",
        status="open",
        card_channel_id=None,
        card_message_id=None,
        created_by=1,
    )


def test_card_with_twenty_long_slots_and_long_description_fits_discord_embed_limits() -> None:
    from cogs.campaigns import views

    campaign = _campaign("T" * rules.TITLE_MAX, "D" * 1500)
    slots = tuple(
        SlotCard(
            id=index,
            name=f"{index:02d}" + "S" * (rules.SLOT_NAME_MAX - 2),
            capacity=500,
            taken=400,
            confirmed=tuple(range(10**18 + index * 1000, 10**18 + index * 1000 + 400)),
            offered=3,
            waitlisted=120,
            needs={1: 450, 2: 450, 3: 450},
        )
        for index in range(rules.SLOTS_MAX)
    )
    links = (LinkInfo(title="Toolkit " * 10, url="https://example.org/" + "x" * 300),)
    view = Card(
        campaign=campaign,
        slots=slots,
        links=links,
        discipline_names={1: "Epidemiology", 2: "Nursing", 3: "Communications"},
    )

    embed = views.card_embed(view, now=NOW)

    assert len(embed) <= 6000
    assert len(embed.fields) == rules.SLOTS_MAX <= 25
    assert all(len(field.value or "") <= 1024 and len(field.name or "") <= 256 for field in embed.fields)
    assert len(embed.description or "") <= 4000
    assert all(field.name.startswith(f"{index:02d}") for index, field in enumerate(embed.fields))  # type: ignore[union-attr]


def test_card_of_a_small_campaign_still_shows_names() -> None:
    from cogs.campaigns import views

    campaign = _campaign("Heat week", "Short.")
    slot = SlotCard(id=1, name="Amplifier", capacity=5, taken=2, confirmed=(11, 12), offered=0, waitlisted=0)
    embed = views.card_embed(Card(campaign, (slot,), (), {}), now=NOW)
    assert embed.fields[0].value == "<@11>, <@12>"
