"""The library as a whole: the report's areas kept current, the starter library, and bulk files."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from bot.usecases import App, Work
from cogs.resources import report
from cogs.resources import search as rules
from cogs.resources.seed import SEED_RESOURCES, SEED_VERSION
from cogs.resources.service.results import ResourceInfo, with_links
from db import disciplines as discipline_db
from db import resources as store

log = logging.getLogger(__name__)


def area_rows() -> list[store.AreaRow]:
    """The area table as the report data describes it, in reading order."""
    return [
        store.AreaRow(
            key=area.key,
            chapter_number=area.chapter_number,
            principle_id=report.chapter(area.chapter_number).principle_ids[0],
            title=area.title,
            position=position,
        )
        for position, area in enumerate(report.all_areas())
    ]


async def sync_report(app: App) -> bool:
    """Bring the area table in step with the report data (at start-up); True when it changed."""
    async with app.work() as work:
        changed = await store.sync_areas(work.session, area_rows())
    if changed:
        log.info("Updated the recommendation areas from the report data")
    return changed


async def ensure_library(work: Work, guild_id: int) -> int:
    """Inside a use case: give the guild its starter library once per seed version; how many were added."""
    return await store.seed_guild(work.session, guild_id, work.now, SEED_RESOURCES, SEED_VERSION)


async def prepare_library(app: App, guild_id: int) -> int:
    """Give the guild its starter library the first time it is needed (idempotent)."""
    async with app.work() as work:
        added = await ensure_library(work, guild_id)
    if added:
        log.info("Seeded %d starter resources for guild %s", added, guild_id)
    return added


# ----------------------------------------------------------------------------- bulk files


class RowError(ValueError):
    """One row cannot be imported; the message says why."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: how many resources it added and which rows it refused, by line."""

    imported: int
    rejected: list[tuple[int, str]]

    def lines(self) -> list[str]:
        out = [f"Imported {self.imported} resource{'s' if self.imported != 1 else ''}."]
        if self.rejected:
            out.append(f"Rejected {len(self.rejected)} row{'s' if len(self.rejected) != 1 else ''}:")
            out.extend(f"  line {line}: {reason}" for line, reason in self.rejected)
        return out


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One row of a file, as read: its line and its cells by column name."""

    line: int
    cells: dict[str, object]


def _split(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).replace(",", ";").split(";") if part.strip()]


def _links(cells: dict[str, object], disciplines: dict[str, int]) -> tuple[list[str], list[str], list[int]]:
    area_keys: list[str] = []
    principle_ids: list[str] = []
    for value in _split(cells.get("recommendations")):
        wanted = rules.parse_recommendation(value)
        if wanted is None:
            raise RowError(f"unknown recommendation {value!r}")
        if wanted.kind == "principle":
            principle_ids.append(wanted.value)
        else:
            area_keys.extend(wanted.area_keys())
    discipline_ids = []
    for value in _split(cells.get("disciplines")):
        found = disciplines.get(value.casefold()) or disciplines.get(value)
        if found is None:
            raise RowError(f"unknown discipline {value!r}")
        discipline_ids.append(found)
    return area_keys, principle_ids, discipline_ids


async def _import_row(
    work: Work, guild_id: int, cells: dict[str, object], disciplines: dict[str, int], seen: dict[str, int]
) -> str:
    """Add one row's resource; return its address key; RowError when the row is refused."""
    title = str(cells.get("title") or "").strip()
    if len(title) < 3:
        raise RowError("the title is missing or shorter than 3 characters")
    if len(title) > store.TITLE_MAX:
        raise RowError(f"the title is longer than {store.TITLE_MAX} characters")
    try:
        url = store.check_url(str(cells.get("url") or ""))
        key = store.normalize_url(url)
    except store.InvalidUrl as error:
        raise RowError(str(error)) from None
    if key in seen:
        raise RowError(f"the same address as line {seen[key]}")
    kind_text = str(cells.get("kind") or "").strip()
    kind = rules.parse_kind(kind_text) if kind_text else "other"
    if kind is None:
        raise RowError(f"unknown kind {kind_text!r} (use one of: {', '.join(rules.KINDS)})")
    area_keys, principle_ids, discipline_ids = _links(cells, disciplines)
    try:
        await store.create_resource(
            work.session,
            guild_id,
            title=title,
            url=url,
            summary=str(cells.get("summary") or ""),
            publisher=str(cells.get("publisher") or ""),
            kind=kind,
            status="approved",
            area_keys=area_keys,
            principle_ids=principle_ids,
            discipline_ids=discipline_ids,
            now=work.now,
        )
    except store.DuplicateResource as duplicate:
        existing = duplicate.existing
        raise RowError(f"already in the library as #{existing.id} {existing.title!r}") from None
    return key


async def import_rows(app: App, *, guild_id: int, rows: Iterable[ImportRow]) -> ImportReport:
    """Import every good row into the guild, approved; report the bad ones by line."""
    imported = 0
    rejected: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    async with app.work() as work:
        # Areas and the default disciplines, not the starter library: a file is imported as it is.
        await store.sync_areas(work.session, area_rows())
        await discipline_db.seed_defaults(work.session, guild_id, work.now)
        disciplines = await store.disciplines_by_key(work.session, guild_id)
        for row in rows:
            try:
                key = await _import_row(work, guild_id, row.cells, disciplines, seen)
            except RowError as error:
                rejected.append((row.line, str(error)))
                continue
            seen[key] = row.line
            imported += 1
    return ImportReport(imported, rejected)


async def library(app: App, *, guild_id: int) -> tuple[ResourceInfo, ...]:
    """The guild's approved resources with their links, oldest first (for export and the link check)."""
    async with app.work() as work:
        rows = await store.all_resources(work.session, guild_id)
        return await with_links(work, rows)
