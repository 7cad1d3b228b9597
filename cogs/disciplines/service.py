"""Discipline use cases: the catalog, members' tags, the directory, role mappings and posted panels.

Each function is one unit of work (`app.work()`) and returns frozen results; nothing here speaks Discord.
Giving and taking the roles themselves is the cog's part (`cogs/disciplines/roles.py`), after these return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from discord.utils import escape_markdown, escape_mentions  # text helpers only; no Discord call here

from bot.errors import NotFound, UserFacingError
from bot.text import DISCIPLINE_NAME
from bot.usecases import App, Work
from db import disciplines as catalog
from db.disciplines import DISCIPLINE_NAME_MAX, Discipline, slugify
from db.members import MemberProfile


@dataclass(frozen=True, slots=True)
class DisciplineEntry:
    """One discipline of a guild's catalog and the role mapped to it (None until one is made or mapped)."""

    id: int
    name: str
    role_id: int | None


@dataclass(frozen=True, slots=True)
class CatalogLine:
    discipline: DisciplineEntry
    members: int
    mine: bool


@dataclass(frozen=True, slots=True)
class Retag:
    """A member's disciplines after a change: what was added and removed, and the catalog it was read from."""

    added: tuple[DisciplineEntry, ...]
    removed: tuple[DisciplineEntry, ...]
    catalog: tuple[DisciplineEntry, ...]


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    user_id: int
    display_name: str
    pronouns: str | None
    job_title: str
    organization: str
    jurisdiction: str
    state: str


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    """One page of a discipline's opted-in directory; `number` is clamped to the pages that exist."""

    discipline: DisciplineEntry
    entries: tuple[DirectoryEntry, ...]
    total: int
    number: int
    count: int


@dataclass(frozen=True, slots=True)
class Renamed:
    discipline: DisciplineEntry
    old_name: str


@dataclass(frozen=True, slots=True)
class RoleMapping:
    """The role a discipline hands out, and whether the bot created it (else an organizer mapped it, or it
    was adopted by name before mappings were recorded)."""

    role_id: int | None
    created_by_bot: bool


@dataclass(frozen=True, slots=True)
class Mapped:
    """A discipline mapped to an organizer's role: the role it had before, and who holds the discipline."""

    discipline: DisciplineEntry
    previous_role_id: int | None
    holders: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PostedPanel:
    channel_id: int
    message_id: int


def _entry(row: Discipline) -> DisciplineEntry:
    if row.id is None:
        raise RuntimeError("a discipline read from the database has no id")
    return DisciplineEntry(id=row.id, name=row.name, role_id=row.role_id)


def clean_name(name: str) -> str:
    """A typed discipline name cleaned (bot/text.py); refuses blank, too long, or without letters or digits."""
    clean = DISCIPLINE_NAME.clean(name)
    if not slugify(clean):
        raise UserFacingError(
            f"A discipline name needs letters or digits and at most {DISCIPLINE_NAME_MAX} characters."
        )
    return clean


def _quoted(name: str) -> str:
    """A typed name made harmless to show in a refusal: markdown shown literally, mentions that cannot ping."""
    return escape_mentions(escape_markdown(name))


async def _seeded(work: Work, guild_id: int) -> list[Discipline]:
    return await catalog.seed_defaults(work.session, guild_id, work.now)


async def _find(work: Work, guild_id: int, name: str) -> Discipline:
    await _seeded(work, guild_id)
    found = await catalog.find_discipline(work.session, guild_id, name)
    if found is None:
        raise NotFound(f"There is no discipline called “{_quoted(name)}”. `/discipline list` shows them all.")
    return found


async def _get(work: Work, guild_id: int, discipline_id: int) -> Discipline:
    found = await catalog.get_discipline(work.session, guild_id, discipline_id)
    if found is None:
        raise NotFound("That discipline no longer exists; `/discipline list` shows the current ones.")
    return found


# ----------------------------------------------------------------------------- reading the catalog


async def list_catalog(app: App, guild_id: int) -> tuple[DisciplineEntry, ...]:
    """The guild's catalog by name (seeding the defaults the first time)."""
    async with app.work() as work:
        return tuple(_entry(row) for row in await _seeded(work, guild_id))


