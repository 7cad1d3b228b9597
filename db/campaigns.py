"""Campaigns, their slots, sign-ups with a waitlist, offers, reminders, roll calls and invitations.

Capacity is enforced by the database: each slot keeps `taken` (places confirmed or offered) under a
CHECK constraint `taken <= capacity`, and a place is only taken by the atomic
`UPDATE campaign_slot SET taken = taken + 1 WHERE id = :id AND taken < capacity`. Every sign-up first
updates its slot's row (issuing a waitlist ticket), which locks that row on PostgreSQL until commit; on
SQLite every transaction begins IMMEDIATE, so writers are serialized anyway. One row per member and
slot (unique), one ticket per slot position (unique): the waitlist order is the ticket order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from db.disciplines import Discipline, MemberDiscipline
from db.members import MemberProfile
from db.types import Snowflake, UTCDateTime

OPEN, CLOSED = "open", "closed"
CONFIRMED, WAITLISTED, OFFERED = "confirmed", "waitlisted", "offered"
WITHDRAWN, LAPSED, OFFER_DECLINED, LEFT, REMOVED = "withdrawn", "lapsed", "offer_declined", "left", "removed"
ACTIVE = (CONFIRMED, WAITLISTED, OFFERED)
HOLDING = (CONFIRMED, OFFERED)
PENDING, READY, DECLINED, SILENT = "pending", "ready", "declined", "silent"


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
    user_id: int = Field(sa_type=Snowflake)
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


@dataclass(frozen=True)
class SignUpResult:
    campaign_id: int
    campaign_title: str
    slot_id: int
    slot_name: str
    status: str
    position: int | None
    already: bool


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class HistoryRow:
    campaign_id: int
    campaign_title: str
    starts_at: datetime
    slot_name: str
    status: str
    position: int | None
    signed_up_at: datetime
    attendance: str | None


# ---------------------------------------------------------------------------------- campaigns


async def create_campaign(
    session: AsyncSession,
    *,
    guild_id: int,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    signup_deadline: datetime,
    timezone: str,
    created_by: int,
    now: datetime,
    offer_window_hours: int = 24,
    links: list[tuple[str, str, str]] | None = None,
) -> Campaign:
    campaign = Campaign(
        guild_id=guild_id,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        signup_deadline=signup_deadline,
        timezone=timezone,
        offer_window_hours=offer_window_hours,
        created_by=created_by,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    for link_title, url, kind in links or []:
        session.add(CampaignLink(campaign_id=campaign.id, title=link_title, url=url, kind=kind))
    await session.flush()
    return campaign


async def get_campaign(session: AsyncSession, guild_id: int, campaign_id: int) -> Campaign | None:
    """The campaign, only if it belongs to this guild (ids from buttons are untrusted)."""
    campaign = await session.get(Campaign, campaign_id)
    return campaign if campaign is not None and campaign.guild_id == guild_id else None


async def list_campaigns(
    session: AsyncSession,
    guild_id: int,
    *,
    include_closed: bool = False,
    search: str | None = None,
    limit: int = 25,
) -> list[Campaign]:
    query = select(Campaign).where(Campaign.guild_id == guild_id)
    if not include_closed:
        query = query.where(Campaign.status == OPEN)
    if search:
        query = query.where(func.lower(Campaign.title).contains(search.casefold()))
    query = query.order_by(Campaign.starts_at, Campaign.id).limit(limit)
    return list(await session.scalars(query))


async def links_for(session: AsyncSession, campaign_id: int) -> list[CampaignLink]:
    rows = await session.scalars(
        select(CampaignLink).where(CampaignLink.campaign_id == campaign_id).order_by(CampaignLink.id)
    )
    return list(rows)


async def set_card(session: AsyncSession, campaign_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(card_channel_id=channel_id, card_message_id=message_id)
    )


async def close_campaign(session: AsyncSession, campaign: Campaign, now: datetime) -> bool:
    """Close sign-ups; False when it was closed already."""
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status == OPEN)
        .values(status=CLOSED, closed_at=now)
    )
    campaign.status, campaign.closed_at = CLOSED, now
    return _rowcount(result) == 1


# -------------------------------------------------------------------------------------- slots


async def slots_for(session: AsyncSession, campaign_id: int) -> list[CampaignSlot]:
    """The campaign's live slots (removed ones are left out)."""
    rows = await session.scalars(
        select(CampaignSlot)
        .where(CampaignSlot.campaign_id == campaign_id, CampaignSlot.removed_at.is_(None))  # type: ignore[union-attr]
        .order_by(CampaignSlot.position, CampaignSlot.id)
    )
    return list(rows)


