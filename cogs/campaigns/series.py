"""A campaign repeated weekly or monthly: each occurrence at the same local wall-clock time (plain rules)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKLY, MONTHLY = "weekly", "monthly"
OCCURRENCES_MIN, OCCURRENCES_MAX = 2, 12


@dataclass(frozen=True, slots=True)
class Occurrence:
    number: int
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime


def _shift_local(local: datetime, repeat: str, steps: int) -> datetime:
    """The same wall-clock time `steps` weeks or months later (a 31st becomes the month's last day)."""
    if repeat == WEEKLY:
        return local + timedelta(weeks=steps)
    months = local.month - 1 + steps
    year, month = local.year + months // 12, months % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _at_local(moment: datetime, zone: ZoneInfo, repeat: str, steps: int) -> datetime:
    # Shift the naive local time, then read it in the zone again: across a daylight-saving change the
    # UTC offset changes and the local hour stays.
    local = moment.astimezone(zone).replace(tzinfo=None)
    return _shift_local(local, repeat, steps).replace(tzinfo=zone).astimezone(UTC)


def occurrences(
    starts_at: datetime,
    ends_at: datetime,
    signup_deadline: datetime,
    *,
    zone: ZoneInfo,
    repeat: str,
    count: int,
) -> list[Occurrence]:
    """The dates of each occurrence of a series, the first being the times given."""
    if repeat not in (WEEKLY, MONTHLY):
        raise ValueError(f"unknown repeat {repeat!r}")
    if not OCCURRENCES_MIN <= count <= OCCURRENCES_MAX:
        raise ValueError(f"a series has {OCCURRENCES_MIN} to {OCCURRENCES_MAX} occurrences")
    return [
        Occurrence(
            number + 1,
            _at_local(starts_at, zone, repeat, number),
            _at_local(ends_at, zone, repeat, number),
            _at_local(signup_deadline, zone, repeat, number),
        )
        for number in range(count)
    ]