async def find(app: App, guild_id: int, name: str) -> DisciplineEntry:
    """The discipline with this name, ignoring case and punctuation; NotFound otherwise."""
    async with app.work() as work:
        return _entry(await _find(work, guild_id, name))


async def held_by(app: App, guild_id: int, user_id: int) -> frozenset[int]:
    """The ids of the member's disciplines."""
    async with app.work() as work:
        return frozenset(await catalog.member_discipline_ids(work.session, guild_id, user_id))


async def suggest(
    app: App, guild_id: int, typed: str, *, held_by_user: int | None = None, limit: int = 25
) -> tuple[DisciplineEntry, ...]:
    """Disciplines whose name contains what was typed (only the member's own when `held_by_user` is set)."""
    wanted = typed.casefold().strip()
    async with app.work() as work:
        rows = await _seeded(work, guild_id)
        only = (
            await catalog.member_discipline_ids(work.session, guild_id, held_by_user)
            if held_by_user is not None
            else None
        )
    matches = [row for row in rows if wanted in row.name.casefold() and (only is None or row.id in only)]
    return tuple(_entry(row) for row in matches[:limit])


async def overview(app: App, guild_id: int, user_id: int) -> tuple[CatalogLine, ...]:
    """Every discipline, how many current members hold it, and whether the caller does."""
    async with app.work() as work:
        rows = await _seeded(work, guild_id)
        counts = await catalog.member_counts(work.session, guild_id)
        mine = await catalog.member_discipline_ids(work.session, guild_id, user_id)
        return tuple(CatalogLine(_entry(row), counts.get(row.id or 0, 0), row.id in mine) for row in rows)


# ----------------------------------------------------------------------------- members' tags


async def add_to_member(app: App, *, guild_id: int, user_id: int, name: str) -> DisciplineEntry:
    """Tag the member with a discipline; refused when they already have it."""
    async with app.work() as work:
        found = _entry(await _find(work, guild_id, name))
        if not await catalog.add_member_discipline(work.session, guild_id, user_id, found.id, work.now):
            raise UserFacingError(f"You already have {_quoted(found.name)}.")
        return found


async def remove_from_member(app: App, *, guild_id: int, user_id: int, name: str) -> DisciplineEntry:
    """Untag the member; refused when they do not have it."""
    async with app.work() as work:
        found = _entry(await _find(work, guild_id, name))
        if not await catalog.remove_member_discipline(work.session, guild_id, user_id, found.id):
            raise UserFacingError(f"You do not have {_quoted(found.name)}; `/discipline list` shows yours.")
        return found


async def toggle_for_member(app: App, *, guild_id: int, user_id: int, picked: Iterable[int]) -> Retag:
    """Picked from a panel: add what the member lacks, remove what they hold (unknown ids are ignored)."""
    async with app.work() as work:
        rows = {row.id: row for row in await _seeded(work, guild_id)}
        chosen = {number for number in picked if number in rows}
        if not chosen:
            raise NotFound("Those disciplines no longer exist; ask an organizer to post a fresh panel.")
        held = await catalog.member_discipline_ids(work.session, guild_id, user_id)
        added = sorted((rows[i] for i in chosen - held), key=lambda d: d.name)
        removed = sorted((rows[i] for i in chosen & held), key=lambda d: d.name)
        for row in added:
            await catalog.add_member_discipline(work.session, guild_id, user_id, row.id or 0, work.now)
        for row in removed:
            await catalog.remove_member_discipline(work.session, guild_id, user_id, row.id or 0)
        return Retag(
            added=tuple(_entry(row) for row in added),
            removed=tuple(_entry(row) for row in removed),
            catalog=tuple(_entry(row) for row in rows.values()),
        )


