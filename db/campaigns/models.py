"""The campaign tables, their states and the results the queries return.

Capacity is enforced by the database: each slot keeps `taken` (places confirmed or offered) under a
CHECK constraint `taken <= capacity`, and a place is only taken by the atomic
`UPDATE campaign_slot SET taken = taken + 1 WHERE id = :id AND taken < capacity`. Every sign-up first
updates its slot's row (issuing a waitlist ticket), which locks that row on PostgreSQL until commit; on
SQLite every transaction begins IMMEDIATE, so writers are serialized anyway. One row per member and
slot (unique), one ticket per slot position (unique): the waitlist order is the ticket order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from db.types import Snowflake, UTCDateTime

OPEN, CLOSED = "open", "closed"
CONFIRMED, WAITLISTED, OFFERED = "confirmed", "waitlisted", "offered"
WITHDRAWN, LAPSED, OFFER_DECLINED, LEFT, REMOVED = "withdrawn", "lapsed", "offer_declined", "left", "removed"
ACTIVE = (CONFIRMED, WAITLISTED, OFFERED)
HOLDING = (CONFIRMED, OFFERED)
PENDING, READY, DECLINED, SILENT = "pending", "ready", "declined", "silent"


class ChangedMeanwhile(Exception):
    """Another process changed the member's sign-up between a unit of work's read and its write.

    Raised so that the whole unit of work rolls back (its ticket and place too) and runs again: the next
    read sees what the other process committed.
    """


class CampaignRefused(Exception):
    """A request the campaign's state refuses; the message is a sentence for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ck_campaign_ends_after_start"),
        CheckConstraint("signup_deadline <= starts_at", name="ck_campaign_deadline_before_start"),
        Index("ix_campaign_guild_status", "guild_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    title: str = Field(max_length=100)
    description: str = Field(default="", sa_type=Text)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    signup_deadline: datetime = Field(sa_type=UTCDateTime)
    # The zone the organizer typed times in; people see Discord timestamps in their own zone.
    timezone: str = Field(default="UTC", max_length=64)
    offer_window_hours: int = 24
    status: str = Field(default=OPEN, max_length=16)
    card_channel_id: int | None = Field(default=None, sa_type=Snowflake)
    card_message_id: int | None = Field(default=None, sa_type=Snowflake)
    created_by: int = Field(sa_type=Snowflake)
    created_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when organizers cancel the campaign (status "cancelled"); shown on the card.
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    # The guild scheduled event that shows the campaign in Discord's Events (None without Manage Events).
    event_id: int | None = Field(default=None, sa_type=Snowflake)


class CampaignLink(SQLModel, table=True):
    __tablename__ = "campaign_link"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")], index=True)
    title: str = Field(max_length=100)
    url: str = Field(max_length=500)
    kind: str = Field(default="link", max_length=32)


class CampaignSlot(SQLModel, table=True):
    __tablename__ = "campaign_slot"
    __table_args__ = (
        # Names are unique among a campaign's live slots only: a removed slot keeps its name in history
        # without blocking a new slot of the same name (a partial index, on SQLite and PostgreSQL alike).
        Index(
            "uq_campaign_slot_name",
            "campaign_id",
            "name",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        CheckConstraint("capacity >= 1", name="ck_campaign_slot_capacity_positive"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="ck_campaign_slot_taken_within_capacity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")], index=True)
    name: str = Field(max_length=80)
    capacity: int
    # Places held by confirmed members or by an open offer.
    taken: int = 0
    # Waitlist tickets handed out so far; each sign-up takes the next one, so its order is the arrival order.
    tickets_issued: int = 0
    position: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Set when organizers remove the slot: it leaves every live list but stays in members' history.
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SlotNeed(SQLModel, table=True):
    __tablename__ = "slot_need"
    __table_args__ = (
        UniqueConstraint("slot_id", "discipline_id", name="uq_slot_need"),
        CheckConstraint("count >= 1", name="ck_slot_need_count_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slot_id: int = Field(sa_column_args=[ForeignKey("campaign_slot.id", ondelete="CASCADE")], index=True)
    discipline_id: int = Field(sa_column_args=[ForeignKey("discipline.id", ondelete="CASCADE")])
    count: int


class CampaignSignup(SQLModel, table=True):
    __tablename__ = "campaign_signup"
    __table_args__ = (
        # One row per member and slot, reused when they come back: never two places in one slot.
        UniqueConstraint("slot_id", "user_id", name="uq_campaign_signup_slot_user"),
        UniqueConstraint("slot_id", "ticket", name="uq_campaign_signup_slot_ticket"),
        Index("ix_campaign_signup_guild_user", "guild_id", "user_id"),
        Index("ix_campaign_signup_slot_status", "slot_id", "status", "ticket"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")], index=True)
    slot_id: int = Field(sa_column_args=[ForeignKey("campaign_slot.id", ondelete="CASCADE")])
    user_id: int = Field(sa_type=Snowflake)
    status: str = Field(max_length=16)
    ticket: int
    signed_up_at: datetime = Field(sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    offer_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    offers_made: int = 0
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignReminderSent(SQLModel, table=True):
    __tablename__ = "campaign_reminder_sent"
    __table_args__ = (
        UniqueConstraint("campaign_id", "user_id", "hours_before", name="uq_campaign_reminder_sent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")])
    user_id: int = Field(sa_type=Snowflake)
    hours_before: int
    sent_at: datetime = Field(sa_type=UTCDateTime)


class CampaignRollCall(SQLModel, table=True):
    __tablename__ = "campaign_rollcall"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")], index=True)
    channel_id: int | None = Field(default=None, sa_type=Snowflake)
    message_id: int | None = Field(default=None, sa_type=Snowflake)
    status: str = Field(default=OPEN, max_length=16)
    created_by: int = Field(sa_type=Snowflake)
    created_at: datetime = Field(sa_type=UTCDateTime)
    nudge_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RollCallAnswer(SQLModel, table=True):
    __tablename__ = "campaign_rollcall_answer"
    __table_args__ = (UniqueConstraint("rollcall_id", "user_id", name="uq_campaign_rollcall_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    rollcall_id: int = Field(
        sa_column_args=[ForeignKey("campaign_rollcall.id", ondelete="CASCADE")], index=True
    )
    # `/campaign mine` reads a member's answers across roll calls.
    user_id: int = Field(sa_type=Snowflake, index=True)
    slot_name: str = Field(default="", max_length=80)
    # pending until answered; pending becomes silent when the roll call closes (the attendance record).
    answer: str = Field(default=PENDING, max_length=16)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignInvite(SQLModel, table=True):
    __tablename__ = "campaign_invite"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id", name="uq_campaign_invite"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column_args=[ForeignKey("campaign.id", ondelete="CASCADE")])
    user_id: int = Field(sa_type=Snowflake)
    slot_id: int | None = Field(default=None)
    sent_at: datetime = Field(sa_type=UTCDateTime)


class CampaignInviteOptOut(SQLModel, table=True):
    __tablename__ = "campaign_invite_optout"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", name="uq_campaign_invite_optout"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=Snowflake)
    user_id: int = Field(sa_type=Snowflake)
    created_at: datetime = Field(sa_type=UTCDateTime)


# ------------------------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True)
class SignUpResult:
    campaign_id: int
    campaign_title: str
    slot_id: int
    slot_name: str
    status: str
    position: int | None
    already: bool


@dataclass(frozen=True, slots=True)
class Offer:
    """A freed place offered to a waitlisted member; the cog DMs them and schedules the expiry."""

    signup_id: int
    guild_id: int
    user_id: int
    campaign_id: int
    campaign_title: str
    slot_name: str
    expires_at: datetime
    number: int


@dataclass(frozen=True, slots=True)
class OpenPlace:
    campaign_id: int
    campaign_title: str
    slot_id: int
    slot_name: str
    free: int
    signup_deadline: datetime
    fits_disciplines: bool


@dataclass
class SlotView:
    id: int
    name: str
    capacity: int
    taken: int
    confirmed: list[int]
    offered: int
    waitlisted: int
    needs: dict[int, int] = field(default_factory=dict)
    confirmed_disciplines: list[set[int]] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.taken >= self.capacity


@dataclass
class CampaignView:
    campaign: Campaign
    slots: list[SlotView]
    links: list[CampaignLink]
    discipline_names: dict[int, str]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    campaign_id: int
    campaign_title: str
    starts_at: datetime
    slot_name: str
    status: str
    position: int | None
    signed_up_at: datetime
    attendance: str | None


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched (0 when the driver cannot say)."""
    return int(getattr(result, "rowcount", 0) or 0)


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Stored) -> int:
    """The primary key of a row that has been flushed (SQLModel types it as optional until then)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id
