"""Poll rules that need neither Discord nor the database: options, closing times, ballot checks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import text

MIN_OPTIONS = 2
# One select menu holds 25 options: the most a poll can offer and still fit on its message.
MAX_OPTIONS = 25
# Buttons carry labels of at most 80 characters.
OPTION_MAX = 80
QUESTION_MAX = 200
# Single-choice polls with this many options or fewer get one button per option; more get a select.
BUTTONS_UP_TO = 5
MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=90)
KINDS = ("single", "multiple", "ranked")
DEPARTMENT_MODES = ("off", "replace", "refuse")

# Characters base 36 uses for option indexes 0..24 inside custom ids (one character per option).
_INDEX_DIGITS = "0123456789abcdefghijklmno"


class PollRuleError(ValueError):
    """Input that breaks a poll rule; the message is written for the organizer or member."""


def clean_question(value: str) -> str:
    """The poll's question as shown: cleaned by the shared validator, refused when nothing visible is left."""
    return text.POLL_QUESTION.clean(value)


def parse_options(typed: str) -> list[str]:
    """Split options typed as `A | B | C` (or one per line), refusing too few, too many, empty or repeated."""
    parts = [text.clean_text(part) for part in re.split(r"[|\n]", typed)]
    if any(not part for part in parts):
        if parts and not parts[-1] and all(parts[:-1]):
            parts = parts[:-1]  # a trailing separator is harmless
        else:
            raise PollRuleError("One of the options is empty. Separate options with `|`, like `Yes | No`.")
    if len(parts) < MIN_OPTIONS:
        raise PollRuleError("A poll needs at least 2 options. Separate them with `|`, like `Yes | No`.")
    if len(parts) > MAX_OPTIONS:
        raise PollRuleError(
            f"A poll can have at most {MAX_OPTIONS} options (that is what fits in one menu on the poll); "
            f"you gave {len(parts)}. Merge or drop {len(parts) - MAX_OPTIONS}."
        )
    too_long = [part for part in parts if len(part) > OPTION_MAX]
    if too_long:
        raise PollRuleError(
            f"Each option must be {OPTION_MAX} characters or fewer so it fits on a button; "
            f"“{too_long[0][:40]}…” has {len(too_long[0])}."
        )
    seen: set[str] = set()
    for part in parts:
        folded = text.option_key(part)
        if folded in seen:
            raise PollRuleError(f"The option “{part}” is listed twice. Each option must be different.")
        seen.add(folded)
    return parts


def check_closing_time(closes_at: datetime, now: datetime) -> datetime:
    """Refuse a closing time (read by `bot.timeparse`) that is under a minute away or over 90 days away."""
    if closes_at - now < MIN_DURATION:
        raise PollRuleError("The closing time must be at least a minute from now.")
    if closes_at - now > MAX_DURATION:
        raise PollRuleError("A poll can stay open for at most 90 days.")
    return closes_at


def check_ballot(kind: str, option_count: int, max_choices: int, choices: Sequence[int]) -> list[int]:
    """Validate a ballot against the poll's kind and return it as a clean list of indexes."""
    picked = list(choices)
    if not picked:
        raise PollRuleError("Pick at least one option.")
    if len(set(picked)) != len(picked):
        raise PollRuleError("Each option can be picked only once on a ballot.")
    if any(not 0 <= index < option_count for index in picked):
        raise PollRuleError("That option is not on this poll any more. Please vote again from the poll.")
    if kind == "single" and len(picked) != 1:
        raise PollRuleError("This poll takes exactly one choice.")
    if kind == "multiple" and len(picked) > max_choices:
        raise PollRuleError(f"This poll takes up to {max_choices} choices; you picked {len(picked)}.")
    return picked


def encode_picks(picks: Sequence[int]) -> str:
    """Option indexes as one character each, to carry a ranking in progress inside a custom id."""
    return "".join(_INDEX_DIGITS[index] for index in picks)


def decode_picks(code: str) -> list[int]:
    if any(char not in _INDEX_DIGITS for char in code):
        raise PollRuleError("That ranking was not made by this bot. Please start again from the poll.")
    return [_INDEX_DIGITS.index(char) for char in code]


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