async def follow_role_changes(
    app: App, *, guild_id: int, user_id: int, gained: set[int], lost: set[int]
) -> None:
    """Roles given or taken by hand in Discord: tag or untag the member for the disciplines they map to."""
    async with app.work() as work:
        for row in await catalog.disciplines_by_role(work.session, guild_id, gained):
            await catalog.add_member_discipline(work.session, guild_id, user_id, row.id or 0, work.now)
        for row in await catalog.disciplines_by_role(work.session, guild_id, lost):
            await catalog.remove_member_discipline(work.session, guild_id, user_id, row.id or 0)


async def catch_up_roles(
    app: App,
    *,
    guild_id: int,
    present: frozenset[int],
    role_holders: dict[int, frozenset[int]],
    absence_means_removed: frozenset[int],
) -> Retag:
    """Roles given or taken by hand while the bot was offline: tag and untag present members to match.

    `role_holders` maps each role to the members who hold it now. A member tagged but without the role is
    untagged only for roles in `absence_means_removed` (roles the bot can give): when the bot could not give
    a role, its absence says nothing about the member's choice.
    """
    added: list[DisciplineEntry] = []
    removed: list[DisciplineEntry] = []
    async with app.work() as work:
        for row in await catalog.list_disciplines(work.session, guild_id):
            if row.role_id is None or row.role_id not in role_holders or row.id is None:
                continue
            holding = role_holders[row.role_id]
            tagged = set(await catalog.holders(work.session, guild_id, row.id)) & present
            for user_id in sorted(holding - tagged):
                await catalog.add_member_discipline(work.session, guild_id, user_id, row.id, work.now)
                added.append(_entry(row))
            if row.role_id in absence_means_removed:
                for user_id in sorted(tagged - holding):
                    await catalog.remove_member_discipline(work.session, guild_id, user_id, row.id)
                    removed.append(_entry(row))
        return Retag(added=tuple(added), removed=tuple(removed), catalog=())


# ----------------------------------------------------------------------------- the directory


