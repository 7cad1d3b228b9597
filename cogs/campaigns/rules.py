"""Campaign rules with no Discord or database in them: limits, schedules, needs, tallies, files."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
SLOT_NAME_MAX = 80
CAPACITY_MIN = 1
CAPACITY_MAX = 500
# Twenty join buttons fill four action rows; the fifth holds "Withdraw".
SLOTS_MAX = 20
LINKS_MAX = 10
DEFAULT_OFFER_HOURS = 24
OFFER_HOURS_MAX = 24 * 7
REMINDER_HOURS: tuple[int, ...] = (24, 1)
# How many names a card shows per slot before "and N more" (an embed field holds 1024 characters).
NAMES_SHOWN = 15
# Discord refuses a message whose allowed_mentions lists more than 100 users.
MENTIONS_PER_MESSAGE = 90


class CampaignRuleError(ValueError):
    """Input that breaks a campaign rule; the message is a sentence for the organizer or member."""


@dataclass(frozen=True)
class Schedule:
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime


def check_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise CampaignRuleError("The campaign needs a title.")
    if len(cleaned) > TITLE_MAX:
        raise CampaignRuleError(
            f"The title is {len(cleaned)} characters long; keep it to {TITLE_MAX} or fewer."
        )
    return cleaned


def check_schedule(starts_at: datetime, ends_at: datetime, deadline: datetime, now: datetime) -> Schedule:
    """Refuse a campaign that ends before it starts, or whose sign-ups close after it starts."""
    if ends_at <= starts_at:
        raise CampaignRuleError("The campaign must end after it starts: check the end time.")
    if deadline > starts_at:
        raise CampaignRuleError("The sign-up deadline must be no later than the start.")
    if deadline <= now:
        raise CampaignRuleError("The sign-up deadline is already past; pick a later one.")
    return Schedule(starts_at, ends_at, deadline)


def check_capacity(capacity: int, taken: int = 0) -> int:
    if not CAPACITY_MIN <= capacity <= CAPACITY_MAX:
        raise CampaignRuleError(
            f"A slot holds between {CAPACITY_MIN} and {CAPACITY_MAX} people; {capacity} is outside that."
        )
    if capacity < taken:
        raise CampaignRuleError(
            f"{taken} places in that slot are already taken, so its capacity cannot go below {taken}. "
            "Ask people to withdraw first."
        )
    return capacity


def check_offer_hours(hours: int) -> int:
    if not 1 <= hours <= OFFER_HOURS_MAX:
        raise CampaignRuleError(
            f"The window to accept an offer must be between 1 and {OFFER_HOURS_MAX} hours."
        )
    return hours


def reminder_times(
    starts_at: datetime, now: datetime, hours: Iterable[int] = REMINDER_HOURS
) -> dict[int, datetime]:
    """The reminders still ahead of us, keyed by hours before the start."""
    return {h: starts_at - timedelta(hours=h) for h in hours if starts_at - timedelta(hours=h) > now}


# ------------------------------------------------------------------------------------------ needs

_NEED = re.compile(r"^\s*(\d+)\s*(?:x\s*)?(.+?)\s*$", re.IGNORECASE)


def parse_needs(text: str | None) -> list[tuple[int, str]]:
    """Read "2 epidemiologists, 1 nurse" into [(2, "epidemiologists"), (1, "nurse")]."""
    if not text or not text.strip():
        return []
    needs = []
    for part in re.split(r"[,;\n]+", text):
        if not part.strip():
            continue
        match = _NEED.match(part)
        if match is None:
            raise CampaignRuleError(
                f'I could not read {part.strip()!r}: write needs like "2 epidemiologists".'
            )
        count = int(match.group(1))
        if not 1 <= count <= CAPACITY_MAX:
            raise CampaignRuleError(f"{count} is not a sensible number of people for {match.group(2)!r}.")
        needs.append((count, match.group(2)))
    return needs


def _prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def match_discipline(text: str, names: Sequence[str]) -> str | None:
    """The catalog name that "epidemiologists" or "nurses" means, if exactly one fits well enough."""
    wanted = [w for w in re.findall(r"[a-z]+", text.casefold()) if len(w) > 2]
    if not wanted:
        return None
    for name in names:
        if name.casefold() == text.strip().casefold():
            return name
    scored: list[tuple[int, str]] = []
    for name in names:
        words = re.findall(r"[a-z]+", name.casefold())
        best = 0
        for query in wanted:
            for word in words:
                common = _prefix(query, word)
                if common >= 4 and common >= 0.6 * min(len(query), len(word)):
                    best = max(best, common)
        if best:
            scored.append((best, name))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


def unfilled_needs(
    needs: Mapping[int, int], confirmed_disciplines: Iterable[AbstractSet[int]]
) -> dict[int, int]:
    """For each needed discipline, how many more people with it the slot still lacks."""
    have: dict[int, int] = dict.fromkeys(needs, 0)
    for disciplines in confirmed_disciplines:
        for discipline_id in disciplines:
            if discipline_id in have:
                have[discipline_id] += 1
    return {d: needs[d] - have[d] for d in needs if needs[d] > have[d]}


# ------------------------------------------------------------------------------------- roll call

READY, DECLINED, PENDING, SILENT = "ready", "declined", "pending", "silent"


@dataclass(frozen=True)
class Tally:
    ready: int
    declined: int
    waiting: int

    def line(self) -> str:
        return f"✅ Ready: {self.ready} · ❌ Can't make it: {self.declined} · ⏳ Not answered yet: {self.waiting}"


def tally(answers: Iterable[str]) -> Tally:
    values = list(answers)
    return Tally(
        ready=values.count(READY),
        declined=values.count(DECLINED),
        waiting=sum(1 for v in values if v in (PENDING, SILENT)),
    )


def mention_chunks(
    user_ids: Sequence[int], prefix: str, limit: int = 2000, per_message: int = MENTIONS_PER_MESSAGE
) -> list[tuple[str, list[int]]]:
    """Split mentions into messages that fit Discord's content limit and its 100 pinged users each."""
    chunks: list[tuple[str, list[int]]] = []
    current = prefix
    users: list[int] = []
    for user_id in (user_id for user_id in user_ids if user_id > 0):  # never ping a former member's stand-in
        mention = f"<@{user_id}>"
        if len(users) >= per_message or len(current) + len(mention) + 1 > limit:
            chunks.append((current, users))
            current, users = "", []
        current = f"{current} {mention}" if current else mention
        users.append(user_id)
    chunks.append((current, users))
    return chunks


# ---------------------------------------------------------------------------------------- files


def _ics_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold an iCalendar content line at 75 octets, as RFC 5545 asks."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def build_ics(
    *,
    uid: str,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    links: Sequence[tuple[str, str]] = (),
) -> str:
    """An iCalendar file with one event, times in UTC so every calendar shows local time."""
    body = description
    if links:
        body += "\n\n" + "\n".join(f"{name}: {url}" for name, url in links)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//LHD Coalition for Health Equity//Campaigns//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_ics_time(now)}",
        f"DTSTART:{_ics_time(starts_at)}",
        f"DTEND:{_ics_time(ends_at)}",
        f"SUMMARY:{_ics_escape(title)}",
        f"DESCRIPTION:{_ics_escape(body)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


EXPORT_HEADER = (
    "member",
    "discipline",
    "organization",
    "slot",
    "status",
    "signed up at",
    "roll-call answer",
    "username",
    "member id",
)


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def build_csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
