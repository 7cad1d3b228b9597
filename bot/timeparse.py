"""One reader for the times organizers type, used by every feature: campaigns, polls and what comes next.

Inside, every time is an aware UTC datetime. Organizers type a duration ("2d", "3h 30m", "in 90 minutes"),
a date and time in a time zone ("2026-12-01 17:00", "12/01/2026 5pm", "Dec 1 2026 9:30 am",
"tomorrow 17:00"), or paste a Discord timestamp (`<t:1767225600:F>`). The zone comes from the command's
`timezone` option when it has one (IANA names, and the US abbreviations people actually type), UTC
otherwise.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import discord
from discord import app_commands

from bot.errors import UserFacingError


class TimeError(UserFacingError):
    """A time or time zone that could not be read; the message says what to type instead."""


UTC_ZONE = ZoneInfo("UTC")

# What organizers in US health departments type, mapped to the zone they mean (daylight saving included).
ZONE_ALIASES = {
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "eastern": "America/New_York",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "central": "America/Chicago",
    "mt": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mountain": "America/Denver",
    "arizona": "America/Phoenix",
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "akt": "America/Anchorage",
    "akst": "America/Anchorage",
    "alaska": "America/Anchorage",
    "ht": "Pacific/Honolulu",
    "hst": "Pacific/Honolulu",
    "hawaii": "Pacific/Honolulu",
    "ast": "America/Puerto_Rico",
    "atlantic": "America/Puerto_Rico",
    "chst": "Pacific/Guam",
}

_DISCORD_TIMESTAMP = re.compile(r"<t:(-?\d{1,12})(?::[tTdDfFR])?>")
_DURATION_PART = re.compile(
    r"(\d{1,5})\s*(weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m)(?![a-z])", re.IGNORECASE
)
_DURATION_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y")
_TIME_FORMATS = ("%H:%M", "%I:%M%p", "%I%p", "%H")
_ISO_T = re.compile(r"^(\d{4}-\d{2}-\d{2})T")
_RELATIVE_DAYS = {"today": 0, "tomorrow": 1}
MAX_AHEAD = timedelta(days=3 * 366)
# Longer than any date, time or duration anyone types; reading more only costs time.
MAX_TYPED = 100


def parse_zone(name: str | None) -> ZoneInfo:
    """The time zone an organizer named: an IANA name ("America/Chicago") or a US abbreviation ("CT")."""
    text = (name or "UTC").strip()
    wanted = ZONE_ALIASES.get(text.lower(), text)
    try:
        return ZoneInfo(wanted)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        # OSError: a name that is a folder of the zone database ("America") or too long for a file name.
        raise TimeError(
            f"I don't know the time zone “{text[:40]}”. Use a name like `America/Chicago`, "
            "or ET, CT, MT, PT, AKT, HT or UTC."
        ) from error


def parse_when(text: str, *, now: datetime, zone: ZoneInfo = UTC_ZONE, what: str = "time") -> datetime:
    """Read a duration, a local date and time, or a Discord timestamp into an aware UTC datetime."""
    value = " ".join(text.strip().split())
    if not value:
        raise TimeError(f"The {what} is empty.")
    if len(value) > MAX_TYPED:
        raise TimeError(
            f"The {what} is too long to be a date and time: keep it under {MAX_TYPED} characters."
        )
    stamp = _DISCORD_TIMESTAMP.fullmatch(value)
    if stamp:
        moment: datetime | None = _from_timestamp(int(stamp.group(1)), what)
    else:
        moment = _duration(value, now) or _local(value, now, zone, what)
    if moment is None:
        raise TimeError(
            f"I could not read the {what}: “{value[:40]}” doesn't work as the {what}. Type a date and time like "
            f"`2026-12-01 17:00` or `12/01/2026 5pm` (in {zone_label(zone)}), `tomorrow 9am`, or a duration like "
            "`2d` or `3h 30m`."
        )
    if moment - now > MAX_AHEAD:
        raise TimeError(f"The {what} is more than three years away; please check the year.")
    return moment


def zone_label(zone: ZoneInfo) -> str:
    return "UTC" if zone.key == "UTC" else zone.key


def in_zone(moment: datetime, zone: ZoneInfo) -> str:
    """A time as the organizer typed it, in their zone: "2026-12-01 17:00 America/Chicago"."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {zone_label(zone)}"