async def get_slot(session: AsyncSession, campaign_id: int, slot_id: int) -> CampaignSlot | None:
    """A live slot of this campaign; None when it is another campaign's, unknown or removed."""
    slot = await session.scalar(
        select(CampaignSlot).where(CampaignSlot.id == slot_id).execution_options(populate_existing=True)
    )
    if slot is None or slot.campaign_id != campaign_id or slot.removed_at is not None:
        return None
    return slot


async def find_slot(session: AsyncSession, campaign_id: int, name: str) -> CampaignSlot | None:
    """A slot by its id (from autocomplete) or its name."""
    if name.isdigit():
        slot = await get_slot(session, campaign_id, int(name))
        if slot is not None:
            return slot
    return await session.scalar(
        select(CampaignSlot).where(
            CampaignSlot.campaign_id == campaign_id,
            CampaignSlot.removed_at.is_(None),  # type: ignore[union-attr]
            func.lower(CampaignSlot.name) == name.strip().casefold(),
        )
    )


async def add_slot(
    session: AsyncSession, campaign: Campaign, name: str, capacity: int, needs: dict[int, int], now: datetime
) -> CampaignSlot:
    count = await session.scalar(
        select(func.count()).select_from(CampaignSlot).where(CampaignSlot.campaign_id == campaign.id)
    )
    slot = CampaignSlot(
        campaign_id=campaign.id, name=name, capacity=capacity, position=int(count or 0), created_at=now
    )
    try:
        async with session.begin_nested():
            session.add(slot)
    except IntegrityError as exc:
        raise CampaignRefused(f"This campaign already has a slot called {name!r}.") from exc
    await set_needs(session, slot, needs)
    return slot


async def set_needs(session: AsyncSession, slot: CampaignSlot, needs: dict[int, int]) -> None:
    await session.execute(delete(SlotNeed).where(SlotNeed.slot_id == slot.id))
    for discipline_id, count in needs.items():
        session.add(SlotNeed(slot_id=slot.id, discipline_id=discipline_id, count=count))
    await session.flush()


async def needs_for(session: AsyncSession, slot_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(SlotNeed.discipline_id, SlotNeed.count).where(SlotNeed.slot_id == slot_id)
    )
    return {discipline_id: count for discipline_id, count in rows}


async def edit_slot(
    session: AsyncSession,
    campaign: Campaign,
    slot: CampaignSlot,
    now: datetime,
    *,
    name: str | None = None,
    capacity: int | None = None,
    needs: dict[int, int] | None = None,
) -> list[Offer]:
    """Rename, resize or change needs; new places go to the waitlist as offers."""
    slot = await _lock_slot(session, slot.id)  # type: ignore[arg-type]
    if name is not None and name != slot.name:
        clash = await session.scalar(
            select(CampaignSlot.id).where(
                CampaignSlot.campaign_id == campaign.id,
                CampaignSlot.name == name,
                CampaignSlot.removed_at.is_(None),  # type: ignore[union-attr]
            )
        )
        if clash is not None:
            raise CampaignRefused(f"This campaign already has a slot called {name!r}.")
        slot.name = name
    if capacity is not None:
        if capacity < slot.taken:
            raise CampaignRefused(
                f"{slot.taken} places in that slot are already taken, so its capacity cannot go below {slot.taken}."
            )
        slot.capacity = capacity
    session.add(slot)
    await session.flush()
    if needs is not None:
        await set_needs(session, slot, needs)
    return await _offer_free_places(session, campaign, slot, now)


async def remove_slot(session: AsyncSession, slot: CampaignSlot, now: datetime) -> list[int]:
    """Retire a slot and end its active sign-ups, keeping every row as history; return whom to tell.

    The sign-ups become REMOVED, so a pending offer-expiry job for one finds no offer and does nothing.
    """
    slot = await _lock_slot(session, slot.id)  # type: ignore[arg-type]
    affected = list(
        await session.scalars(
            select(CampaignSignup.user_id)
            .where(CampaignSignup.slot_id == slot.id, CampaignSignup.status.in_(ACTIVE))  # type: ignore[attr-defined]
            .order_by(CampaignSignup.ticket)
        )
    )
    await session.execute(
        update(CampaignSignup)
        .where(CampaignSignup.slot_id == slot.id, CampaignSignup.status.in_(ACTIVE))  # type: ignore[attr-defined]
        .values(status=REMOVED, ended_at=now, offer_expires_at=None)
    )
    # Needs only steer live recruiting (cards, invitations); a removed slot recruits no one.
    await session.execute(delete(SlotNeed).where(SlotNeed.slot_id == slot.id))
    await session.execute(
        update(CampaignSlot).where(CampaignSlot.id == slot.id).values(removed_at=now, taken=0)
    )
    return affected


