"""Profile use cases: showing a member's profile to whom may see it, and editing your own.

Each function is one unit of work (`app.work()`) returning frozen results; nothing here speaks Discord.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.errors import NotFound
from bot.usecases import App, Work
from cogs.departments.service import department_choice, department_for_text
from cogs.onboarding import steps
from db import departments, members
from db import disciplines as catalog
from db.members import MemberProfile

NO_OWN_PROFILE = "You have no profile yet: `/onboard` sets one up in about three minutes."
NOT_LISTED = "That member is not listed in the directory."


@dataclass(frozen=True, slots=True)
class ProfileCard:
    """A member's profile as shown: their own words, their disciplines' names, their directory choice."""

    user_id: int
    display_name: str | None
    organization: str | None
    jurisdiction: str | None
    state: str | None
    job_title: str | None
    pronouns: str | None
    interests: tuple[str, ...]
    listed: bool
    disciplines: tuple[str, ...]
    department: str | None = None  # the known health department, when the member has one

    def summary_fields(self) -> dict[str, str | None]:
        return {
            "Name": self.display_name,
            "Organization": self.organization,
            "Health department": self.department,
            "Jurisdiction": self.jurisdiction,
            "State": self.state,
            "Job title": self.job_title,
            "Pronouns": self.pronouns,
        }


async def card_of(work: Work, profile: MemberProfile) -> ProfileCard:
    """The card for a stored profile, with the names of the member's disciplines."""
    held = await catalog.member_discipline_ids(work.session, profile.guild_id, profile.user_id)
    names = sorted(
        row.name for row in await catalog.list_disciplines(work.session, profile.guild_id) if row.id in held
    )
    department = (
        await departments.get_department(work.session, profile.guild_id, profile.department_id)
        if profile.department_id is not None
        else None
    )
    return ProfileCard(
        user_id=profile.user_id,
        display_name=profile.display_name,
        organization=profile.organization,
        jurisdiction=profile.jurisdiction,
        state=profile.state,
        job_title=profile.job_title,
        pronouns=profile.pronouns,
        interests=tuple(profile.interests or ()),
        listed=bool(profile.directory_opt_in),
        disciplines=tuple(names),
        department=department.name if department else None,
    )


async def view_profile(app: App, *, guild_id: int, viewer_id: int, target_id: int) -> ProfileCard:
    """A profile: always your own, another's only while they are listed and still in the server."""
    async with app.work() as work:
        profile = await members.get_profile(work.session, guild_id, target_id)
        own = viewer_id == target_id
        if profile is None:
            raise NotFound(NO_OWN_PROFILE if own else NOT_LISTED)
        if not own and (not profile.directory_opt_in or profile.left_at is not None):
            raise NotFound(NOT_LISTED)
        return await card_of(work, profile)


async def set_listing(app: App, *, guild_id: int, user_id: int, listed: bool) -> None:
    """List the member in the directory, or take them out of it."""
    async with app.work() as work:
        profile = await members.get_or_create_profile(work.session, guild_id, user_id, work.now)
        await members.update_profile(work.session, profile, work.now, directory_opt_in=listed)


async def section_defaults(app: App, *, guild_id: int, user_id: int, section: str) -> dict[str, str | None]:
    """What the member's form for one section starts with: their stored answers."""
    async with app.work() as work:
        profile = await members.get_profile(work.session, guild_id, user_id)
        if profile is None:
            return {}
        return {field.key: getattr(profile, field.key) for field in steps.PROFILE_SECTIONS[section]}


async def save_section(
    app: App, *, guild_id: int, user_id: int, values: Mapping[str, str | None]
) -> ProfileCard:
    """Save the checked fields of a profile form and return the profile as it now reads."""
    async with app.work() as work:
        profile = await members.get_or_create_profile(work.session, guild_id, user_id, work.now)
        changes: dict[str, object] = dict(values)
        if values.get("organization"):
            # A typed organization that clearly is a known department (its name or an alias) becomes it.
            known = await department_for_text(work, guild_id, values["organization"])
            if known is not None:
                changes["department_id"] = known.id
        await members.update_profile(work.session, profile, work.now, **changes)
        return await card_of(work, profile)


async def set_department(app: App, *, guild_id: int, user_id: int, department: str) -> ProfileCard:
    """Make the member's health department the one picked (an autocomplete id, or a name or alias)."""
    async with app.work() as work:
        row = await department_choice(work, guild_id, department)
        profile = await members.get_or_create_profile(work.session, guild_id, user_id, work.now)
        await members.update_profile(work.session, profile, work.now, department_id=row.id)
        return await card_of(work, profile)


async def own_interests(app: App, *, guild_id: int, user_id: int) -> tuple[str, ...]:
    async with app.work() as work:
        profile = await members.get_profile(work.session, guild_id, user_id)
        return tuple(profile.interests or ()) if profile else ()


async def set_interests(app: App, *, guild_id: int, user_id: int, picked: Iterable[str]) -> ProfileCard:
    """Make the member's interests exactly those picked (unknown values are dropped)."""
    async with app.work() as work:
        profile = await members.get_or_create_profile(work.session, guild_id, user_id, work.now)
        await members.update_profile(work.session, profile, work.now, interests=steps.known_interests(picked))
        return await card_of(work, profile)


async def mark_left(app: App, *, guild_id: int, user_id: int) -> None:
    """A member who left drops out of the directory; their history stays."""
    async with app.work() as work:
        await members.mark_left(work.session, guild_id, user_id, work.now)
