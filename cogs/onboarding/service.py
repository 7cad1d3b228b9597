"""Onboarding use cases: the flow's steps, finishing it, and the bookkeeping of what finishing owes.

Each function is one unit of work (`app.work()`) returning frozen results; nothing here speaks Discord.
The nudges (stall reminder, day-7 and day-30 follow-ups) and the retry of refused messages live in
`cogs/onboarding/nudges.py`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from bot.errors import UserFacingError
from bot.usecases import App, Work
from cogs.departments.service import department_for_text
from cogs.onboarding import steps
from cogs.profiles.service import ProfileCard, card_of
from db import departments, members
from db import disciplines as catalog
from db import onboarding as progress_db
from db.guilds import get_config
from db.onboarding import OnboardingProgress

REMINDER_KIND, FOLLOW_UP_KIND, DELIVERY_KIND = (
    "onboarding.reminder",
    "onboarding.followup",
    "onboarding.deliver",
)
# The member's answer to Confirm does the delivery at once; the job is the safety net for when that answer
# or a post fails, or the process stops half-way.
DELIVERY_GRACE = timedelta(minutes=2)
ALREADY_FINISHED = "You have already finished onboarding; `/profile edit` changes your details."
PICKS_LIMIT = 3


def reminder_key(guild_id: int, user_id: int) -> str:
    return f"onboarding.reminder:{guild_id}:{user_id}"


def follow_up_key(guild_id: int, user_id: int, day: int) -> str:
    return f"onboarding.followup:{guild_id}:{user_id}:{day}"


def delivery_key(guild_id: int, user_id: int) -> str:
    return f"onboarding.deliver:{guild_id}:{user_id}"


@dataclass(frozen=True, slots=True)
class FlowState:
    """Where a member is in the flow, with what the current step's message needs."""

    guild_id: int
    user_id: int
    step: str
    answers: Mapping[str, Any]
    finished: bool
    code_of_conduct: str | None
    catalog: tuple[tuple[int, str], ...]  # (discipline id, name), for the disciplines and summary steps


@dataclass(frozen=True, slots=True)
class Action:
    """What a flow button led to: `moved`, `stale`, `finished`, `form`, `page` or `confirm`."""

    outcome: str
    state: FlowState


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    id: int
    name: str
    role_id: int | None


@dataclass(frozen=True, slots=True)
class Completion:
    """A finished onboarding: what the member chose, for the roles and the answer."""

    guild_id: int
    user_id: int
    disciplines: tuple[CatalogEntry, ...]
    listed: bool


@dataclass(frozen=True, slots=True)
class ResourcePick:
    id: int
    title: str
    url: str
    summary: str


@dataclass(frozen=True, slots=True)
class Funnel:
    known: int
    started: int
    finished: int
    rows: tuple[steps.FunnelRow, ...]


# ----------------------------------------------------------------------------------- helpers


