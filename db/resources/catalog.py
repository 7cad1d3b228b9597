"""The library as a whole: the area table, the starter library, picks for newcomers, bulk reads.

What the report says and which resources a guild starts with belong to the feature; it hands them in
(`AreaRow`s, `SeedEntry`s), so storage never depends on a feature's data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db import disciplines as discipline_db
from db import state
from db.resources.library import link
from db.resources.models import RecommendationArea, Resource, ResourceArea, ResourceDiscipline
from db.resources.search import load_in_order
from db.resources.urls import check_url, normalize_url

# Coalition objectives (interests "objective:N") mapped to the action areas that serve them.
OBJECTIVE_AREAS: dict[int, tuple[str, ...]] = {
    1: ("16.d", "16.e"),
    2: ("10.a", "10.b", "10.c", "16.c"),
    3: ("16.f",),
    4: ("14.a", "14.b"),
}


@dataclass(frozen=True, slots=True)
class AreaRow:
    """One row of the area table, as the report data describes it."""

    key: str
    chapter_number: int
    principle_id: str
    title: str
    position: int


class SeedEntry(Protocol):
    """A starter resource as the feature describes it."""

    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def publisher(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def areas(self) -> tuple[str, ...]: ...
    @property
    def principles(self) -> tuple[str, ...]: ...
    @property
    def disciplines(self) -> tuple[str, ...]: ...


async def sync_areas(session: AsyncSession, rows: Sequence[AreaRow]) -> bool:
    """Make the area table match these rows (rows never removed: resources link to them); True if changed."""
    existing = {row.key: row for row in await session.scalars(select(RecommendationArea))}
    changed = False
    for wanted in rows:
        row = existing.get(wanted.key)
        if row is None:
            session.add(
                RecommendationArea(
                    key=wanted.key,
                    chapter_number=wanted.chapter_number,
                    principle_id=wanted.principle_id,
                    title=wanted.title,
                    position=wanted.position,
                )
            )
            changed = True
        elif astuple(wanted) != (row.key, row.chapter_number, row.principle_id, row.title, row.position):
            row.chapter_number, row.principle_id = wanted.chapter_number, wanted.principle_id
            row.title, row.position = wanted.title, wanted.position
            changed = True
    await session.flush()
    return changed


def _seed_key(guild_id: int) -> str:
    return f"resources.seed:{guild_id}"


async def seed_guild(
    session: AsyncSession, guild_id: int, now: datetime, entries: Iterable[SeedEntry], version: int
) -> int:
    """Give the guild the starter library once (per seed version); return how many entries were added.

    Entries an organizer removed stay removed, and an address already in the library is left alone,
    so running this again changes nothing.
    """
    if await state.get_value(session, _seed_key(guild_id)) == str(version):
        return 0
    defaults = await discipline_db.seed_defaults(session, guild_id, now)
    slugs = {d.slug: d.id for d in defaults if d.id is not None}
    present = set(
        await session.scalars(select(Resource.normalized_url).where(col(Resource.guild_id) == guild_id))
    )
    added = 0
    for entry in entries:
        key = normalize_url(entry.url)
        if key in present:
            continue
        resource = Resource(
            guild_id=guild_id,
            title=entry.title,
            url=check_url(entry.url),
            normalized_url=key,
            summary=entry.summary,
            kind=entry.kind,
            publisher=entry.publisher,
            status="approved",
            last_reviewed=now.date(),
            created_at=now,
        )
        session.add(resource)
        await session.flush()
        assert resource.id is not None  # flushed: the database gave it an id
        await link(
            session,
            resource.id,
            area_keys=entry.areas,
            principle_ids=entry.principles,
            discipline_ids={slugs[s] for s in entry.disciplines if s in slugs},
        )
        present.add(key)
        added += 1
    await state.set_value(session, _seed_key(guild_id), str(version))
    return added


def interest_areas(
    interests: Iterable[str], chapters: Mapping[int, Iterable[str]]
) -> tuple[set[str], set[str]]:
    """(areas of chosen chapters, areas serving chosen objectives) for onboarding interests."""
    chapter_areas: set[str] = set()
    objective_areas: set[str] = set()
    for interest in interests:
        kind, _, value = interest.partition(":")
        if kind == "chapter" and value.isdigit():
            chapter_areas.update(chapters.get(int(value), ()))
        elif kind == "objective" and value.isdigit():
            objective_areas.update(OBJECTIVE_AREAS.get(int(value), ()))
    return chapter_areas, objective_areas


async def _areas_by_chapter(session: AsyncSession) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for key, number in await session.execute(
        select(RecommendationArea.key, RecommendationArea.chapter_number)
    ):
        found.setdefault(number, []).append(key)
    return found


async def pick_resources(
    session: AsyncSession,
    guild_id: int,
    *,
    discipline_ids: set[int],
    interests: list[str],
    limit: int = 3,
    exclude_ids: Iterable[int] = (),
) -> list[Resource]:
    """Approved resources for a member: discipline and chapter matches first, then objectives, then the rest.

    `interests` hold "chapter:6" and "objective:2"; `exclude_ids` skips what the member already received
    (the day-7 and day-30 follow-ups). Deterministic: equal scores fall back to id.
    """
    chapter_areas, objective_areas = interest_areas(interests, await _areas_by_chapter(session))
    excluded = set(exclude_ids)
    approved = select(Resource.id).where(
        col(Resource.guild_id) == guild_id, col(Resource.status) == "approved"
    )
    candidates = [row_id for row_id in await session.scalars(approved) if row_id and row_id not in excluded]
    if not candidates or limit <= 0:
        return []
    links: dict[int, tuple[set[str], set[int]]] = {i: (set(), set()) for i in candidates}
    for resource_id, key in await session.execute(
        select(ResourceArea.resource_id, ResourceArea.area_key).where(
            col(ResourceArea.resource_id).in_(candidates)
        )
    ):
        links[resource_id][0].add(key)
    for resource_id, discipline_id in await session.execute(
        select(ResourceDiscipline.resource_id, ResourceDiscipline.discipline_id).where(
            col(ResourceDiscipline.resource_id).in_(candidates)
        )
    ):
        links[resource_id][1].add(discipline_id)

    def preference(resource_id: int) -> tuple[int, int]:
        areas, disciplines = links[resource_id]
        points = 0
        if disciplines & discipline_ids:
            points += 4
        if areas & chapter_areas:
            points += 4
        if areas & objective_areas:
            points += 2
        return (-points, resource_id)

    chosen = sorted(candidates, key=preference)[:limit]
    return await load_in_order(session, chosen)


async def all_resources(
    session: AsyncSession, guild_id: int, *, statuses: Sequence[str] = ("approved",)
) -> list[Resource]:
    rows = await session.scalars(
        select(Resource)
        .where(col(Resource.guild_id) == guild_id, col(Resource.status).in_(statuses))
        .order_by(col(Resource.id))
    )
    return list(rows)


async def disciplines_by_key(session: AsyncSession, guild_id: int) -> dict[str, int]:
    """The guild's disciplines by slug and by folded name (for imports that name them)."""
    found: dict[str, int] = {}
    for discipline in await discipline_db.list_disciplines(session, guild_id):
        if discipline.id is not None:
            found[discipline.slug] = discipline.id
            found[discipline.name.casefold()] = discipline.id
    return found