async def _lock_slot(session: AsyncSession, slot_id: int) -> CampaignSlot:
    """Reload the live slot with its row locked until commit (FOR UPDATE; SQLite already holds the write lock)."""
    slot = await session.scalar(
        select(CampaignSlot)
        .where(CampaignSlot.id == slot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if slot is None or slot.removed_at is not None:
        raise CampaignRefused("That slot no longer exists.")
    return slot


# ------------------------------------------------------------------------------------ sign-ups


async def waitlist_position(session: AsyncSession, signup: CampaignSignup) -> int:
    ahead = await session.scalar(
        select(func.count())
        .select_from(CampaignSignup)
        .where(
            CampaignSignup.slot_id == signup.slot_id,
            CampaignSignup.status == WAITLISTED,
            CampaignSignup.ticket < signup.ticket,
        )
    )
    return int(ahead or 0) + 1


async def sign_up(
    session: AsyncSession, *, guild_id: int, campaign_id: int, slot_id: int, user_id: int, now: datetime
) -> SignUpResult:
    """Take a place in the slot if one is free, else join its waitlist; a repeat click changes nothing."""
    campaign = await get_campaign(session, guild_id, campaign_id)
    if campaign is None:
        raise CampaignRefused("That campaign does not exist in this server (it may have been deleted).")
    if campaign.status != OPEN:
        raise CampaignRefused(f"Sign-ups for {campaign.title} are closed.")
    if now >= campaign.signup_deadline:
        raise CampaignRefused(f"The sign-up deadline for {campaign.title} has passed.")
    if await get_slot(session, campaign_id, slot_id) is None:
        raise CampaignRefused("That slot no longer exists in this campaign.")
    # Issue the next ticket: this UPDATE locks the slot's row, serializing sign-ups for the slot.
    ticket = await session.scalar(
        update(CampaignSlot)
        .where(CampaignSlot.id == slot_id)
        .values(tickets_issued=CampaignSlot.tickets_issued + 1)
        .returning(CampaignSlot.tickets_issued)
    )
    slot = await session.scalar(
        select(CampaignSlot).where(CampaignSlot.id == slot_id).execution_options(populate_existing=True)
    )
    assert slot is not None
    assert ticket is not None
    if slot.removed_at is not None:
        # Removed while this sign-up waited for the row lock: raising rolls the ticket back too.
        raise CampaignRefused("That slot no longer exists in this campaign.")
    existing = await session.scalar(
        select(CampaignSignup)
        .where(CampaignSignup.slot_id == slot_id, CampaignSignup.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if (
        existing is not None
        and existing.status == OFFERED
        and existing.offer_expires_at is not None
        and now <= existing.offer_expires_at
    ):
        # Joining again while a place is offered is how a member without DMs accepts it.
        existing.status, existing.confirmed_at, existing.offer_expires_at = CONFIRMED, now, None
        session.add(existing)
        await session.flush()
        return SignUpResult(campaign_id, campaign.title, slot_id, slot.name, CONFIRMED, None, False)
    if existing is not None and existing.status in ACTIVE:
        position = await waitlist_position(session, existing) if existing.status == WAITLISTED else None
        return SignUpResult(campaign_id, campaign.title, slot_id, slot.name, existing.status, position, True)
    took = await session.execute(
        update(CampaignSlot)
        .where(CampaignSlot.id == slot_id, CampaignSlot.taken < CampaignSlot.capacity)
        .values(taken=CampaignSlot.taken + 1)
    )
    status = CONFIRMED if _rowcount(took) == 1 else WAITLISTED
    signup = existing or CampaignSignup(
        guild_id=guild_id,
        campaign_id=campaign_id,
        slot_id=slot_id,
        user_id=user_id,
        status=status,
        ticket=ticket,
        signed_up_at=now,
    )
    signup.status, signup.ticket, signup.signed_up_at = status, ticket, now
    signup.confirmed_at = now if status == CONFIRMED else None
    signup.offer_expires_at, signup.ended_at = None, None
    session.add(signup)
    await session.flush()
    position = await waitlist_position(session, signup) if status == WAITLISTED else None
    return SignUpResult(campaign_id, campaign.title, slot_id, slot.name, status, position, False)


async def member_signups(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    campaign_id: int | None = None,
    *,
    active_only: bool = True,
) -> list[tuple[CampaignSignup, CampaignSlot, Campaign]]:
    query = (
        select(CampaignSignup, CampaignSlot, Campaign)
        .join(CampaignSlot, CampaignSlot.id == CampaignSignup.slot_id)
        .join(Campaign, Campaign.id == CampaignSignup.campaign_id)
        .where(CampaignSignup.guild_id == guild_id, CampaignSignup.user_id == user_id)
    )
    if campaign_id is not None:
        query = query.where(CampaignSignup.campaign_id == campaign_id)
    if active_only:
        query = query.where(CampaignSignup.status.in_(ACTIVE))  # type: ignore[attr-defined]
    query = query.order_by(Campaign.starts_at.desc(), CampaignSlot.position)  # type: ignore[attr-defined]
    return [(a, b, c) for a, b, c in (await session.execute(query)).all()]


async def withdraw(
    session: AsyncSession,
    *,
    guild_id: int,
    slot_id: int,
    user_id: int,
    now: datetime,
    status: str = WITHDRAWN,
) -> tuple[CampaignSignup | None, list[Offer]]:
    """Step out of a slot; a held place goes to the first in line as an offer."""
    slot = await _lock_slot(session, slot_id)
    campaign = await get_campaign(session, guild_id, slot.campaign_id)
    if campaign is None:
        raise CampaignRefused("That campaign does not exist in this server.")
    signup = await session.scalar(
        select(CampaignSignup)
        .where(CampaignSignup.slot_id == slot_id, CampaignSignup.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if signup is None or signup.status not in ACTIVE:
        return None, []
    held = signup.status in HOLDING
    signup.status, signup.ended_at, signup.offer_expires_at = status, now, None
    session.add(signup)
    await session.flush()
    if not held:
        return signup, []
    return signup, await _free_place(session, campaign, slot, now)


async def withdraw_everywhere(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime
) -> list[Offer]:
    """Free every place the member holds or awaits in this guild (they left the server)."""
    offers: list[Offer] = []
    for _signup, slot, _campaign in await member_signups(session, guild_id, user_id):
        _, more = await withdraw(
            session, guild_id=guild_id, slot_id=slot.id, user_id=user_id, now=now, status=LEFT
        )  # type: ignore[arg-type]
        offers.extend(more)
    return offers


async def _next_in_line(session: AsyncSession, slot_id: int) -> CampaignSignup | None:
    return await session.scalar(
        select(CampaignSignup)
        .where(CampaignSignup.slot_id == slot_id, CampaignSignup.status == WAITLISTED)
        .order_by(CampaignSignup.ticket)
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _make_offer(campaign: Campaign, slot: CampaignSlot, signup: CampaignSignup, now: datetime) -> Offer:
    signup.status = OFFERED
    signup.offers_made += 1
    signup.offer_expires_at = now + timedelta(hours=campaign.offer_window_hours)
    return Offer(
        signup_id=signup.id,  # type: ignore[arg-type]
        guild_id=campaign.guild_id,
        user_id=signup.user_id,
        campaign_id=campaign.id,  # type: ignore[arg-type]
        campaign_title=campaign.title,
        slot_name=slot.name,
        expires_at=signup.offer_expires_at,
        number=signup.offers_made,
    )


async def _free_place(
    session: AsyncSession, campaign: Campaign, slot: CampaignSlot, now: datetime
) -> list[Offer]:
    """A held place was released: offer it to the first in line (it stays taken), or give it back."""
    nxt = await _next_in_line(session, slot.id)  # type: ignore[arg-type]
    if nxt is None:
        await session.execute(
            update(CampaignSlot)
            .where(CampaignSlot.id == slot.id, CampaignSlot.taken > 0)
            .values(taken=CampaignSlot.taken - 1)
        )
        return []
    offer = _make_offer(campaign, slot, nxt, now)
    session.add(nxt)
    await session.flush()
    return [offer]


async def _offer_free_places(
    session: AsyncSession, campaign: Campaign, slot: CampaignSlot, now: datetime
) -> list[Offer]:
    """Offer every free place to the waitlist, in ticket order (after a capacity raise)."""
    offers = []
    while True:
        nxt = await _next_in_line(session, slot.id)  # type: ignore[arg-type]
        if nxt is None:
            break
        took = await session.execute(
            update(CampaignSlot)
            .where(CampaignSlot.id == slot.id, CampaignSlot.taken < CampaignSlot.capacity)
            .values(taken=CampaignSlot.taken + 1)
        )
        if _rowcount(took) != 1:
            break
        offers.append(_make_offer(campaign, slot, nxt, now))
        session.add(nxt)
        await session.flush()
    return offers


async def get_signup(session: AsyncSession, signup_id: int) -> CampaignSignup | None:
    return await session.scalar(
        select(CampaignSignup).where(CampaignSignup.id == signup_id).execution_options(populate_existing=True)
    )


async def accept_offer(
    session: AsyncSession, signup_id: int, user_id: int, now: datetime
) -> tuple[CampaignSignup, Campaign, CampaignSlot]:
    signup = await get_signup(session, signup_id)
    if signup is None or signup.user_id != user_id:
        raise CampaignRefused("That offer is not yours, or it no longer exists.")
    slot = await _lock_slot(session, signup.slot_id)
    campaign = await session.get(Campaign, signup.campaign_id)
    assert campaign is not None
    signup = await get_signup(session, signup_id)
    assert signup is not None
    if signup.status == CONFIRMED:
        return signup, campaign, slot
    if signup.status != OFFERED or signup.offer_expires_at is None:
        raise CampaignRefused("This offer is no longer open: it expired or went to someone else.")
    if now > signup.offer_expires_at:
        raise CampaignRefused("Sorry, this offer has expired; the place goes to the next person in line.")
    signup.status, signup.confirmed_at, signup.offer_expires_at = CONFIRMED, now, None
    session.add(signup)
    await session.flush()
    return signup, campaign, slot


async def decline_offer(session: AsyncSession, signup_id: int, user_id: int, now: datetime) -> list[Offer]:
    signup = await get_signup(session, signup_id)
    if signup is None or signup.user_id != user_id:
        raise CampaignRefused("That offer is not yours, or it no longer exists.")
    if signup.status != OFFERED:
        raise CampaignRefused("This offer is no longer open.")
    _, offers = await withdraw(
        session,
        guild_id=signup.guild_id,
        slot_id=signup.slot_id,
        user_id=user_id,
        now=now,
        status=OFFER_DECLINED,
    )
    return offers


async def expire_offer(session: AsyncSession, signup_id: int, number: int, now: datetime) -> list[Offer]:
    """Lapse an unanswered offer and pass the place on; a no-op when it was answered in time."""
    signup = await get_signup(session, signup_id)
    if signup is None or signup.status != OFFERED or signup.offers_made != number:
        return []
    if signup.offer_expires_at is not None and signup.offer_expires_at > now:
        return []
    _, offers = await withdraw(
        session,
        guild_id=signup.guild_id,
        slot_id=signup.slot_id,
        user_id=signup.user_id,
        now=now,
        status=LAPSED,
    )
    return offers


# --------------------------------------------------------------------------------- read models


async def campaign_view(session: AsyncSession, campaign_id: int) -> CampaignView | None:
    """Everything the live card shows, read fresh."""
    campaign = await session.scalar(
        select(Campaign).where(Campaign.id == campaign_id).execution_options(populate_existing=True)
    )
    if campaign is None:
        return None
    slots = await session.scalars(
        select(CampaignSlot)
        .where(CampaignSlot.campaign_id == campaign_id, CampaignSlot.removed_at.is_(None))  # type: ignore[union-attr]
        .order_by(CampaignSlot.position, CampaignSlot.id)
        .execution_options(populate_existing=True)
    )
    signups = await session.execute(
        select(CampaignSignup.slot_id, CampaignSignup.user_id, CampaignSignup.status)
        .where(CampaignSignup.campaign_id == campaign_id, CampaignSignup.status.in_(ACTIVE))  # type: ignore[attr-defined]
        .order_by(CampaignSignup.ticket)
    )
    needs = await session.execute(
        select(SlotNeed.slot_id, SlotNeed.discipline_id, SlotNeed.count)
        .join(CampaignSlot, CampaignSlot.id == SlotNeed.slot_id)
        .where(CampaignSlot.campaign_id == campaign_id, CampaignSlot.removed_at.is_(None))  # type: ignore[union-attr]
    )
    views = {
        s.id: SlotView(s.id, s.name, s.capacity, s.taken, [], 0, 0)  # type: ignore[arg-type]
        for s in slots
    }
    for slot_id, user_id, status in signups:
        view = views.get(slot_id)
        if view is None:
            continue
        if status == CONFIRMED:
            view.confirmed.append(user_id)
        elif status == OFFERED:
            view.offered += 1
        else:
            view.waitlisted += 1
    for slot_id, discipline_id, count in needs:
        if slot_id in views:
            views[slot_id].needs[discipline_id] = count
    names: dict[int, str] = {}
    wanted = {d for v in views.values() for d in v.needs}
    if wanted:
        rows = await session.execute(select(Discipline.id, Discipline.name).where(Discipline.id.in_(wanted)))  # type: ignore[union-attr]
        names = {discipline_id: name for discipline_id, name in rows}
        for view in views.values():
            if view.needs and view.confirmed:
                held = await session.execute(
                    select(MemberDiscipline.user_id, MemberDiscipline.discipline_id).where(
                        MemberDiscipline.guild_id == campaign.guild_id,
                        MemberDiscipline.user_id.in_(view.confirmed),  # type: ignore[attr-defined]
                    )
                )
                by_user: dict[int, set[int]] = {}
                for user_id, discipline_id in held:
                    by_user.setdefault(user_id, set()).add(discipline_id)
                view.confirmed_disciplines = list(by_user.values())
    return CampaignView(campaign, list(views.values()), await links_for(session, campaign_id), names)


async def confirmed_members(session: AsyncSession, campaign_id: int) -> list[tuple[int, str]]:
    """(user id, slot name) of every confirmed member, in sign-up order."""
    rows = await session.execute(
        select(CampaignSignup.user_id, CampaignSlot.name)
        .join(CampaignSlot, CampaignSlot.id == CampaignSignup.slot_id)
        .where(
            CampaignSignup.campaign_id == campaign_id,
            CampaignSignup.status == CONFIRMED,
            CampaignSlot.removed_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(CampaignSlot.position, CampaignSignup.ticket)
    )
    return [(user_id, name) for user_id, name in rows]


async def member_history(session: AsyncSession, guild_id: int, user_id: int) -> list[HistoryRow]:
    attendance = await session.execute(
        select(CampaignRollCall.campaign_id, RollCallAnswer.answer)
        .join(CampaignRollCall, CampaignRollCall.id == RollCallAnswer.rollcall_id)
        .where(CampaignRollCall.guild_id == guild_id, RollCallAnswer.user_id == user_id)
        .order_by(RollCallAnswer.id)
    )
    answers = {campaign_id: answer for campaign_id, answer in attendance}
    rows = []
    for signup, slot, campaign in await member_signups(session, guild_id, user_id, active_only=False):
        position = await waitlist_position(session, signup) if signup.status == WAITLISTED else None
        rows.append(
            HistoryRow(
                campaign.id,  # type: ignore[arg-type]
                campaign.title,
                campaign.starts_at,
                slot.name,
                signup.status,
                position,
                signup.signed_up_at,
                answers.get(campaign.id),  # type: ignore[arg-type]
            )
        )
    return rows


async def export_rows(session: AsyncSession, campaign_id: int) -> list[tuple[Any, ...]]:
    """One row per sign-up: member, disciplines, organization, slot, status, signed up at, roll-call answer."""
    signups = (
        await session.execute(
            select(CampaignSignup, CampaignSlot.name)
            .join(CampaignSlot, CampaignSlot.id == CampaignSignup.slot_id)
            .where(CampaignSignup.campaign_id == campaign_id)
            .order_by(CampaignSlot.position, CampaignSignup.ticket)
        )
    ).all()
    if not signups:
        return []
    guild_id = signups[0][0].guild_id
    user_ids = {s.user_id for s, _ in signups}
    profiles = {
        p.user_id: p
        for p in await session.scalars(
            select(MemberProfile).where(
                MemberProfile.guild_id == guild_id, MemberProfile.user_id.in_(user_ids)
            )  # type: ignore[attr-defined]
        )
    }
    disciplines: dict[int, list[str]] = {}
    held = await session.execute(
        select(MemberDiscipline.user_id, Discipline.name)
        .join(Discipline, Discipline.id == MemberDiscipline.discipline_id)
        .where(MemberDiscipline.guild_id == guild_id, MemberDiscipline.user_id.in_(user_ids))  # type: ignore[attr-defined]
        .order_by(Discipline.name)
    )
    for user_id, name in held:
        disciplines.setdefault(user_id, []).append(name)
    answers: dict[int, str] = {}
    rows = await session.execute(
        select(RollCallAnswer.user_id, RollCallAnswer.answer)
        .join(CampaignRollCall, CampaignRollCall.id == RollCallAnswer.rollcall_id)
        .where(CampaignRollCall.campaign_id == campaign_id)
        .order_by(RollCallAnswer.id)
    )
    for user_id, answer in rows:
        answers[user_id] = answer
    out = []
    for signup, slot_name in signups:
        profile = profiles.get(signup.user_id)
        member = profile.display_name if profile and profile.display_name else str(signup.user_id)
        out.append(
            (
                member,
                "; ".join(disciplines.get(signup.user_id, [])),
                profile.organization if profile else "",
                slot_name,
                # "removed" alone could read as the member being removed; it was the slot.
                "slot removed" if signup.status == REMOVED else signup.status,
                signup.signed_up_at.isoformat(),
                answers.get(signup.user_id, ""),
            )
        )
    return out


async def open_places_for(
    session: AsyncSession, guild_id: int, *, discipline_ids: set[int], now: datetime, limit: int = 3
) -> list[OpenPlace]:
    """Open places in campaigns still taking sign-ups, slots needing these disciplines first."""
    rows = (
        await session.execute(
            select(Campaign, CampaignSlot)
            .join(CampaignSlot, CampaignSlot.campaign_id == Campaign.id)
            .where(
                Campaign.guild_id == guild_id,
                Campaign.status == OPEN,
                Campaign.signup_deadline > now,
                CampaignSlot.removed_at.is_(None),  # type: ignore[union-attr]
                CampaignSlot.taken < CampaignSlot.capacity,
            )
            .order_by(Campaign.signup_deadline, CampaignSlot.position)
        )
    ).all()
    fitting: set[int] = set()
    if discipline_ids and rows:
        fitting = set(
            await session.scalars(
                select(SlotNeed.slot_id).where(
                    SlotNeed.slot_id.in_([slot.id for _, slot in rows]),  # type: ignore[attr-defined]
                    SlotNeed.discipline_id.in_(discipline_ids),  # type: ignore[attr-defined]
                )
            )
        )
    places = [
        OpenPlace(
            campaign.id,  # type: ignore[arg-type]
            campaign.title,
            slot.id,  # type: ignore[arg-type]
            slot.name,
            slot.capacity - slot.taken,
            campaign.signup_deadline,
            slot.id in fitting,
        )
        for campaign, slot in rows
    ]
    places.sort(key=lambda p: not p.fits_disciplines)  # stable: keeps deadline order within each group
    return places[:limit]


# ---------------------------------------------------------------------------------- reminders


async def claim_reminder(
    session: AsyncSession, campaign_id: int, user_id: int, hours: int, now: datetime
) -> bool:
    """Mark this reminder as sent to this member; False if it was already (by us or another process)."""
    try:
        async with session.begin_nested():
            session.add(
                CampaignReminderSent(
                    campaign_id=campaign_id, user_id=user_id, hours_before=hours, sent_at=now
                )
            )
    except IntegrityError:
        return False
    return True


# ---------------------------------------------------------------------------------- roll calls


async def create_rollcall(
    session: AsyncSession,
    campaign: Campaign,
    *,
    created_by: int,
    now: datetime,
    nudge_at: datetime,
    closes_at: datetime,
    members: list[tuple[int, str]],
) -> CampaignRollCall:
    rollcall = CampaignRollCall(
        guild_id=campaign.guild_id,
        campaign_id=campaign.id,  # type: ignore[arg-type]
        created_by=created_by,
        created_at=now,
        nudge_at=nudge_at,
        closes_at=closes_at,
    )
    session.add(rollcall)
    await session.flush()
    seen: set[int] = set()
    for user_id, slot_name in members:
        if user_id in seen:
            continue
        seen.add(user_id)
        session.add(RollCallAnswer(rollcall_id=rollcall.id, user_id=user_id, slot_name=slot_name))  # type: ignore[arg-type]
    await session.flush()
    return rollcall


async def delete_rollcall(session: AsyncSession, rollcall_id: int) -> None:
    """Forget a roll call whose message could not be posted (no one was ever asked)."""
    await session.execute(delete(RollCallAnswer).where(RollCallAnswer.rollcall_id == rollcall_id))  # type: ignore[arg-type]
    await session.execute(delete(CampaignRollCall).where(CampaignRollCall.id == rollcall_id))  # type: ignore[arg-type]


async def set_rollcall_message(
    session: AsyncSession, rollcall_id: int, channel_id: int, message_id: int
) -> None:
    await session.execute(
        update(CampaignRollCall)
        .where(CampaignRollCall.id == rollcall_id)
        .values(channel_id=channel_id, message_id=message_id)
    )


async def get_rollcall(session: AsyncSession, rollcall_id: int) -> CampaignRollCall | None:
    return await session.scalar(
        select(CampaignRollCall)
        .where(CampaignRollCall.id == rollcall_id)
        .execution_options(populate_existing=True)
    )


async def rollcall_answers(session: AsyncSession, rollcall_id: int) -> list[RollCallAnswer]:
    rows = await session.scalars(
        select(RollCallAnswer)
        .where(RollCallAnswer.rollcall_id == rollcall_id)
        .order_by(RollCallAnswer.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def answer_rollcall(
    session: AsyncSession, rollcall_id: int, user_id: int, answer: str, now: datetime
) -> RollCallAnswer:
    rollcall = await get_rollcall(session, rollcall_id)
    if rollcall is None:
        raise CampaignRefused("That roll call no longer exists.")
    if rollcall.status != OPEN:
        raise CampaignRefused("This roll call is closed.")
    row = await session.scalar(
        select(RollCallAnswer)
        .where(RollCallAnswer.rollcall_id == rollcall_id, RollCallAnswer.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise CampaignRefused(
            "This roll call is for the confirmed members of the campaign, and you are not among them."
        )
    if row.answer == DECLINED and answer == READY:
        raise CampaignRefused(
            "You already said you can't make it, and your place was passed on. Thank you for letting us know."
        )
    row.answer, row.answered_at = answer, now
    session.add(row)
    await session.flush()
    return row


async def claim_nudge(session: AsyncSession, rollcall_id: int, user_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(RollCallAnswer)
        .where(
            RollCallAnswer.rollcall_id == rollcall_id,
            RollCallAnswer.user_id == user_id,
            RollCallAnswer.answer == PENDING,
            RollCallAnswer.nudged_at.is_(None),  # type: ignore[union-attr]
        )
        .values(nudged_at=now)
    )
    return _rowcount(result) == 1


async def close_rollcall(session: AsyncSession, rollcall_id: int, now: datetime) -> bool:
    """Close once: the unanswered become silent in the attendance record. False if already closed."""
    result = await session.execute(
        update(CampaignRollCall)
        .where(CampaignRollCall.id == rollcall_id, CampaignRollCall.status == OPEN)
        .values(status=CLOSED, closed_at=now)
    )
    if _rowcount(result) != 1:
        return False
    await session.execute(
        update(RollCallAnswer)
        .where(RollCallAnswer.rollcall_id == rollcall_id, RollCallAnswer.answer == PENDING)
        .values(answer=SILENT)
    )
    return True


# -------------------------------------------------------------------------------- invitations


async def set_invite_opt_out(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime, opted_out: bool = True
) -> None:
    existing = await session.scalar(
        select(CampaignInviteOptOut).where(
            CampaignInviteOptOut.guild_id == guild_id, CampaignInviteOptOut.user_id == user_id
        )
    )
    if opted_out and existing is None:
        session.add(CampaignInviteOptOut(guild_id=guild_id, user_id=user_id, created_at=now))
    elif not opted_out and existing is not None:
        await session.delete(existing)
    await session.flush()


async def invite_candidates(
    session: AsyncSession, campaign: Campaign, wanted: dict[int, tuple[int, str]]
) -> list[tuple[int, int, str]]:
    """(user id, slot id, discipline name) for members holding a wanted discipline who may be invited.

    `wanted` maps a discipline id to the slot that still needs it and the discipline's name. Skips
    members who opted out, were invited to this campaign before, left, or already signed up there.
    """
    if not wanted:
        return []
    excluded = set(
        await session.scalars(
            select(CampaignInviteOptOut.user_id).where(CampaignInviteOptOut.guild_id == campaign.guild_id)
        )
    )
    excluded |= set(
        await session.scalars(select(CampaignInvite.user_id).where(CampaignInvite.campaign_id == campaign.id))
    )
    excluded |= set(
        await session.scalars(
            select(CampaignSignup.user_id).where(
                CampaignSignup.campaign_id == campaign.id, CampaignSignup.status.in_(ACTIVE)
            )  # type: ignore[attr-defined]
        )
    )
    departed = set(
        await session.scalars(
            select(MemberProfile.user_id).where(
                MemberProfile.guild_id == campaign.guild_id, MemberProfile.left_at.is_not(None)
            )  # type: ignore[union-attr]
        )
    )
    rows = await session.execute(
        select(MemberDiscipline.user_id, MemberDiscipline.discipline_id)
        .where(MemberDiscipline.guild_id == campaign.guild_id, MemberDiscipline.discipline_id.in_(wanted))  # type: ignore[attr-defined]
        .order_by(MemberDiscipline.id)
    )
    out: list[tuple[int, int, str]] = []
    chosen: set[int] = set()
    for user_id, discipline_id in rows:
        if user_id in excluded or user_id in departed or user_id in chosen:
            continue
        chosen.add(user_id)
        slot_id, name = wanted[discipline_id]
        out.append((user_id, slot_id, name))
    return out


async def record_invite(
    session: AsyncSession, campaign_id: int, user_id: int, slot_id: int, now: datetime
) -> bool:
    try:
        async with session.begin_nested():
            session.add(
                CampaignInvite(campaign_id=campaign_id, user_id=user_id, slot_id=slot_id, sent_at=now)
            )
    except IntegrityError:
        return False
    return True


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