def _from_timestamp(seconds: int, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise TimeError(f"That Discord timestamp is out of range for the {what}.") from error


def _duration(value: str, now: datetime) -> datetime | None:
    compact = value.lower().removeprefix("in ").strip()
    parts = _DURATION_PART.findall(compact)
    # Only amounts and units, joined by commas or "and"; "and" alone is not a duration of nothing.
    if not parts or _DURATION_PART.sub("", compact).replace(",", "").replace("and", "").strip():
        return None
    delta = timedelta()
    for amount, unit in parts:
        delta += timedelta(**{_DURATION_UNITS[unit[0].lower()]: int(amount)})
        if delta > MAX_AHEAD:
            return now + MAX_AHEAD + timedelta(days=1)  # refused with the three-year sentence
    return now + delta


def _local(value: str, now: datetime, zone: ZoneInfo, what: str) -> datetime | None:
    found = _split_date_time(_ISO_T.sub(r"\1 ", value), now, zone)
    if found is None:
        return None
    day, clock = found
    naive = datetime.combine(day, clock)
    local = naive.replace(tzinfo=zone)
    try:
        in_utc = local.astimezone(UTC)
        round_trip = in_utc.astimezone(zone).replace(tzinfo=None)
    except OverflowError as error:  # year 1 or 9999 pushed past the calendar by the zone's offset
        raise TimeError(
            f"{naive:%Y-%m-%d %H:%M} is out of range for the {what}; please check the year."
        ) from error
    # A time that a daylight-saving change skips (2:30 on the spring-forward night) does not exist there.
    if round_trip != naive:
        raise TimeError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone_label(zone)} (the clocks jump forward); "
            f"pick another {what}."
        )
    return in_utc


def _split_date_time(value: str, now: datetime, zone: ZoneInfo) -> tuple[date, time] | None:
    words = " ".join(value.replace(",", " ").split())
    lowered = words.lower()
    for word, offset in _RELATIVE_DAYS.items():
        if lowered == word or lowered.startswith(word + " "):
            clock = _clock(words[len(word) :].strip()) if len(words) > len(word) else time(9, 0)
            if clock is None:
                return None
            return (now.astimezone(zone).date() + timedelta(days=offset), clock)
    parts = words.split(" ")
    # Try every split between a date part and a time part: "Dec 1 2026 5:30 pm" has three and two words.
    for cut in range(len(parts), 0, -1):
        day = _day(" ".join(parts[:cut]))
        if day is None:
            continue
        rest = " ".join(parts[cut:])
        clock = _clock(rest) if rest else time(0, 0)
        if clock is not None:
            return (day, clock)
    return None


def _day(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar date, no time yet)
        except ValueError:
            continue
    return None


def _clock(text: str) -> time | None:
    compact = text.replace(" ", "").upper().replace(".", "")
    if compact in ("NOON",):
        return time(12, 0)
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(compact, pattern).time()  # noqa: DTZ007 (a wall-clock time of day)
        except ValueError:
            continue
    return None


class WhenTransformer(app_commands.Transformer):
    """A slash-command option that takes a time: read in the command's `timezone` option, if it has one."""

    async def transform(self, interaction: discord.Interaction, value: str) -> datetime:
        zone = parse_zone(getattr(interaction.namespace, "timezone", None))
        return parse_when(value, now=discord.utils.utcnow(), zone=zone)


When = app_commands.Transform[datetime, WhenTransformer]
