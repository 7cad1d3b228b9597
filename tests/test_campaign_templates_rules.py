"""A series keeps each occurrence at the same local time, across daylight-saving changes and short months."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cogs.campaigns import series

CHICAGO = ZoneInfo("America/Chicago")


def test_weekly_series_across_the_november_change_keeps_the_local_hour() -> None:
    # 14:00 CDT on Tue 2026-10-27 (19:00 UTC); the US falls back on Sun 2026-11-01.
    start = datetime(2026, 10, 27, 19, 0, tzinfo=UTC)
    found = series.occurrences(
        start,
        datetime(2026, 10, 27, 23, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 19, 0, tzinfo=UTC),
        zone=CHICAGO,
        repeat="weekly",
        count=4,
    )
    assert [o.starts_at.astimezone(CHICAGO).hour for o in found] == [14, 14, 14, 14]
    assert [o.starts_at.hour for o in found] == [19, 20, 20, 20]  # UTC moves by the hour the clocks did
    assert [o.starts_at.astimezone(CHICAGO).day for o in found] == [27, 3, 10, 17]
    assert all(o.ends_at.astimezone(CHICAGO).hour == 18 for o in found)
    assert all(o.signup_deadline < o.starts_at for o in found)


def test_monthly_series_clips_to_the_last_day_of_short_months() -> None:
    start = datetime(2027, 1, 31, 15, 0, tzinfo=UTC)
    found = series.occurrences(
        start, start.replace(hour=16), start.replace(hour=14), zone=ZoneInfo("UTC"), repeat="monthly", count=3
    )
    assert [(o.starts_at.month, o.starts_at.day) for o in found] == [(1, 31), (2, 28), (3, 31)]


@pytest.mark.parametrize("count", [1, 13])
def test_series_needs_two_to_twelve_occurrences(count: int) -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        series.occurrences(now, now, now, zone=CHICAGO, repeat="weekly", count=count)
