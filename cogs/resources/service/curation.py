"""Curating the library: suggestions and their review, organizers' additions, edits and removals."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from bot.errors import NotFound, UserFacingError
from bot.usecases import App, Work
from cogs.resources import search as rules
from cogs.resources.service.catalog import ensure_library
from cogs.resources.service.results import AddressTaken, PendingList, ResourceInfo, with_links
from cogs.resources.service.search import discipline_id_for
from cogs.resources.texts import STATUS_TEXT
from db import resources as store

GONE = "That resource no longer exists in this server."
DECIDED_BY_SOMEONE_ELSE = "That suggestion was decided a moment ago by someone else."


async def _one(work: Work, row: store.Resource) -> ResourceInfo:
    return (await with_links(work, [row]))[0]


async def _found(work: Work, guild_id: int, resource_id: int) -> store.Resource:
    resource = await store.get_resource(work.session, guild_id, resource_id)
    if resource is None:
        raise NotFound(GONE)
    return resource


async def _pending(work: Work, guild_id: int, resource_id: int) -> store.Resource:
    resource = await _found(work, guild_id, resource_id)
    if resource.status != "pending":
        raise UserFacingError(f"That suggestion was already decided: {STATUS_TEXT[resource.status].lower()}.")
    return resource


def _kind(kind: str) -> str:
    return kind if kind in rules.KINDS else "other"


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn storage's refusals of an address into answers for the member."""
    try:
        yield
    except store.InvalidUrl as error:
        raise UserFacingError(str(error)) from None
    except store.DuplicateResource as duplicate:
        raise AddressTaken(duplicate.existing) from None


async def suggest_resource(
    app: App, *, guild_id: int, user_id: int, title: str, url: str, summary: str, kind: str, area: str | None
) -> ResourceInfo:
    """Store a member's suggestion, waiting for review."""
    if area is not None and rules.parse_recommendation(f"area:{area}") is None:
        area = None  # a form id can be forged: an unknown area is dropped, not stored
    async with app.work() as work:
        await ensure_library(work, guild_id)
        with _refusals():
            resource = await store.create_resource(
                work.session,
                guild_id,
                title=title,
                url=url,
                summary=summary,
                kind=_kind(kind),
                status="pending",
                suggested_by=user_id,
                area_keys=[area] if area else [],
                now=work.now,
            )
        return await _one(work, resource)


async def note_review_card(
    app: App, *, guild_id: int, resource_id: int, channel_id: int, message_id: int
) -> None:
    """Remember where a suggestion's review card was posted, so a decision elsewhere can update it."""
    async with app.work() as work:
        resource = await store.get_resource(work.session, guild_id, resource_id)
        if resource is not None:
            await store.set_review_message(work.session, resource, channel_id, message_id)


async def review_card(app: App, *, guild_id: int, resource_id: int, pending: bool = False) -> ResourceInfo:
    """A resource for an organizer's review; with `pending`, only while it waits for a decision."""
    async with app.work() as work:
        if pending:
            resource = await _pending(work, guild_id, resource_id)
        else:
            resource = await _found(work, guild_id, resource_id)
        return await _one(work, resource)


async def approve_suggestion(app: App, *, guild_id: int, actor_id: int, resource_id: int) -> ResourceInfo:
    """Approve a pending suggestion; it appears in search at once."""
    async with app.work() as work:
        resource = await _pending(work, guild_id, resource_id)
        try:
            resource = await store.approve(work.session, resource, actor_id, work.now)
        except store.AlreadyDecided:
            raise UserFacingError(DECIDED_BY_SOMEONE_ELSE) from None
        await work.audit(guild_id, actor_id, "resources.approve", f"#{resource.id} {resource.title}")
        return await _one(work, resource)


async def reject_suggestion(
    app: App, *, guild_id: int, actor_id: int, resource_id: int, reason: str
) -> ResourceInfo:
    """Reject a pending suggestion with a reason the suggester will read."""
    async with app.work() as work:
        resource = await _found(work, guild_id, resource_id)
        if resource.status != "pending":
            raise UserFacingError("That suggestion was already decided.")
        try:
            resource = await store.reject(work.session, resource, actor_id, reason, work.now)
        except store.AlreadyDecided:
            raise UserFacingError("That suggestion was already decided by someone else.") from None
        await work.audit(guild_id, actor_id, "resources.reject", f"#{resource.id} {resource.title}")
        return await _one(work, resource)


async def edit_resource(
    app: App,
    *,
    guild_id: int,
    actor_id: int,
    resource_id: int,
    title: str,
    url: str,
    summary: str,
    publisher: str,
) -> ResourceInfo:
    """Change a resource's title, address, summary and publisher."""
    async with app.work() as work:
        resource = await _found(work, guild_id, resource_id)
        with _refusals():
            await store.update_details(
                work.session, resource, title=title, url=url, summary=summary, publisher=publisher
            )
        await work.audit(guild_id, actor_id, "resources.edit", f"#{resource.id} {resource.title}")
        return await _one(work, resource)


async def pending_suggestions(app: App, *, guild_id: int, limit: int) -> PendingList:
    """The oldest suggestions waiting for review, and how many wait in all."""
    async with app.work() as work:
        pending = await store.pending_resources(work.session, guild_id, limit)
        total = await store.count_pending(work.session, guild_id)
        return PendingList(total, await with_links(work, pending))


def _recommendation_links(wanted: rules.RecommendationFilter | None) -> tuple[Sequence[str], Sequence[str]]:
    if wanted is None:
        return (), ()
    if wanted.kind == "principle":
        return (), (wanted.value,)
    return wanted.area_keys(), ()


async def add_resource(
    app: App,
    *,
    guild_id: int,
    actor_id: int,
    url: str,
    title: str,
    kind: str,
    summary: str,
    publisher: str,
    recommendation: rules.RecommendationFilter | None,
    discipline: str | None,
) -> ResourceInfo:
    """Add an approved resource straight away (organizers)."""
    area_keys, principle_ids = _recommendation_links(recommendation)
    async with app.work() as work:
        await ensure_library(work, guild_id)
        discipline_id = await discipline_id_for(work, guild_id, discipline)
        with _refusals():
            resource = await store.create_resource(
                work.session,
                guild_id,
                title=title,
                url=url,
                summary=summary,
                publisher=publisher,
                kind=_kind(kind),
                status="approved",
                reviewed_by=actor_id,
                area_keys=area_keys,
                principle_ids=principle_ids,
                discipline_ids=[discipline_id] if discipline_id else [],
                now=work.now,
            )
        await work.audit(guild_id, actor_id, "resources.add", f"#{resource.id} {resource.title}")
        return await _one(work, resource)


async def remove_resource(app: App, *, guild_id: int, actor_id: int, resource_id: int) -> str:
    """Remove a resource from the library; return its title."""
    async with app.work() as work:
        resource = await store.get_resource(work.session, guild_id, resource_id)
        if resource is None:
            raise NotFound("I could not find that resource here. Please pick one of the suggestions.")
        title = resource.title
        await store.delete_resource(work.session, resource)
        await work.audit(guild_id, actor_id, "resources.remove", f"#{resource_id} {title}")
        return title
