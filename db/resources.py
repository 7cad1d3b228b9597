"""The resource library: recommendation areas, resources, their links, full-text search and seeding.

Recommendation areas are one global table: the report is the same for every server, so only the
resources and their links belong to a guild. Full-text search indexes `resource.search_text`
(words pre-tokenised by cogs.resources.search) with SQLite FTS5 (virtual table `resource_fts`, kept in
sync by triggers) or a PostgreSQL GIN index on `to_tsvector('simple', search_text)`; both are created
by revision 0003_resources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Text,
    UniqueConstraint,
    delete,
    event,
    exists,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from cogs.resources import report
from cogs.resources import search as rules
from cogs.resources.seed import SEED_RESOURCES, SEED_VERSION
from cogs.resources.urls import check_url, normalize_url
from db import disciplines as discipline_db
from db import state
from db.types import Snowflake, UTCDateTime

TITLE_MAX = 200
SUMMARY_MAX = 1000
PUBLISHER_MAX = 120
URL_MAX = 500
REASON_MAX = 500
STATUSES = ("pending", "approved", "rejected")


class RecommendationArea(SQLModel, table=True):
    """One action area of the report; `key` is the catalog's internal label, never shown as a number."""

    __tablename__ = "recommendation_area"

    key: str = Field(primary_key=True, max_length=8)
    chapter_number: int
    principle_id: str = Field(max_length=4)
    title: str = Field(max_length=120)
    position: int


class Resource(SQLModel, table=True):
    __tablename__ = "resource"
    __table_args__ = (UniqueConstraint("guild_id", "normalized_url", name="uq_resource_guild_url"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake, index=True)
    title: str = Field(max_length=TITLE_MAX)
    url: str = Field(max_length=URL_MAX)
    normalized_url: str = Field(max_length=URL_MAX + 20)
    summary: str = Field(default="", sa_type=Text)
    kind: str = Field(default="other", max_length=20)
    publisher: str = Field(default="", max_length=PUBLISHER_MAX)
    status: str = Field(default="pending", max_length=10)
    suggested_by: int | None = Field(default=None, sa_type=Snowflake)
    reviewed_by: int | None = Field(default=None, sa_type=Snowflake)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reject_reason: str | None = Field(default=None, max_length=REASON_MAX)
    last_reviewed: date | None = None
    # Where the review card was posted, so that a decision taken elsewhere can update it.
    review_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    review_message_id: int | None = Field(default=None, sa_type=Snowflake)
    # The words of title, summary and publisher as both full-text indexes see them (see module doc).
    search_text: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)


@event.listens_for(Resource, "before_insert")
@event.listens_for(Resource, "before_update")
def _refresh_search_text(_mapper: Any, _connection: Any, target: Resource) -> None:
    target.search_text = rules.search_text(target.title, target.summary or "", target.publisher or "")


class ResourceArea(SQLModel, table=True):
    __tablename__ = "resource_area"

    resource_id: int = Field(sa_column_args=[ForeignKey("resource.id", ondelete="CASCADE")], primary_key=True)
    area_key: str = Field(
        sa_column_args=[ForeignKey("recommendation_area.key")], primary_key=True, max_length=8, index=True
    )


class ResourcePrinciple(SQLModel, table=True):
    """A resource about a principle as a whole (an overview), rather than one of its areas."""

    __tablename__ = "resource_principle"

    resource_id: int = Field(sa_column_args=[ForeignKey("resource.id", ondelete="CASCADE")], primary_key=True)
    principle_id: str = Field(primary_key=True, max_length=4)


class ResourceDiscipline(SQLModel, table=True):
    __tablename__ = "resource_discipline"

    resource_id: int = Field(sa_column_args=[ForeignKey("resource.id", ondelete="CASCADE")], primary_key=True)
    discipline_id: int = Field(
        sa_column_args=[ForeignKey("discipline.id", ondelete="CASCADE")], primary_key=True, index=True
    )


