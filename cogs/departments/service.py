"""Department use cases: organizers keep the list of health departments, members find theirs in it.

Each public async function is one unit of work (`app.work()`) returning frozen results; `department_for_text`
and `department_choice` are helpers other features call inside their own unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import NotFound, UserFacingError
from bot.usecases import App, Work
from cogs.departments import rules
from db import departments as store
from db.departments import Department

PAGE_SIZE = 15
AUTOCOMPLETE_LIMIT = 25  # Discord's limit on autocomplete choices


@dataclass(frozen=True, slots=True)
class DepartmentEntry:
    id: int
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DepartmentPage:
    entries: tuple[DepartmentEntry, ...]
    number: int
    count: int
    total: int


@dataclass(frozen=True, slots=True)
class DepartmentChoice:
    """What autocomplete offers: the department's name (and the alias typed, when that matched)."""

    id: int
    label: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: tuple[str, ...]
    aliases_added: int
    unchanged: int
    rejected: tuple[rules.RejectedRow, ...]


def _entry(department: Department, aliases: Iterable[str]) -> DepartmentEntry:
    assert department.id is not None
    own = rules.department_key(department.name)
    others = tuple(alias for alias in aliases if rules.department_key(alias) != own)
    return DepartmentEntry(id=department.id, name=department.name, aliases=others)


async def department_for_text(work: Work, guild_id: int, text: str | None) -> Department | None:
    """The known department this name or alias clearly is (same folded spelling), or None."""
    key = rules.department_key(text or "")
    if not key:
        return None
    alias = await store.find_alias(work.session, guild_id, key)
    return await store.get_department(work.session, guild_id, alias.department_id) if alias else None


async def department_choice(work: Work, guild_id: int, ref: str) -> Department:
    """The department an autocomplete value (its id) or a typed name or alias names, or a clear refusal."""
    ref = ref.strip()
    department = await store.get_department(work.session, guild_id, int(ref)) if ref.isdigit() else None
    department = department or await department_for_text(work, guild_id, ref)
    if department is None:
        raise NotFound(
            f"I don't know a health department called “{rules.clean_name(ref)[:100]}” in this server. "
            "Start typing its name and pick it from the list; if it is missing, ask an organizer to add it."
        )
    return department


async def _claim(work: Work, department: Department, spellings: Iterable[str]) -> tuple[int, list[str]]:
    """Add the spellings not yet known as aliases of the department; return (added, taken by another)."""
    added, taken = 0, []
    for spelling in spellings:
        key = rules.department_key(spelling)
        existing = await store.find_alias(work.session, department.guild_id, key)
        if existing is None:
            await store.add_alias(work.session, department, spelling, key)
            added += 1
        elif existing.department_id != department.id:
            taken.append(spelling)
    return added, taken


async def _already_known(work: Work, guild_id: int, spelling: str) -> str | None:
    known = await department_for_text(work, guild_id, spelling)
    return known.name if known else None


async def add_department(
    app: App, *, guild_id: int, actor_id: int, name: str, aliases: str | None
) -> DepartmentEntry:
    """Add a health department with its aliases (organizers)."""
    name, spellings = rules.clean_name(name), rules.split_aliases(aliases)
    for spelling in (name, *spellings):
        if problem := rules.name_problem(spelling):
            raise UserFacingError(f"That department {problem}.")
    async with app.work() as work:
        for spelling in (name, *spellings):
            if known := await _already_known(work, guild_id, spelling):
                raise UserFacingError(
                    f"“{spelling}” already names **{known}**; add aliases to it with `/department alias`."
                )
        department = await store.add_department(work.session, guild_id, name, work.now)
        await _claim(work, department, (name, *spellings))
        await work.audit(guild_id, actor_id, "department.add", f"{name} ({len(spellings)} aliases)")
        return _entry(department, spellings)


