"""The one time parser: durations, the dates US organizers type, zones, daylight saving, Discord timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.timeparse import (
    MAX_AHEAD,
    ZONE_ALIASES,
    TimeError,
    WhenTransformer,
    in_zone,
    parse_when,
    parse_zone,
)

# Examples run on a shared, loaded machine in CI: judge them by their outcome, never by their speed.
NO_DEADLINE = settings(deadline=None)

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
EASTERN = ZoneInfo("America/New_York")
CENTRAL = ZoneInfo("America/Chicago")


def at(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


# ------------------------------------------------------------------------------------ durations


@pytest.mark.parametrize(
    ("typed", "delta"),
    [
        ("2d", timedelta(days=2)),
        ("3h 30m", timedelta(hours=3, minutes=30)),
        ("in 90 minutes", timedelta(minutes=90)),
        ("1 week, 2 days and 3 hours", timedelta(weeks=1, days=2, hours=3)),
        ("45 mins", timedelta(minutes=45)),
        ("2 HRS", timedelta(hours=2)),
        ("1d12h", timedelta(days=1, hours=12)),
    ],
)
def test_durations_count_from_now(typed, delta):
    assert parse_when(typed, now=NOW) == NOW + delta


def test_duration_does_not_depend_on_the_zone():
    assert parse_when("2h", now=NOW, zone=EASTERN) == NOW + timedelta(hours=2)


@pytest.mark.parametrize("typed", ["and", ",", "in", "and, and", "2 dozen", "3x"])
def test_words_without_an_amount_are_not_a_duration(typed):
    with pytest.raises(TimeError, match="could not read"):
        parse_when(typed, now=NOW)


@pytest.mark.parametrize("typed", ["160w", "99999w 99999w 99999w", "1200 days"])
def test_more_than_three_years_ahead_is_refused(typed):
    with pytest.raises(TimeError, match="more than three years away"):
        parse_when(typed, now=NOW)


# ------------------------------------------------------------------------ dates in a time zone


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-01 17:00", at(2026, 12, 1, 22, 0)),
        ("2026-12-01T17:00", at(2026, 12, 1, 22, 0)),
        ("12/01/2026 5pm", at(2026, 12, 1, 22, 0)),
        ("12/1/26 5:30pm", at(2026, 12, 1, 22, 30)),
        ("12/01/2026 5 p.m.", at(2026, 12, 1, 22, 0)),
        ("Dec 1 2026 9:30 am", at(2026, 12, 1, 14, 30)),
        ("December 1, 2026 5 PM", at(2026, 12, 1, 22, 0)),
        ("1 Dec 2026 17:00", at(2026, 12, 1, 22, 0)),
        ("2026-12-01", at(2026, 12, 1, 5, 0)),
        ("tomorrow", at(2026, 12, 5, 14, 0)),
        ("tomorrow 17:00", at(2026, 12, 5, 22, 0)),
        ("today 9am", at(2026, 12, 4, 14, 0)),
        ("tomorrow noon", at(2026, 12, 5, 17, 0)),
    ],
)
def test_us_formats_read_in_the_organizers_zone(typed, expected):
    assert parse_when(typed, now=NOW, zone=EASTERN) == expected


def test_without_a_zone_times_are_utc():
    assert parse_when("2026-12-01 17:00", now=NOW) == at(2026, 12, 1, 17, 0)


def test_today_is_the_organizers_day_not_utcs():
    late_evening_in_chicago = at(2026, 12, 5, 3, 0)  # 21:00 on Dec 4 in Chicago

    assert parse_when("today 22:00", now=late_evening_in_chicago, zone=CENTRAL) == at(2026, 12, 5, 4, 0)


def test_summer_dates_use_daylight_time():
    assert parse_when("2027-07-01 12:00", now=NOW, zone=parse_zone("CT")) == at(2027, 7, 1, 17, 0)


@pytest.mark.parametrize(
    "typed", ["2026-02-30", "12/01/2026 13pm", "2026-12-01 24:00", "5pm", "noon", "soon"]
)
def test_impossible_or_incomplete_dates_are_refused_with_an_example(typed):
    with pytest.raises(TimeError, match="2026-12-01 17:00"):
        parse_when(typed, now=NOW, zone=EASTERN)


def test_the_refusal_names_the_zone_and_what_was_asked():
    with pytest.raises(TimeError, match=r"the closing time.*in America/New_York"):
        parse_when("whenever", now=NOW, zone=EASTERN, what="closing time")


def test_empty_text_is_refused():
    with pytest.raises(TimeError, match="empty"):
        parse_when("   ", now=NOW)


def test_overlong_text_is_refused_without_reading_it():
    with pytest.raises(TimeError, match="too long"):
        parse_when("12/01/2026 " * 500, now=NOW)


@pytest.mark.parametrize(
    ("typed", "zone"), [("9999-12-31 23:59", "America/New_York"), ("0001-01-01 00:00", "Asia/Tokyo")]
)
def test_dates_at_the_ends_of_the_calendar_are_refused_not_crashed(typed, zone):
    with pytest.raises(TimeError):
        parse_when(typed, now=NOW, zone=ZoneInfo(zone))


# ------------------------------------------------------------------------------ daylight saving


def test_a_time_skipped_by_spring_forward_is_refused():
    with pytest.raises(TimeError, match="does not exist in America/New_York"):
        parse_when("2027-03-14 02:30", now=NOW, zone=EASTERN)


def test_a_time_repeated_by_fall_back_is_its_first_occurrence():
    assert parse_when("2027-11-07 01:30", now=NOW, zone=EASTERN) == at(2027, 11, 7, 5, 30)


# ------------------------------------------------------------------------------------- zones


@pytest.mark.parametrize("alias", sorted(ZONE_ALIASES))
def test_every_abbreviation_names_a_real_zone(alias):
    assert parse_zone(alias.upper()).key == ZONE_ALIASES[alias]


@pytest.mark.parametrize(
    ("typed", "key"),
    [("America/Chicago", "America/Chicago"), (None, "UTC"), ("", "UTC"), (" pt ", "America/Los_Angeles")],
)
def test_zone_names_and_defaults(typed, key):
    assert parse_zone(typed).key == key


@pytest.mark.parametrize(
    "typed", ["Mars/Olympus", "America", "America/", "../etc/passwd", "x" * 300, "\x00", "   "]
)
def test_unknown_zones_are_a_time_error(typed):
    with pytest.raises(TimeError, match="I don't know the time zone"):
        parse_zone(typed)


def test_in_zone_shows_the_time_as_typed():
    assert in_zone(at(2026, 12, 1, 22, 0), EASTERN) == "2026-12-01 17:00 America/New_York"
    assert in_zone(at(2026, 12, 1, 22, 0), ZoneInfo("UTC")) == "2026-12-01 22:00 UTC"


# --------------------------------------------------------------------------- Discord timestamps


@pytest.mark.parametrize(
    "typed", ["<t:1767225600>", "<t:1767225600:F>", "<t:1767225600:R>", " <t:1767225600:d> "]
)
def test_pasted_discord_timestamps_are_read_in_any_zone(typed):
    assert parse_when(typed, now=NOW, zone=EASTERN) == at(2026, 1, 1, 0, 0)


@pytest.mark.parametrize("typed", ["<t:999999999999>", "<t:-99999999999>"])
def test_timestamps_out_of_range_are_a_time_error(typed):
    with pytest.raises(TimeError, match="out of range"):
        parse_when(typed, now=NOW)


def test_time_error_is_shown_to_the_member():
    assert issubclass(TimeError, UserFacingError)


async def test_the_transformer_reads_the_commands_timezone_option():
    interaction = SimpleNamespace(namespace=SimpleNamespace(timezone="CT"))

    moment = await WhenTransformer().transform(interaction, "2027-01-15 12:00")  # type: ignore[arg-type]

    assert moment == at(2027, 1, 15, 18, 0)


# ------------------------------------------------------------------------------ property-based

T = TypeVar("T")


def _outcome(parse: Callable[[], T]) -> T | TimeError:
    """What the parser returned, or the TimeError it raised (any other exception fails the test)."""
    try:
        return parse()
    except TimeError as refused:
        return refused


zones = st.sampled_from(sorted(set(ZONE_ALIASES.values())))
tokens = st.sampled_from(
    ["in", "and", ",", "2d", "3", "h", "pm", "am", "noon", "tomorrow", "today", "12/01/2026", "2026-12-01",
     "17:00", "T", "<t:", ">", ":F", "Dec", "-", "/", "99999", "w", "0", "24:00", "p.m."]
)  # fmt: skip
garbage = st.one_of(st.text(max_size=120), st.lists(tokens, max_size=8).map(" ".join))


@NO_DEADLINE
@given(garbage, zones)
@example("and", "UTC")
@example("<t:1900000000:F>", "UTC")
@example("9999-12-31 23:59", "America/New_York")
def test_anything_typed_is_a_utc_time_or_a_time_error(typed, zone):
    moment = _outcome(lambda: parse_when(typed, now=NOW, zone=ZoneInfo(zone)))
    if isinstance(moment, TimeError):
        return
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)
    assert moment - NOW <= MAX_AHEAD


@NO_DEADLINE
@given(st.text(max_size=300))
@example("America")
def test_any_zone_name_is_a_zone_or_a_time_error(typed):
    outcome = _outcome(lambda: parse_zone(typed))

    assert isinstance(outcome, (ZoneInfo, TimeError))


@NO_DEADLINE
@given(st.integers(0, 150), st.integers(0, 1000), st.integers(0, 5000), st.integers(0, 99999), st.booleans())
def test_a_duration_adds_up_its_parts(weeks, days, hours, minutes, spoken):
    delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    typed = (
        f"{weeks} weeks, {days} days, {hours} hours and {minutes} minutes"
        if spoken
        else f"{weeks}w{days}d{hours}h{minutes}m"
    )
    try:
        moment = parse_when(typed, now=NOW)
    except TimeError:
        assert delta > MAX_AHEAD
    else:
        assert moment == NOW + delta


@NO_DEADLINE
@given(
    st.builds(datetime.combine, st.dates(date(2000, 1, 1), date(2029, 6, 30)), st.times()),
    zones,
    st.sampled_from(["%Y-%m-%d %H:%M", "%m/%d/%Y %I:%M%p", "%b %d %Y %H:%M"]),
)
def test_a_typed_local_time_reads_back_as_typed_unless_the_clocks_skip_it(naive, zone_key, layout):
    zone = ZoneInfo(zone_key)
    naive = naive.replace(second=0, microsecond=0)
    moment = _outcome(lambda: parse_when(naive.strftime(layout), now=NOW, zone=zone))
    if isinstance(moment, TimeError):
        assert "does not exist" in moment.message
        return
    local = moment.astimezone(zone)
    assume(local.replace(tzinfo=None) == naive)  # a repeated fall-back hour reads as its first occurrence
    assert in_zone(moment, zone) == f"{naive:%Y-%m-%d %H:%M} {zone_key}"


@NO_DEADLINE
@given(st.integers(-(10**11), 10**12 - 1), st.sampled_from(["", ":t", ":T", ":d", ":D", ":f", ":F", ":R"]))
def test_a_discord_timestamp_is_its_instant(seconds, style):
    moment = _outcome(lambda: parse_when(f"<t:{seconds}{style}>", now=NOW))
    if isinstance(moment, TimeError):
        assert "out of range" in moment.message or "three years" in moment.message
        return
    assert moment.timestamp() == seconds