class ResourceSearch(SQLModel, table=True):
    """A member's search, kept so that its page buttons work after a restart (ids live in custom ids)."""

    __tablename__ = "resource_search"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    user_id: int = Field(sa_type=Snowflake)
    query: str = Field(default="", max_length=rules.QUERY_MAX)
    recommendation: str | None = Field(default=None, max_length=20)
    discipline_id: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)


class AlreadyDecided(Exception):
    """The resource is no longer pending: another reviewer approved or rejected it first."""


class DuplicateResource(Exception):
    """The guild already holds this address; `existing` is that entry."""

    def __init__(self, existing: Resource) -> None:
        super().__init__(f"resource {existing.id} already has this address")
        self.existing = existing


# ----------------------------------------------------------------------------- areas and seeding


def area_rows() -> list[dict[str, Any]]:
    """The recommendation_area rows built from the report data, in reading order."""
    rows = []
    for position, area in enumerate(report.all_areas()):
        chapter = report.chapter(area.chapter_number)
        rows.append(
            {
                "key": area.key,
                "chapter_number": chapter.number,
                "principle_id": chapter.principle_ids[0],
                "title": area.title,
                "position": position,
            }
        )
    return rows


async def sync_areas(session: AsyncSession) -> None:
    """Make the area table match the report data (the migration fills it; this keeps it current)."""
    existing = {row.key: row for row in await session.scalars(select(RecommendationArea))}
    for values in area_rows():
        row = existing.get(values["key"])
        if row is None:
            session.add(RecommendationArea(**values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
    await session.flush()


def _seed_key(guild_id: int) -> str:
    return f"resources.seed:{guild_id}"


async def seed_guild(session: AsyncSession, guild_id: int, now: datetime) -> int:
    """Give the guild the starter library once (per seed version); return how many entries were added.

    Entries an organizer removed stay removed, and an address already in the library is left alone,
    so running this again changes nothing.
    """
    if await state.get_value(session, _seed_key(guild_id)) == str(SEED_VERSION):
        return 0
    await sync_areas(session)
    slugs = {d.slug: d.id for d in await discipline_db.seed_defaults(session, guild_id, now)}
    present = set(await session.scalars(select(Resource.normalized_url).where(Resource.guild_id == guild_id)))
    added = 0
    for entry in SEED_RESOURCES:
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
        await _link(
            session,
            resource,
            area_keys=entry.areas,
            principle_ids=entry.principles,
            discipline_ids={slugs[s] for s in entry.disciplines if s in slugs},
        )
        present.add(key)
        added += 1
    await state.set_value(session, _seed_key(guild_id), str(SEED_VERSION))
    return added


# ----------------------------------------------------------------------------- creating and curating


async def _link(
    session: AsyncSession,
    resource: Resource,
    *,
    area_keys: Iterable[str] = (),
    principle_ids: Iterable[str] = (),
    discipline_ids: Iterable[int] = (),
) -> None:
    assert resource.id is not None
    for key in dict.fromkeys(area_keys):
        session.add(ResourceArea(resource_id=resource.id, area_key=key))
    for principle_id in dict.fromkeys(principle_ids):
        session.add(ResourcePrinciple(resource_id=resource.id, principle_id=principle_id))
    for discipline_id in dict.fromkeys(discipline_ids):
        session.add(ResourceDiscipline(resource_id=resource.id, discipline_id=discipline_id))
    await session.flush()


async def find_by_url(session: AsyncSession, guild_id: int, url: str) -> Resource | None:
    """The guild's entry with the same normalised address (raises InvalidUrl for a bad address)."""
    return await session.scalar(
        select(Resource).where(Resource.guild_id == guild_id, Resource.normalized_url == normalize_url(url))
    )


async def create_resource(
    session: AsyncSession,
    guild_id: int,
    *,
    title: str,
    url: str,
    now: datetime,
    summary: str = "",
    kind: str = "other",
    publisher: str = "",
    status: str = "pending",
    suggested_by: int | None = None,
    reviewed_by: int | None = None,
    area_keys: Iterable[str] = (),
    principle_ids: Iterable[str] = (),
    discipline_ids: Iterable[int] = (),
) -> Resource:
    """Add a resource; raise DuplicateResource when the guild has the address, InvalidUrl when it is bad."""
    cleaned = check_url(url)
    existing = await find_by_url(session, guild_id, cleaned)
    if existing is not None:
        raise DuplicateResource(existing)
    resource = Resource(
        guild_id=guild_id,
        title=title.strip()[:TITLE_MAX],
        url=cleaned,
        normalized_url=normalize_url(cleaned),
        summary=(summary or "").strip()[:SUMMARY_MAX],
        kind=kind if kind in rules.KINDS else "other",
        publisher=(publisher or "").strip()[:PUBLISHER_MAX],
        status=status,
        suggested_by=suggested_by,
        created_at=now,
    )
    if status == "approved":
        resource.reviewed_by = reviewed_by
        resource.reviewed_at = now
        resource.last_reviewed = now.date()
    try:
        # A savepoint: when another writer added the same address a moment ago, the constraint decides.
        async with session.begin_nested():
            session.add(resource)
            await session.flush()
    except IntegrityError:
        existing = await find_by_url(session, guild_id, cleaned)
        if existing is None:
            raise
        raise DuplicateResource(existing) from None
    await _link(
        session, resource, area_keys=area_keys, principle_ids=principle_ids, discipline_ids=discipline_ids
    )
    return resource


async def get_resource(session: AsyncSession, guild_id: int, resource_id: int) -> Resource | None:
    """The resource if it exists in this guild (an id from another guild finds nothing)."""
    resource = await session.get(Resource, resource_id)
    return resource if resource is not None and resource.guild_id == guild_id else None


async def approve(session: AsyncSession, resource: Resource, reviewer_id: int, now: datetime) -> Resource:
    """Approve a pending resource; raise AlreadyDecided when another reviewer decided it first."""
    return await _decide(
        session,
        resource,
        status="approved",
        reviewed_by=reviewer_id,
        reviewed_at=now,
        last_reviewed=now.date(),
        reject_reason=None,
    )


async def reject(
    session: AsyncSession, resource: Resource, reviewer_id: int, reason: str, now: datetime
) -> Resource:
    """Reject a pending resource; raise AlreadyDecided when another reviewer decided it first."""
    return await _decide(
        session,
        resource,
        status="rejected",
        reviewed_by=reviewer_id,
        reviewed_at=now,
        reject_reason=reason.strip()[:REASON_MAX] or None,
    )


async def _decide(session: AsyncSession, resource: Resource, **values: Any) -> Resource:
    # The status test in the WHERE clause decides a race: of an approve and a reject arriving together,
    # only one UPDATE still finds the row pending (on PostgreSQL the second waits, then matches nothing).
    result = await session.execute(
        update(Resource)
        .where(Resource.id == resource.id, Resource.status == "pending")  # type: ignore[arg-type]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise AlreadyDecided()
    decided = await session.get(Resource, resource.id, populate_existing=True)
    assert decided is not None
    return decided


async def update_details(
    session: AsyncSession,
    resource: Resource,
    *,
    title: str,
    url: str,
    summary: str,
    publisher: str | None = None,
    kind: str | None = None,
) -> Resource:
    """Edit a resource's text and address; raise DuplicateResource when the new address is taken."""
    cleaned = check_url(url)
    key = normalize_url(cleaned)
    if key != resource.normalized_url:
        other = await find_by_url(session, resource.guild_id, cleaned)
        if other is not None and other.id != resource.id:
            raise DuplicateResource(other)
    resource.title = title.strip()[:TITLE_MAX]
    resource.url = cleaned
    resource.normalized_url = key
    resource.summary = (summary or "").strip()[:SUMMARY_MAX]
    if publisher is not None:
        resource.publisher = publisher.strip()[:PUBLISHER_MAX]
    if kind is not None and kind in rules.KINDS:
        resource.kind = kind
    session.add(resource)
    await session.flush()
    return resource


async def set_review_message(
    session: AsyncSession, resource: Resource, channel_id: int, message_id: int
) -> None:
    resource.review_channel_id = channel_id
    resource.review_message_id = message_id
    session.add(resource)
    await session.flush()


async def delete_resource(session: AsyncSession, resource: Resource) -> None:
    # Links first: SQLite enforces ON DELETE CASCADE only with the foreign_keys pragma, which a raw
    # connection (the CLI, a test) may lack.
    for model in (ResourceArea, ResourcePrinciple, ResourceDiscipline):
        await session.execute(delete(model).where(model.resource_id == resource.id))  # type: ignore[arg-type]
    await session.delete(resource)
    await session.flush()


async def pending_resources(session: AsyncSession, guild_id: int, limit: int = 25) -> list[Resource]:
    rows = await session.scalars(
        select(Resource)
        .where(Resource.guild_id == guild_id, Resource.status == "pending")
        .order_by(Resource.created_at, Resource.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    return list(rows)


async def count_pending(session: AsyncSession, guild_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(Resource.guild_id == guild_id, Resource.status == "pending")
        )
        or 0
    )


# ----------------------------------------------------------------------------- links


async def links_of(session: AsyncSession, resource_ids: Sequence[int]) -> dict[int, dict[str, list[Any]]]:
    """For each id: {"areas": [keys], "principles": [ids], "disciplines": [names]} in a stable order."""
    found: dict[int, dict[str, list[Any]]] = {
        i: {"areas": [], "principles": [], "disciplines": []} for i in resource_ids
    }
    if not resource_ids:
        return found
    order = {a.key: n for n, a in enumerate(report.all_areas())}
    for resource_id, key in await session.execute(
        select(ResourceArea.resource_id, ResourceArea.area_key).where(
            ResourceArea.resource_id.in_(resource_ids)  # type: ignore[attr-defined]
        )
    ):
        found[resource_id]["areas"].append(key)
    for resource_id, principle_id in await session.execute(
        select(ResourcePrinciple.resource_id, ResourcePrinciple.principle_id).where(
            ResourcePrinciple.resource_id.in_(resource_ids)  # type: ignore[attr-defined]
        )
    ):
        found[resource_id]["principles"].append(principle_id)
    for resource_id, name in await session.execute(
        select(ResourceDiscipline.resource_id, discipline_db.Discipline.name)
        .join(discipline_db.Discipline, discipline_db.Discipline.id == ResourceDiscipline.discipline_id)
        .where(ResourceDiscipline.resource_id.in_(resource_ids))  # type: ignore[attr-defined]
    ):
        found[resource_id]["disciplines"].append(name)
    for links in found.values():
        links["areas"].sort(key=lambda key: order.get(key, 999))
        links["principles"].sort()
        links["disciplines"].sort(key=str.casefold)
    return found


async def set_links(
    session: AsyncSession,
    resource: Resource,
    *,
    area_keys: Iterable[str] | None = None,
    principle_ids: Iterable[str] | None = None,
    discipline_ids: Iterable[int] | None = None,
) -> None:
    """Replace the given kinds of links (None leaves that kind as it is)."""
    if area_keys is not None:
        await session.execute(delete(ResourceArea).where(ResourceArea.resource_id == resource.id))  # type: ignore[arg-type]
    if principle_ids is not None:
        await session.execute(delete(ResourcePrinciple).where(ResourcePrinciple.resource_id == resource.id))  # type: ignore[arg-type]
    if discipline_ids is not None:
        await session.execute(delete(ResourceDiscipline).where(ResourceDiscipline.resource_id == resource.id))  # type: ignore[arg-type]
    await _link(
        session,
        resource,
        area_keys=area_keys or (),
        principle_ids=principle_ids or (),
        discipline_ids=discipline_ids or (),
    )


# ----------------------------------------------------------------------------- search


def _filtered(
    statement: Any,
    guild_id: int,
    recommendation: rules.RecommendationFilter | None,
    discipline_id: int | None,
) -> Any:
    statement = statement.where(Resource.guild_id == guild_id, Resource.status == "approved")
    if recommendation is not None:
        covered = exists().where(
            ResourceArea.resource_id == Resource.id,
            ResourceArea.area_key.in_(recommendation.area_keys()),  # type: ignore[attr-defined]
        )
        principles = recommendation.principle_ids()
        if principles:
            covered = covered | exists().where(
                ResourcePrinciple.resource_id == Resource.id,
                ResourcePrinciple.principle_id.in_(principles),  # type: ignore[attr-defined]
            )
        statement = statement.where(covered)
    if discipline_id is not None:
        statement = statement.where(
            exists().where(
                ResourceDiscipline.resource_id == Resource.id,
                ResourceDiscipline.discipline_id == discipline_id,
            )
        )
    return statement


def _full_text_condition(session: AsyncSession, terms: list[str]) -> Any:
    if session.bind.dialect.name == "postgresql":
        document = func.to_tsvector(literal_column("'simple'::regconfig"), Resource.search_text)
        return document.op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"), rules.tsquery(terms)))
    matches = text("SELECT rowid FROM resource_fts WHERE resource_fts MATCH :fts_query").bindparams(
        fts_query=rules.fts5_query(terms)
    )
    return Resource.id.in_(matches)  # type: ignore[union-attr]


async def search_ids(
    session: AsyncSession,
    guild_id: int,
    query: str,
    *,
    recommendation: rules.RecommendationFilter | None = None,
    discipline_id: int | None = None,
) -> list[int]:
    """Approved resources matching the words and filters, best first (ties by id); same on both databases.

    With no words, every resource that passes the filters, by title.
    """
    terms = rules.query_terms(query)
    if not terms:
        if query.strip() and not any(w not in rules.STOPWORDS for w in rules.tokens(query)):
            return []
        rows = await session.execute(
            _filtered(select(Resource.id, Resource.title), guild_id, recommendation, discipline_id)
        )
        return [row_id for _title, row_id in sorted((rules.fold(title), row_id) for row_id, title in rows)]
    statement = _filtered(
        select(Resource.id, Resource.title, Resource.search_text), guild_id, recommendation, discipline_id
    ).where(_full_text_condition(session, terms))
    rows = await session.execute(statement)
    return rules.rank(terms, ((r[0], r[1], r[2]) for r in rows))


async def like_scan_ids(session: AsyncSession, guild_id: int, query: str) -> list[int]:
    """The naive way, for the benchmark only: `LIKE '%term%'` on title and summary for every term."""
    terms = rules.query_terms(query)
    statement = select(Resource.id, Resource.title, Resource.search_text).where(
        Resource.guild_id == guild_id, Resource.status == "approved"
    )
    for term in terms:
        pattern = f"%{term}%"
        statement = statement.where(
            func.lower(Resource.title).like(pattern)
            | func.lower(Resource.summary).like(pattern)
            | func.lower(Resource.publisher).like(pattern)
        )
    rows = await session.execute(statement)
    return rules.rank(terms, ((r[0], r[1], r[2]) for r in rows))


async def load_in_order(session: AsyncSession, ids: Sequence[int]) -> list[Resource]:
    """The resources with these ids, in the order given (missing ones skipped)."""
    if not ids:
        return []
    found = {r.id: r for r in await session.scalars(select(Resource).where(Resource.id.in_(ids)))}  # type: ignore[union-attr]
    return [found[i] for i in ids if i in found]


async def vocabulary(session: AsyncSession, guild_id: int) -> set[str]:
    """Every word of the guild's approved resources and of the report's titles (for "did you mean")."""
    words: set[str] = set()
    for line in await session.scalars(
        select(Resource.search_text).where(Resource.guild_id == guild_id, Resource.status == "approved")
    ):
        words.update(line.split())
    for area in report.all_areas():
        words.update(rules.tokens(area.title))
    return words


async def save_search(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    query: str,
    recommendation: str | None,
    discipline_id: int | None,
    now: datetime,
) -> ResourceSearch:
    saved = ResourceSearch(
        guild_id=guild_id,
        user_id=user_id,
        query=query[: rules.QUERY_MAX],
        recommendation=recommendation,
        discipline_id=discipline_id,
        created_at=now,
    )
    session.add(saved)
    await session.flush()
    return saved


async def forget_searches_before(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(ResourceSearch).where(ResourceSearch.created_at < cutoff))  # type: ignore[arg-type]


async def area_resources(
    session: AsyncSession, guild_id: int, area_key: str, limit: int = 10
) -> list[Resource]:
    """Approved resources linked to this area, by title."""
    rows = await session.scalars(
        select(Resource)
        .join(ResourceArea, ResourceArea.resource_id == Resource.id)
        .where(
            Resource.guild_id == guild_id, Resource.status == "approved", ResourceArea.area_key == area_key
        )
    )
    return sorted(rows, key=lambda r: (rules.fold(r.title), r.id))[:limit]


async def principle_resources(
    session: AsyncSession, guild_id: int, principle_id: str, limit: int = 5
) -> list[Resource]:
    """Approved resources about the principle as a whole, by title."""
    rows = await session.scalars(
        select(Resource)
        .join(ResourcePrinciple, ResourcePrinciple.resource_id == Resource.id)
        .where(
            Resource.guild_id == guild_id,
            Resource.status == "approved",
            ResourcePrinciple.principle_id == principle_id,
        )
    )
    return sorted(rows, key=lambda r: (rules.fold(r.title), r.id))[:limit]


async def resource_choices(
    session: AsyncSession,
    guild_id: int,
    typed: str,
    *,
    statuses: Sequence[str] = ("approved", "pending"),
    limit: int = 25,
) -> list[Resource]:
    """Resources whose title contains every typed word, by title (for autocomplete)."""
    rows = await session.execute(
        select(Resource.id, Resource.title).where(
            Resource.guild_id == guild_id,
            Resource.status.in_(statuses),  # type: ignore[attr-defined]
        )
    )
    wanted = rules.tokens(typed)
    picked = [
        (rules.fold(title), row_id)
        for row_id, title in rows
        if all(any(word.startswith(w) for word in rules.tokens(title)) for w in wanted)
        or typed.strip() == str(row_id)
    ]
    ids = [row_id for _title, row_id in sorted(picked)[:limit]]
    return await load_in_order(session, ids)


# ----------------------------------------------------------------------------- onboarding picks


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
    chapter_areas, objective_areas = rules.interest_areas(interests)
    excluded = set(exclude_ids)
    candidates = [
        row_id
        for row_id in await session.scalars(
            select(Resource.id).where(Resource.guild_id == guild_id, Resource.status == "approved")
        )
        if row_id not in excluded
    ]
    if not candidates or limit <= 0:
        return []
    links: dict[int, tuple[set[str], set[int]]] = {i: (set(), set()) for i in candidates}
    for resource_id, key in await session.execute(
        select(ResourceArea.resource_id, ResourceArea.area_key).where(
            ResourceArea.resource_id.in_(candidates)  # type: ignore[attr-defined]
        )
    ):
        links[resource_id][0].add(key)
    for resource_id, discipline_id in await session.execute(
        select(ResourceDiscipline.resource_id, ResourceDiscipline.discipline_id).where(
            ResourceDiscipline.resource_id.in_(candidates)  # type: ignore[attr-defined]
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


# ----------------------------------------------------------------------------- bulk


async def all_resources(
    session: AsyncSession, guild_id: int, *, statuses: Sequence[str] = ("approved",)
) -> list[Resource]:
    rows = await session.scalars(
        select(Resource)
        .where(Resource.guild_id == guild_id, Resource.status.in_(statuses))  # type: ignore[attr-defined]
        .order_by(Resource.id)  # type: ignore[arg-type]
    )
    return list(rows)


async def disciplines_by_key(session: AsyncSession, guild_id: int) -> dict[str, int]:
    """The guild's disciplines by slug and by folded name (for imports that name them)."""
    found: dict[str, int] = {}
    for discipline in await discipline_db.list_disciplines(session, guild_id):
        assert discipline.id is not None
        found[discipline.slug] = discipline.id
        found[discipline.name.casefold()] = discipline.id
    return found