async def directory_page(
    app: App, *, guild_id: int, discipline_id: int, number: int, page_size: int
) -> DirectoryPage:
    """One page of the members of a discipline who chose to be listed (current members only)."""
    async with app.work() as work:
        discipline = _entry(await _get(work, guild_id, discipline_id))
        total = await catalog.directory_count(work.session, guild_id, discipline_id)
        count = max(1, -(-total // page_size))
        number = max(0, min(number, count - 1))
        profiles, total = await catalog.directory_page(
            work.session, guild_id, discipline_id, offset=number * page_size, limit=page_size
        )
        return DirectoryPage(discipline, tuple(_listed(p) for p in profiles), total, number, count)


def _listed(profile: MemberProfile) -> DirectoryEntry:
    return DirectoryEntry(
        user_id=profile.user_id,
        display_name=profile.display_name or "",
        pronouns=profile.pronouns,
        job_title=profile.job_title or "",
        organization=profile.organization or "",
        jurisdiction=profile.jurisdiction or "",
        state=profile.state or "",
    )


# ----------------------------------------------------------------------------- organizers' catalog edits


async def create(app: App, *, guild_id: int, actor_id: int, name: str) -> DisciplineEntry:
    """Add a discipline to the catalog (its role is made by the cog afterwards)."""
    clean = clean_name(name)
    async with app.work() as work:
        await _seeded(work, guild_id)
        created = await catalog.create_discipline(work.session, guild_id, clean, work.now)
        if created is None:
            raise UserFacingError(f"There is already a discipline called “{_quoted(clean)}”.")
        await work.audit(guild_id, actor_id, "discipline.create", clean)
        return _entry(created)


async def rename(app: App, *, guild_id: int, actor_id: int, name: str, new_name: str) -> Renamed:
    """Rename a discipline; refused when another one already has the new name."""
    clean = clean_name(new_name)
    async with app.work() as work:
        found = await _find(work, guild_id, name)
        old = found.name
        if not await catalog.rename_discipline(work.session, found, clean):
            raise UserFacingError(f"There is already a discipline called “{_quoted(clean)}”.")
        await work.audit(guild_id, actor_id, "discipline.rename", f"{old} → {clean}")
        return Renamed(_entry(found), old)


async def delete(app: App, *, guild_id: int, actor_id: int, name: str) -> DisciplineEntry:
    """Delete a discipline and every member's tag of it (the role stays in Discord)."""
    async with app.work() as work:
        found = await _find(work, guild_id, name)
        deleted = _entry(found)
        await catalog.delete_discipline(work.session, found)
        await work.audit(guild_id, actor_id, "discipline.delete", deleted.name)
        return deleted


async def map_role(app: App, *, guild_id: int, actor_id: int, name: str, role_id: int) -> Mapped:
    """Map a discipline to an existing role an organizer chose (the cog has checked the role is safe)."""
    async with app.work() as work:
        found = await _find(work, guild_id, name)
        previous = found.role_id
        if not await catalog.set_discipline_role(work.session, found, role_id, "mapped"):
            raise UserFacingError(
                f"<@&{role_id}> already belongs to another discipline; a role can stand for one discipline only."
            )
        holders = await catalog.holders(work.session, guild_id, found.id or 0)
        await work.audit(guild_id, actor_id, "discipline.map", f"{found.name} → <@&{role_id}>")
        return Mapped(_entry(found), previous if previous != role_id else None, tuple(holders))


# ----------------------------------------------------------------------------- roles the bot made


async def current_role(app: App, guild_id: int, discipline_id: int) -> RoleMapping:
    """The role now mapped to the discipline (another member's pick may have just made one)."""
    async with app.work() as work:
        found = await catalog.get_discipline(work.session, guild_id, discipline_id)
        if found is None or found.role_id is None:
            return RoleMapping(role_id=None, created_by_bot=False)
        return RoleMapping(role_id=found.role_id, created_by_bot=found.role_origin == "created")


async def record_created_role(app: App, *, guild_id: int, discipline_id: int, role_id: int) -> bool:
    """Remember the role the bot created for a discipline; False when that role is another's already."""
    async with app.work() as work:
        found = await catalog.get_discipline(work.session, guild_id, discipline_id)
        if found is None:
            return True
        return await catalog.set_discipline_role(work.session, found, role_id, "created")


async def forget_role(app: App, *, guild_id: int, role_id: int) -> int:
    """A role was deleted in Discord: its disciplines keep their members and get a new role later."""
    async with app.work() as work:
        return await catalog.detach_role(work.session, guild_id, role_id)


async def mapped_role_ids(app: App, guild_id: int) -> frozenset[int]:
    """Every role the catalog hands out in this guild."""
    async with app.work() as work:
        return frozenset(
            row.role_id for row in await catalog.list_disciplines(work.session, guild_id) if row.role_id
        )


async def report_role_problems(app: App, *, guild_id: int, user_id: int, problems: Iterable[str]) -> None:
    """Tell organizers, through the audit log and channel, each role the bot could not give and its fix."""
    async with app.work() as work:
        for problem in dict.fromkeys(problems):
            await work.audit(guild_id, None, "roles.failed", f"While giving roles to <@{user_id}>: {problem}")


# ----------------------------------------------------------------------------- panels


async def record_panel(
    app: App, *, guild_id: int, actor_id: int, channel_id: int, message_id: int, channel_name: str
) -> None:
    """Remember a posted panel (so catalog edits can redraw it) and audit the posting."""
    async with app.work() as work:
        await catalog.add_panel(work.session, guild_id, channel_id, message_id, work.now)
        await work.audit(guild_id, actor_id, "discipline.panel", f"#{channel_name}")


async def posted_panels(
    app: App, guild_id: int
) -> tuple[tuple[PostedPanel, ...], tuple[DisciplineEntry, ...]]:
    """The panels posted in this guild and the catalog they should show now."""
    async with app.work() as work:
        panels = tuple(
            PostedPanel(channel_id=row.channel_id, message_id=row.message_id)
            for row in await catalog.list_panels(work.session, guild_id)
        )
        return panels, tuple(_entry(row) for row in await _seeded(work, guild_id))


async def forget_panels(app: App, *, guild_id: int, message_ids: set[int]) -> int:
    """Stop redrawing panels whose message or channel was deleted."""
    async with app.work() as work:
        return await catalog.remove_panels(work.session, guild_id, message_ids)
