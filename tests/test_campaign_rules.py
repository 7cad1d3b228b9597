"""The campaign rules, without Discord or a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cogs.campaigns import rules

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_local_time_in_organizers_zone_is_stored_in_utc() -> None:
    zone = rules.parse_zone("America/Chicago")
    assert rules.parse_local_time("2026-12-01 14:00", zone, what="start") == datetime(
        2026, 12, 1, 20, 0, tzinfo=UTC
    )
    assert rules.parse_local_time("2026-07-01 14:00", zone, what="start") == datetime(
        2026, 7, 1, 19, 0, tzinfo=UTC
    )


def test_unknown_zone_and_unreadable_time_are_refused() -> None:
    with pytest.raises(rules.CampaignRuleError, match="time zone"):
        rules.parse_zone("Nowhere/Land")
    with pytest.raises(rules.CampaignRuleError, match="2026-12-01 14:00"):
        rules.parse_local_time("tomorrow", rules.parse_zone("UTC"), what="start")


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


def test_places_to_offer_never_exceed_free_places_or_waitlist() -> None:
    assert rules.places_to_offer(capacity=5, taken=3, waiting=10) == 2
    assert rules.places_to_offer(capacity=5, taken=3, waiting=1) == 1
    assert rules.places_to_offer(capacity=5, taken=5, waiting=4) == 0


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
    chunks = rules.mention_chunks(list(range(10**17, 10**17 + 300)), "Roll call:")
    assert all(len(chunk) <= 2000 for chunk in chunks)
    assert sum(chunk.count("<@") for chunk in chunks) == 300


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
