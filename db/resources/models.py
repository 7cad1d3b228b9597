"""The resource library's tables, their limits, and the refusals storage raises.

Recommendation areas are one global table: the report is the same for every server, so only the
resources and their links belong to a guild. `resource.search_text` holds the words both full-text
indexes see (built by `db.resources.words`): SQLite FTS5 (virtual table `resource_fts`, kept in sync by
triggers) or a PostgreSQL GIN index on `to_tsvector('simple', search_text)`, both created by 0003.
`title_words` and `title_key` (0014) let the database rank and order by title itself, so that a search
fetches only the page shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from db.resources.words import QUERY_MAX, fold, search_text, title_words
from db.types import Snowflake, UTCDateTime

TITLE_MAX = 200
SUMMARY_MAX = 1000
PUBLISHER_MAX = 120
URL_MAX = 500
REASON_MAX = 500
STATUSES = ("pending", "approved", "rejected")


def _from_title(derive: Callable[[str], str]) -> Callable[[Any], str]:
    """A column default computed from the title in the same INSERT (Core inserts of plain dicts too)."""

    def default(context: Any) -> str:
        return derive(context.get_current_parameters().get("title") or "")

    return default


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
    __table_args__ = (
        UniqueConstraint("guild_id", "normalized_url", name="uq_resource_guild_url"),
        # Covers a search's guild and status check, so counting thousands of matches never reads their rows.
        Index("ix_resource_guild_status", "guild_id", "status"),
    )

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
    # The title's words as the index stores them (for the title bonus), and the folded title (for "by
    # title" order); an insert that names only the title gets them from it (bulk loads, the bench).
    title_words: str = Field(
        default="", sa_type=Text, sa_column_kwargs={"default": _from_title(title_words), "server_default": ""}
    )
    title_key: str = Field(
        default="", sa_type=Text, sa_column_kwargs={"default": _from_title(fold), "server_default": ""}
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


@event.listens_for(Resource, "before_insert")
@event.listens_for(Resource, "before_update")
def _refresh_search_text(_mapper: Any, _connection: Any, target: Resource) -> None:
    target.search_text = search_text(target.title, target.summary or "", target.publisher or "")
    target.title_words = title_words(target.title)
    target.title_key = fold(target.title)


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
    query: str = Field(default="", max_length=QUERY_MAX)
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
