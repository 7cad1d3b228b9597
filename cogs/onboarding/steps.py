"""The onboarding flow's rules: its steps, what each asks, and how answers are checked. No Discord here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from bot import text
from cogs.resources.report import CHAPTERS
from db.members import (
    JOB_TITLE_MAX,
    JURISDICTION_MAX,
    NAME_MAX,
    ORGANIZATION_MAX,
    PRONOUNS_MAX,
    STATE_MAX,
)

T = TypeVar("T")

WELCOME, CONDUCT, ABOUT, WORKPLACE = "welcome", "conduct", "about", "workplace"
# Not a step of its own: the workplace step's match of the typed organization to a known department.
DEPARTMENT = "department"
DISCIPLINES, INTERESTS, DIRECTORY, SUMMARY, DONE = "disciplines", "interests", "directory", "summary", "done"
STEPS: tuple[str, ...] = (WELCOME, CONDUCT, ABOUT, WORKPLACE, DISCIPLINES, INTERESTS, DIRECTORY, SUMMARY)
STEP_TITLES = {
    WELCOME: "Welcome",
    CONDUCT: "Code of conduct",
    ABOUT: "About you",
    WORKPLACE: "Where you work",
    DISCIPLINES: "Your disciplines",
    INTERESTS: "Your interests",
    DIRECTORY: "Member directory",
    SUMMARY: "Check and confirm",
}

REMINDER_AFTER = timedelta(hours=24)
FOLLOW_UP_DAYS = (7, 30)
OPTIONS_PER_SELECT = 25  # Discord's limit on options in one select menu

WELCOME_TEXT = (
    "The Local Health Department National Coalition for Health Equity is a network open to every US local "
    "health department. Its members, from epidemiologists and nurses to planners, organizers and "
    "communicators, act together on the root causes of unequal health: the conditions in which people "
    "live, work and play. The coalition builds on the WHO Commission on Social Determinants of Health's "
    "report *Closing the Gap in a Generation*, runs coordinated media campaigns, and builds alliances "
    "with movements and peer agencies.\n\n"
    "**What I will ask** (about 3 minutes): to agree to the code of conduct; your name, organization or "
    "health department, jurisdiction, state and job title (pronouns if you like); your disciplines; the "
    "topics you care about; and whether to list you in the member directory. You can stop at any time "
    "and pick up where you left off with `/onboard`."
)

DEFAULT_CODE_OF_CONDUCT = (
    "1. Treat every member with respect; assume good faith and disagree about ideas, not people.\n"
    "2. No harassment, discrimination or personal attacks of any kind.\n"
    "3. Keep what members share in confidence unless they say otherwise.\n"
    "4. Data about people stays de-identified; never post protected health information.\n"
    "5. Speak for yourself, not for your employer, unless you are authorized to.\n"
    "6. Organizers may remove content or members that break these rules."
)

OBJECTIVES: tuple[tuple[int, str], ...] = (
    (1, "Support, dialogue, guidance and information among members"),
    (2, "Strategies for the WHO Commission's recommendations"),
    (3, "Engaging the public through coordinated media campaigns"),
    (4, "Alliances with social movements and peer agencies"),
)


@dataclass(frozen=True)
class InterestOption:
    value: str  # stored in MemberProfile.interests: "chapter:6", "objective:2"
    label: str


def interest_options() -> tuple[InterestOption, ...]:
    """The report's recommendation chapters, then the coalition's objectives."""
    chapters = tuple(
        InterestOption(f"chapter:{chapter.number}", f"Ch. {chapter.number} · {chapter.title}")
        for chapter in CHAPTERS
    )
    objectives = tuple(
        InterestOption(f"objective:{number}", f"Objective {number} · {text}") for number, text in OBJECTIVES
    )
    return chapters + objectives


def interest_label(value: str) -> str:
    return next((option.label for option in interest_options() if option.value == value), value)


def known_interests(values: Iterable[str]) -> list[str]:
    """Keep only interests that exist, in the catalog's order."""
    wanted = set(values)
    return [option.value for option in interest_options() if option.value in wanted]


# ------------------------------------------------------------------------------------------ steps


def next_step(step: str) -> str:
    """The step after this one (the summary is followed by done)."""
    if step == SUMMARY:
        return DONE
    return STEPS[STEPS.index(step) + 1]


def step_number(step: str) -> str:
    """'Step 3 of 8', for the top of each message."""
    if step not in STEPS:
        return ""
    return f"Step {STEPS.index(step) + 1} of {len(STEPS)}"