async def add_alias(
    app: App, *, guild_id: int, actor_id: int, department: str, alias: str
) -> DepartmentEntry:
    """Let members find a department under one more spelling (organizers)."""
    alias = rules.clean_name(alias)
    if problem := rules.name_problem(alias):
        raise UserFacingError(f"That alias {problem}.")
    async with app.work() as work:
        row = await department_choice(work, guild_id, department)
        known = await _already_known(work, guild_id, alias)
        if known is not None and known != row.name:
            raise UserFacingError(f"“{alias}” already names **{known}**, so it cannot name {row.name} too.")
        if known is None:
            await _claim(work, row, [alias])
            await work.audit(guild_id, actor_id, "department.alias", f"{row.name}: {alias}")
        return await _entry_of(work, row)


async def _entry_of(work: Work, department: Department) -> DepartmentEntry:
    aliases = await store.list_aliases(work.session, department.guild_id)
    return _entry(department, [a.alias for a in aliases if a.department_id == department.id])


async def remove_department(app: App, *, guild_id: int, actor_id: int, department: str) -> str:
    """Remove a department and its aliases; members who named it are asked again when a poll needs it."""
    async with app.work() as work:
        row = await department_choice(work, guild_id, department)
        name = row.name
        await store.delete_department(work.session, row)
        await work.audit(guild_id, actor_id, "department.remove", name)
        return name


async def list_page(app: App, *, guild_id: int, number: int) -> DepartmentPage:
    """One page of the guild's departments, by name, with their aliases."""
    async with app.work() as work:
        departments = await store.list_departments(work.session, guild_id)
        aliases = await store.list_aliases(work.session, guild_id)
    total = len(departments)
    count = max(1, -(-total // PAGE_SIZE))
    number = max(0, min(number, count - 1))
    shown = departments[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
    entries = tuple(_entry(row, [a.alias for a in aliases if a.department_id == row.id]) for row in shown)
    return DepartmentPage(entries=entries, number=number, count=count, total=total)


async def suggest(app: App, *, guild_id: int, typed: str) -> tuple[DepartmentChoice, ...]:
    """Departments whose name or an alias contains what was typed (folded), best matches first."""
    typed_key, typed_plain = rules.department_key(typed), " ".join(rules.fold_words(typed))
    async with app.work() as work:
        departments = {row.id: row for row in await store.list_departments(work.session, guild_id)}
        aliases = await store.list_aliases(work.session, guild_id)
    found: dict[int, tuple[int, str]] = {}
    for alias in aliases:
        department = departments.get(alias.department_id)
        plain = " ".join(rules.fold_words(alias.alias))
        if department is None or (typed_plain not in plain and typed_key not in alias.normalized):
            continue
        rank = 0 if alias.normalized == typed_key else 1 if plain.startswith(typed_plain) else 2
        label = department.name if alias.alias == department.name else f"{department.name} ({alias.alias})"
        if alias.department_id not in found or rank < found[alias.department_id][0]:
            found[alias.department_id] = (rank, label)
    ordered = sorted(found.items(), key=lambda item: (item[1][0], item[1][1].casefold()))
    return tuple(DepartmentChoice(id=i, label=label) for i, (_, label) in ordered[:AUTOCOMPLETE_LIMIT])


async def import_csv(app: App, *, guild_id: int, actor_id: int, text: str) -> ImportReport:
    """Add the departments and aliases of a `name,aliases` CSV; rows already known change nothing."""
    rows, rejected = rules.parse_csv(text)
    added: list[str] = []
    aliases_added = unchanged = 0
    async with app.work() as work:
        for row in rows:
            department = await department_for_text(work, guild_id, row.name)
            if department is None:
                department = await store.add_department(work.session, guild_id, row.name, work.now)
                added.append(row.name)
                await _claim(work, department, [row.name])
            count, taken = await _claim(work, department, row.aliases)
            if taken:
                rejected.append(
                    rules.RejectedRow(row.line, f"alias “{taken[0]}” already names another department")
                )
            aliases_added += count
            unchanged += department.name not in added and count == 0
        await work.audit(
            guild_id,
            actor_id,
            "department.import",
            f"{len(added)} departments, {aliases_added} aliases, {len(rejected)} rows rejected",
        )
    rejected.sort(key=lambda r: r.line)
    return ImportReport(tuple(added), aliases_added, unchanged, tuple(rejected))
