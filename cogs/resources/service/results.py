"""What the library's use cases return: frozen, typed copies made inside the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserFacingError
from bot.usecases import Work
from cogs.resources import texts
from db import resources as store


@dataclass(frozen=True, slots=True)
class ResourceLinks:
    """What a resource is linked to: area keys (reading order), principle ids, discipline names."""

    areas: tuple[str, ...] = ()
    principles: tuple[str, ...] = ()
    disciplines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """One resource as members and organizers see it."""

    id: int
    guild_id: int
    title: str
    url: str
    summary: str
    kind: str
    publisher: str
    status: str
    suggested_by: int | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    reject_reason: str | None
    review_channel_id: int | None
    review_message_id: int | None
    links: ResourceLinks


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of a saved search."""

    search_id: int
    describe: str
    page: int
    total: int
    resources: tuple[ResourceInfo, ...]


@dataclass(frozen=True, slots=True)
class NoResults:
    """A search that found nothing: what was typed, spelling suggestions, whether filters were set."""

    text: str
    suggestions: tuple[str, ...]
    filtered: bool


@dataclass(frozen=True, slots=True)
class AreaOverview:
    """An area's resources, and overviews of its principle that are not already listed."""

    area_key: str
    linked: tuple[ResourceInfo, ...]
    overviews: tuple[ResourceInfo, ...]


@dataclass(frozen=True, slots=True)
class PendingList:
    """Suggestions waiting for review (the oldest first) and how many there are in all."""

    total: int
    items: tuple[ResourceInfo, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    """One autocomplete answer."""

    name: str
    value: str


class AddressTaken(UserFacingError):
    """The guild already holds this address; the message names the entry and what became of it."""

    def __init__(self, existing: store.Resource) -> None:
        super().__init__(
            texts.describe_existing(existing.id or 0, existing.title, existing.url, existing.status)
        )


def _links(found: store.Links | None) -> ResourceLinks:
    if found is None:
        return ResourceLinks()
    return ResourceLinks(tuple(found["areas"]), tuple(found["principles"]), tuple(found["disciplines"]))


def resource_info(row: store.Resource, links: store.Links | None = None) -> ResourceInfo:
    """A stored resource as a frozen copy (it must have been flushed)."""
    if row.id is None:
        raise ValueError("a resource that was never stored has no id")
    return ResourceInfo(
        id=row.id,
        guild_id=row.guild_id,
        title=row.title,
        url=row.url,
        summary=row.summary,
        kind=row.kind,
        publisher=row.publisher,
        status=row.status,
        suggested_by=row.suggested_by,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        reject_reason=row.reject_reason,
        review_channel_id=row.review_channel_id,
        review_message_id=row.review_message_id,
        links=_links(links),
    )


async def with_links(work: Work, rows: Sequence[store.Resource]) -> tuple[ResourceInfo, ...]:
    """Frozen copies of these resources with their links, in the same order."""
    links = await store.links_of(work.session, [row.id for row in rows if row.id is not None])
    return tuple(resource_info(row, links.get(row.id or 0)) for row in rows)