def optional_feature(module: str, name: str) -> Any:
    """A function from another feature's module, or None when that feature is not installed."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


async def state_of(work: Work, progress: OnboardingProgress) -> FlowState:
    config = await get_config(work.session, progress.guild_id)
    entries: tuple[tuple[int, str], ...] = ()
    if progress.step in (steps.DISCIPLINES, steps.SUMMARY):
        rows = await catalog.seed_defaults(work.session, progress.guild_id, work.now)
        entries = tuple((row.id, row.name) for row in rows if row.id is not None)
    return FlowState(
        guild_id=progress.guild_id,
        user_id=progress.user_id,
        step=progress.step,
        answers=MappingProxyType(dict(progress.answers or {})),
        finished=progress.finished,
        code_of_conduct=config.code_of_conduct,
        catalog=entries,
    )


async def _save(
    work: Work, progress: OnboardingProgress, key: str, value: Any, next_step: str | None
) -> None:
    """Store one answer as given and push the stall reminder back."""
    await progress_db.save_answer(work.session, progress, key, value, work.now, next_step=next_step)
    await work.reschedule(reminder_key(progress.guild_id, progress.user_id), work.now + steps.REMINDER_AFTER)


def _entry(row: Any) -> CatalogEntry:
    return CatalogEntry(id=int(row.id), name=str(row.name), role_id=row.role_id)


# ------------------------------------------------------------------------------ entry points


async def record_join(app: App, *, guild_id: int, user_id: int) -> bool:
    """Note that a member joined (listing them again if they had left); True when they already finished."""
    async with app.work() as work:
        progress = await progress_db.get_or_create_progress(
            work.session, guild_id, user_id, work.now, joined=True
        )
        await members.mark_returned(work.session, guild_id, user_id, work.now)
        return progress.finished


async def held_disciplines(app: App, *, guild_id: int, user_id: int) -> tuple[CatalogEntry, ...]:
    """The disciplines a member holds, with their roles (to give back to a returning member)."""
    async with app.work() as work:
        held = await catalog.member_discipline_ids(work.session, guild_id, user_id)
        rows = await catalog.list_disciplines(work.session, guild_id)
        return tuple(_entry(row) for row in rows if row.id in held)


async def is_finished(app: App, *, guild_id: int, user_id: int) -> bool:
    """Whether the member finished (a first look creates their progress, as `/onboard` always did)."""
    async with app.work() as work:
        progress = await progress_db.get_or_create_progress(work.session, guild_id, user_id, work.now)
        return progress.finished


async def begin(app: App, *, guild_id: int, user_id: int) -> FlowState:
    """Mark the flow started (scheduling the stall reminder the first time) and return where it is."""
    async with app.work() as work:
        progress = await progress_db.get_or_create_progress(work.session, guild_id, user_id, work.now)
        if not progress.finished:
            first = progress.started_at is None
            await progress_db.start(work.session, progress, work.now)
            if first:
                await work.schedule(
                    REMINDER_KIND,
                    reminder_key(guild_id, user_id),
                    work.now + steps.REMINDER_AFTER,
                    payload={"user_id": user_id},
                    guild_id=guild_id,
                )
        return await state_of(work, progress)


async def current_state(app: App, *, guild_id: int, user_id: int) -> FlowState:
    """Where the member is, without noting any activity."""
    async with app.work() as work:
        progress = await progress_db.get_or_create_progress(work.session, guild_id, user_id, work.now)
        return await state_of(work, progress)


async def note_dm(app: App, *, guild_id: int, user_id: int, closed: bool) -> None:
    async with app.work() as work:
        await progress_db.set_dm_closed(work.session, guild_id, user_id, closed)


async def claim_dm_notice(app: App, *, guild_id: int, user_id: int) -> bool:
    """True the first time only: the welcome channel hears about a member with closed DMs once."""
    async with app.work() as work:
        return await progress_db.claim_once(work.session, guild_id, user_id, "dm_notice_sent_at", work.now)


async def funnel(app: App, *, guild_id: int) -> Funnel:
    async with app.work() as work:
        known, started, finished, by_step = await progress_db.funnel_counts(work.session, guild_id)
    return Funnel(known, started, finished, tuple(steps.funnel(known, started, finished, by_step)))


# -------------------------------------------------------------------------------- the steps

# Buttons that only move the member on: the answer they record, and the step they lead to.
_MOVES: dict[str, tuple[str, str]] = {
    "begin": (steps.WELCOME, steps.CONDUCT),
    "agree": (steps.CONDUCT, steps.ABOUT),
    "diryes": (steps.DIRECTORY, steps.SUMMARY),
    "dirno": (steps.DIRECTORY, steps.SUMMARY),
}
# Buttons that move on without an answer: the picks were saved as they were made, and rewriting them from a
# copy read earlier could undo a pick saved a moment ago.
_CONTINUES = {"discdone": steps.INTERESTS, "intdone": steps.DIRECTORY, "edit": steps.ABOUT}


async def act(app: App, *, guild_id: int, user_id: int, action: str) -> Action:
    """Apply a flow button: move on a step, or say what the cog should show instead."""
    async with app.work() as work:
        progress = await progress_db.get_progress(work.session, guild_id, user_id)
        if progress is None:
            progress = await progress_db.get_or_create_progress(work.session, guild_id, user_id, work.now)
            return Action("moved", await state_of(work, progress))
        if progress.finished:
            return Action("finished", await state_of(work, progress))
        if not steps.action_fits(action, progress.step):
            # A button from an older message: show where the member really is, never redo a step.
            return Action("stale", await state_of(work, progress))
        outcome = "moved"
        if action in _MOVES:
            step, following = _MOVES[action]
            value: Any = {"agreed_at": work.now.isoformat()} if action == "agree" else "seen"
            if step == steps.DIRECTORY:
                value = action == "diryes"
            await _save(work, progress, step, value, following)
        elif action in _CONTINUES:
            await progress_db.set_step(work.session, progress, _CONTINUES[action], work.now)
        else:
            outcome = {"about": "form", "workplace": "form", "discpage": "page", "confirm": "confirm"}[action]
        return Action(outcome, await state_of(work, progress))


async def save_section(
    app: App, *, guild_id: int, user_id: int, section: str, values: Mapping[str, str | None]
) -> FlowState | None:
    """Save a profile form of the flow; None when the member is no longer at that step."""
    async with app.work() as work:
        progress = await progress_db.get_progress(work.session, guild_id, user_id)
        if progress is None or progress.finished or progress.step != section:
            return None
        await _save(work, progress, section, dict(values), steps.next_step(section))
        if section == steps.WORKPLACE:
            await _match_department(work, progress, values.get("organization"))
        return await state_of(work, progress)


async def _match_department(work: Work, progress: OnboardingProgress, organization: str | None) -> None:
    """Note the known department the typed organization clearly is (only where the server keeps a list)."""
    if not await departments.count_departments(work.session, progress.guild_id):
        return
    known = await department_for_text(work, progress.guild_id, organization)
    found = {"id": known.id, "name": known.name} if known else {"id": None, "name": None}
    await progress_db.save_answer(work.session, progress, steps.DEPARTMENT, found, work.now, next_step=None)


async def pick_disciplines(
    app: App, *, guild_id: int, user_id: int, page: int, picked: Iterable[str]
) -> FlowState | None:
    """Replace the picks of one page of the catalog; None when the member is not at that step."""
    async with app.work() as work:
        progress = await progress_db.get_progress(work.session, guild_id, user_id)
        if progress is None or progress.finished or progress.step != steps.DISCIPLINES:
            return None
        ids = [row.id for row in await catalog.seed_defaults(work.session, guild_id, work.now) if row.id]
        page_ids = set(steps.pages(ids)[steps.clamp_page(page, len(steps.pages(ids)))])
        wanted = {int(value) for value in picked if value.isdigit()}
        chosen = {int(i) for i in (progress.answers or {}).get(steps.DISCIPLINES) or []} & set(ids)
        chosen = steps.pick_on_page(chosen, page_ids, wanted)
        await _save(work, progress, steps.DISCIPLINES, sorted(chosen), None)
        return await state_of(work, progress)


async def pick_interests(app: App, *, guild_id: int, user_id: int, picked: Iterable[str]) -> FlowState | None:
    """Save the interests picked; None when the member is not at that step."""
    async with app.work() as work:
        progress = await progress_db.get_progress(work.session, guild_id, user_id)
        if progress is None or progress.finished or progress.step != steps.INTERESTS:
            return None
        await _save(work, progress, steps.INTERESTS, steps.known_interests(picked), None)
        return await state_of(work, progress)


# ------------------------------------------------------------------------------- completion


async def finish(app: App, *, guild_id: int, user_id: int) -> Completion:
    """Record completion with the profile and disciplines, and schedule all that finishing owes the member.

    The delivery (roles, introduction, resources) is scheduled in the same transaction, so it happens even
    when the answer to Confirm cannot be sent; the cog does it at once and then cancels the job.
    """
    async with app.work() as work:
        if not await progress_db.claim_finish(work.session, guild_id, user_id, work.now):
            raise UserFacingError(ALREADY_FINISHED)
        progress = await progress_db.get_progress(work.session, guild_id, user_id)
        assert progress is not None  # claim_finish just updated its row
        answers = dict(progress.answers or {})
        by_id = {row.id: row for row in await catalog.seed_defaults(work.session, guild_id, work.now)}
        chosen = {int(i) for i in answers.get(steps.DISCIPLINES) or [] if int(i) in by_id}
        profile = await members.get_or_create_profile(work.session, guild_id, user_id, work.now)
        await members.update_profile(
            work.session,
            profile,
            work.now,
            **(answers.get(steps.ABOUT) or {}),
            **(answers.get(steps.WORKPLACE) or {}),
            interests=steps.known_interests(answers.get(steps.INTERESTS) or []),
            directory_opt_in=bool(answers.get(steps.DIRECTORY)),
            left_at=None,
        )
        if profile.department_id is None:
            # A department picked with `/profile edit department:` meanwhile wins over the typed match.
            await _apply_department(work, profile, answers.get(steps.DEPARTMENT))
        # Disciplines tagged meanwhile with /discipline add or the panel are kept, not silently dropped.
        chosen |= await catalog.member_discipline_ids(work.session, guild_id, user_id) & set(by_id)
        await catalog.set_member_disciplines(work.session, guild_id, user_id, chosen, work.now)
        await work.cancel_job(reminder_key(guild_id, user_id))
        await work.cancel_jobs(reminder_key(guild_id, user_id) + ":")
        payload = {"user_id": user_id}
        for day in steps.FOLLOW_UP_DAYS:
            due = work.now + timedelta(days=day)
            key = follow_up_key(guild_id, user_id, day)
            await work.schedule(FOLLOW_UP_KIND, key, due, payload={**payload, "day": day}, guild_id=guild_id)
        due = work.now + DELIVERY_GRACE
        await work.schedule(
            DELIVERY_KIND, delivery_key(guild_id, user_id), due, payload=payload, guild_id=guild_id
        )
        entries = tuple(sorted((_entry(by_id[i]) for i in chosen), key=lambda e: e.name))
        return Completion(guild_id, user_id, entries, bool(profile.directory_opt_in))


async def _apply_department(work: Work, profile: members.MemberProfile, found: Any) -> None:
    department_id = found.get("id") if isinstance(found, dict) else None
    if isinstance(department_id, int) and await departments.get_department(
        work.session, profile.guild_id, department_id
    ):
        await members.update_profile(work.session, profile, work.now, department_id=department_id)


async def claim_introduction(app: App, *, guild_id: int, user_id: int) -> ProfileCard | None:
    """The card to introduce a listed member with, claimed once; None when there is nothing to post."""
    async with app.work() as work:
        profile = await members.get_profile(work.session, guild_id, user_id)
        if profile is None or not profile.directory_opt_in:
            return None
        if not await progress_db.claim_once(work.session, guild_id, user_id, "introduced_at", work.now):
            return None
        return await card_of(work, profile)


async def claim_welcome_picks(app: App, *, guild_id: int, user_id: int) -> bool:
    """Claim the resource picks of completion; False when they were already sent."""
    async with app.work() as work:
        return await progress_db.claim_once(work.session, guild_id, user_id, "picks_sent_at", work.now)


async def pick_resources(app: App, *, guild_id: int, user_id: int) -> tuple[ResourcePick, ...]:
    """Resources that fit the member's disciplines and interests, leaving out those already sent."""
    pick = optional_feature("db.resources", "pick_resources")
    if pick is None:
        return ()
    async with app.work() as work:
        profile = await members.get_profile(work.session, guild_id, user_id)
        progress = await progress_db.get_progress(work.session, guild_id, user_id)
        held = await catalog.member_discipline_ids(work.session, guild_id, user_id)
        sent = list(progress.sent_resource_ids or []) if progress else []
        interests = list(profile.interests or []) if profile else []
        rows = await pick(
            work.session,
            guild_id,
            discipline_ids=held,
            interests=interests,
            limit=PICKS_LIMIT,
            exclude_ids=sent,
        )
        return tuple(ResourcePick(int(r.id), str(r.title), str(r.url), str(r.summary or "")) for r in rows)


async def remember_sent(app: App, *, guild_id: int, user_id: int, resource_ids: Iterable[int]) -> None:
    """Note resources the member received, so that later follow-ups bring new ones."""
    async with app.work() as work:
        progress = await progress_db.get_progress(work.session, guild_id, user_id)
        if progress is not None:
            await progress_db.remember_sent(work.session, progress, list(resource_ids))


async def release(app: App, *, guild_id: int, user_id: int, flag: str) -> None:
    """Undo a one-time claim whose message Discord refused for now, so that the retry may send it."""
    async with app.work() as work:
        await progress_db.release(work.session, guild_id, user_id, flag)


async def delivered(app: App, *, guild_id: int, user_id: int) -> None:
    """Completion's delivery is done: its safety-net job is no longer needed."""
    async with app.work() as work:
        await work.cancel_job(delivery_key(guild_id, user_id))
        await work.cancel_jobs(delivery_key(guild_id, user_id) + ":")