# Which button or select belongs to which step: a click from an older message shows the current step.
ACTION_STEP = {
    "begin": WELCOME,
    "agree": CONDUCT,
    "about": ABOUT,
    "workplace": WORKPLACE,
    "discpage": DISCIPLINES,
    "discdone": DISCIPLINES,
    "intdone": INTERESTS,
    "diryes": DIRECTORY,
    "dirno": DIRECTORY,
    "confirm": SUMMARY,
    "edit": SUMMARY,
}


def action_fits(action: str, current_step: str) -> bool:
    return ACTION_STEP.get(action) == current_step


def deserves_reminder(
    *, took_step: bool, welcomed_on_join: bool, organizer: bool, joined_before_bot: bool
) -> bool:
    """A stall reminder is for someone who started and stalled.

    Taking a step (past the welcome) is starting. So is the welcome DM of a newcomer the bot saw join, but not
    for an organizer (who set the server up and got it as a side effect) nor for a member who was in the
    server before the bot came.
    """
    if took_step:
        return True
    return welcomed_on_join and not organizer and not joined_before_bot


# ------------------------------------------------------------------------------- profile fields


@dataclass(frozen=True)
class ProfileField:
    key: str  # the MemberProfile attribute
    label: str
    max_length: int
    required: bool
    placeholder: str


ABOUT_FIELDS: tuple[ProfileField, ...] = (
    ProfileField("display_name", "Your name", NAME_MAX, True, "e.g. Dana Whitfield"),
    ProfileField("job_title", "Job title", JOB_TITLE_MAX, True, "e.g. Health equity coordinator"),
    ProfileField("pronouns", "Pronouns (optional)", PRONOUNS_MAX, False, "e.g. she/her"),
)
WORKPLACE_FIELDS: tuple[ProfileField, ...] = (
    ProfileField(
        "organization",
        "Organization or health department",
        ORGANIZATION_MAX,
        True,
        "e.g. Travis County Health Department",
    ),
    ProfileField("jurisdiction", "Jurisdiction you serve", JURISDICTION_MAX, True, "e.g. Travis County"),
    ProfileField("state", "State", STATE_MAX, True, "e.g. Texas"),
)
PROFILE_SECTIONS = {ABOUT: ABOUT_FIELDS, WORKPLACE: WORKPLACE_FIELDS}


def validate_fields(
    fields: Sequence[ProfileField], values: Mapping[str, str | None]
) -> tuple[dict[str, str | None], list[str]]:
    """Strip each value and check it; return (clean values, one clear sentence per problem)."""
    clean: dict[str, str | None] = {}
    problems: list[str] = []
    for field in fields:
        # The same cleaning as every other typed text: invisible and direction-changing characters go.
        value = text.clean_text(values.get(field.key) or "")
        if not value:
            if field.required:
                problems.append(f"**{field.label}** is required: please fill it in.")
            clean[field.key] = None
            continue
        if len(value) > field.max_length:
            problems.append(
                f"**{field.label}** is {len(value)} characters long; please keep it to {field.max_length} "
                "(an abbreviation is fine)."
            )
            continue
        clean[field.key] = value
    return clean, problems


# ---------------------------------------------------------------------------- disciplines pages


def pages(items: Sequence[T], size: int = OPTIONS_PER_SELECT) -> list[list[T]]:
    """Split into pages of at most `size` (one select menu each); an empty list is one empty page."""
    return [list(items[start : start + size]) for start in range(0, len(items), size)] or [[]]


def clamp_page(page: int, page_count: int) -> int:
    return max(0, min(page, page_count - 1))


def pick_on_page(chosen: set[int], page_ids: set[int], picked: set[int]) -> set[int]:
    """A select shows one page: what is picked there replaces that page's part of the choice."""
    return (chosen - page_ids) | (picked & page_ids)


def toggle(current: set[int], picked: set[int]) -> tuple[set[int], set[int]]:
    """The panel toggles: picking a discipline you have removes it. Return (to add, to remove)."""
    return picked - current, picked & current


# ------------------------------------------------------------------------------------- funnel


@dataclass(frozen=True)
class FunnelRow:
    label: str
    count: int


def funnel(known: int, started: int, finished: int, stalled_by_step: Mapping[str, int]) -> list[FunnelRow]:
    """Joined → started → each step where unfinished members stopped → finished."""
    rows = [FunnelRow("Joined", known), FunnelRow("Started", started)]
    rows += [FunnelRow(f"Stopped at: {STEP_TITLES[step]}", stalled_by_step.get(step, 0)) for step in STEPS]
    rows.append(FunnelRow("Finished", finished))
    return rows


def bar(count: int, total: int, width: int = 16) -> str:
    if total <= 0:
        return ""
    filled = round(width * count / total)
    return "█" * filled + "░" * (width - filled)
