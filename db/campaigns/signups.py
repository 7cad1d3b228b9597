"""Sign-ups, the waitlist and the offers of freed places."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Row, ScalarSelect, Select, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.campaigns.models import (
    ACTIVE,
    CONFIRMED,
    HOLDING,
    LAPSED,
    LEFT,
    OFFER_DECLINED,
    OFFERED,
    OPEN,
    WAITLISTED,
    WITHDRAWN,
    Campaign,
    CampaignRefused,
    CampaignSignup,
    CampaignSlot,
    ChangedMeanwhile,
    Offer,
    SignUpResult,
    rowcount,
    stored_id,
)
from db.campaigns.rows import get_campaign, get_signup, lock_slot
from db.types import UTCDateTime, insert_ignoring_conflict, table_of

_campaign_t = table_of(Campaign)
_slot_t = table_of(CampaignSlot)
_signup_t = table_of(CampaignSignup)
_mine = _signup_t.alias("mine")  # the clicking member's own sign-up, beside the slot's line
Parameter = BindParameter[Any]


def _waiting_in(slot_id: Parameter, *, before_ticket: Parameter | None = None) -> ScalarSelect[int]:
    """How many wait in the slot's line (ahead of a ticket, when one is given).

    A former member's spot is left out: it is history, and offers pass it by (`_first_in_line`).
    """
    waiting = _signup_t.alias("waiting")
    query = (
        select(func.count())
        .select_from(waiting)
        .where(waiting.c.slot_id == slot_id, waiting.c.status == WAITLISTED, waiting.c.user_id > 0)
    )
    if before_ticket is not None:
        query = query.where(waiting.c.ticket < before_ticket)
    return query.scalar_subquery()


def _first_in_line(slot_id: Parameter) -> ScalarSelect[int]:
    """The waitlisted sign-up next in line; a former member's spot is history, not a person to ask."""
    line = _signup_t.alias("line")
    return (
        select(line.c.id)
        .where(line.c.slot_id == slot_id, line.c.status == WAITLISTED, line.c.user_id > 0)
        .order_by(line.c.ticket)
        .limit(1)
        .scalar_subquery()
    )


Place = Row[*tuple[Any, ...]]
"""A member's standing in one slot, as `_places` reads it (their sign-up's columns are None when they have none)."""


def _places() -> Select[*tuple[Any, ...]]:
    """One read for a click on a slot: the slot (locked until commit), its campaign, the member's sign-up.

    Every writer of one slot takes turns on its row's lock (SQLite's units of work begin IMMEDIATE, which
    does the same for the whole file). On PostgreSQL a statement reads other tables' rows as of its start,
    which can be before its turn came: so the lock is taken by a statement of its own first (`_lock_slots`),
    and this read, which starts after it, sees everything committed before the turn. The member's own row
    is still written only if it is as read, and the waitlist is counted and searched inside the writes.

    The statements of the hot paths are built once, with parameters: building one costs more Python than
    running it.
    """
    mine = _mine
    return (
        select(
            _slot_t.c.id.label("slot_id"),
            _slot_t.c.campaign_id,
            _slot_t.c.name.label("slot_name"),
            _slot_t.c.removed_at,
            _slot_t.c.taken,
            _slot_t.c.capacity,
            _campaign_t.c.guild_id,
            _campaign_t.c.title,
            _campaign_t.c.status.label("campaign_status"),
            _campaign_t.c.signup_deadline,
            _campaign_t.c.offer_window_hours,
            mine.c.id.label("signup_id"),
            mine.c.user_id.label("member_id"),
            mine.c.status,
            mine.c.offer_expires_at,
            mine.c.offers_made,
            mine.c.ticket,
        )
        .select_from(
            _slot_t.join(_campaign_t, _campaign_t.c.id == _slot_t.c.campaign_id).outerjoin(
                mine,
                and_(
                    mine.c.slot_id == _slot_t.c.id, mine.c.user_id.in_(bindparam("members", expanding=True))
                ),
            )
        )
        .with_for_update(of=_slot_t)
    )


_PLACES = _places()
_SLOT_PLACES = _PLACES.where(_slot_t.c.id == bindparam("slot_id"))
_HELD_PLACES = _PLACES.where(
    _slot_t.c.campaign_id == bindparam("campaign_id"),
    _slot_t.c.removed_at.is_(None),
    _campaign_t.c.guild_id == bindparam("guild_id"),
    _mine.c.status.in_(ACTIVE),  # only slots where the member holds or awaits a place
).order_by(_slot_t.c.position, _slot_t.c.id)
_ISSUE = (
    update(_slot_t)
    .where(
        _slot_t.c.id == bindparam("p_slot"),
        _slot_t.c.removed_at.is_(None),
        # The database, not the read, holds capacity.
        _slot_t.c.taken + bindparam("p_placing") <= _slot_t.c.capacity,
    )
    .values(
        tickets_issued=_slot_t.c.tickets_issued + bindparam("p_arriving"),
        taken=_slot_t.c.taken + bindparam("p_placing"),
    )
    .returning(_slot_t.c.tickets_issued, _waiting_in(bindparam("p_slot")).label("waiting"))
)
_END = (
    update(_signup_t)
    .where(_signup_t.c.id == bindparam("p_id"), _signup_t.c.status == bindparam("p_seen"))
    .values(
        status=bindparam("p_status"), ended_at=bindparam("p_now", type_=UTCDateTime()), offer_expires_at=None
    )
    .returning(_first_in_line(bindparam("p_slot")).label("next_id"))
)
_POSITION = select(_waiting_in(bindparam("slot_id"), before_ticket=bindparam("ticket")))


_LOCK_SLOT = select(_slot_t.c.id).where(_slot_t.c.id == bindparam("slot_id")).with_for_update()
_LOCK_HELD = (
    select(_slot_t.c.id)
    .where(
        _slot_t.c.id.in_(
            select(_signup_t.c.slot_id).where(
                _signup_t.c.campaign_id == bindparam("campaign_id"),
                _signup_t.c.user_id == bindparam("user_id"),
                _signup_t.c.status.in_(ACTIVE),
            )
        )
    )
    .order_by(_slot_t.c.id)  # one order for every locker: two of them never wait on each other in a circle
    .with_for_update()
)


async def _lock_slots(session: AsyncSession, statement: Select[Any], parameters: dict[str, int]) -> None:
    """On PostgreSQL, wait for the slots' turn before reading (see `_places`); SQLite's IMMEDIATE already did."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(statement, parameters)


async def _slot_and_member(session: AsyncSession, slot_id: int, user_id: int) -> Place | None:
    """The slot, its campaign and the member's sign-up in it, read once the slot is this transaction's."""
    await _lock_slots(session, _LOCK_SLOT, {"slot_id": slot_id})
    return (await session.execute(_SLOT_PLACES, {"slot_id": slot_id, "members": [user_id]})).first()


async def places_held(session: AsyncSession, guild_id: int, campaign_id: int, user_id: int) -> list[Place]:
    """The member's places and waitlist spots in a campaign's live slots, each slot locked, in card order."""
    await _lock_slots(session, _LOCK_HELD, {"campaign_id": campaign_id, "user_id": user_id})
    found = await session.execute(
        _HELD_PLACES, {"campaign_id": campaign_id, "guild_id": guild_id, "members": [user_id]}
    )
    return list(found.all())


def _refuse_closed(row: Place, now: datetime) -> None:
    """Refuse a sign-up the campaign no longer takes."""
    if row.campaign_status == "cancelled":
        raise CampaignRefused(f"{row.title} was cancelled.")
    if row.campaign_status != OPEN:
        raise CampaignRefused(f"Sign-ups for {row.title} are closed.")
    if now >= row.signup_deadline:
        raise CampaignRefused(f"The sign-up deadline for {row.title} has passed.")


async def _missing(session: AsyncSession, guild_id: int, campaign_id: int) -> CampaignRefused:
    """Why a click found no live slot: the campaign is gone, or only the slot is (refusals only)."""
    if await get_campaign(session, guild_id, campaign_id) is None:
        return CampaignRefused("That campaign does not exist in this server (it may have been deleted).")
    return CampaignRefused("That slot no longer exists in this campaign.")


async def sign_up(
    session: AsyncSession, *, guild_id: int, campaign_id: int, slot_id: int, user_id: int, now: datetime
) -> SignUpResult:
    """Take a place in the slot if one is free, else join its waitlist; a repeat click changes nothing."""
    (result,) = await sign_up_many(
        session, guild_id=guild_id, campaign_id=campaign_id, slot_id=slot_id, user_ids=[user_id], now=now
    )
    return result


async def sign_up_many(
    session: AsyncSession,
    *,
    guild_id: int,
    campaign_id: int,
    slot_id: int,
    user_ids: Sequence[int],
    now: datetime,
) -> list[SignUpResult]:
    """Sign members up in the order given: free places first, then the waitlist (one result per entry).

    Three statements however many members (on PostgreSQL one more first, taking the slot's lock): one read
    (the locked slot, its campaign and the members' rows), one conditional UPDATE … RETURNING handing out
    their tickets and places, and one INSERT of their rows.
    A member who already holds a place, answers an open offer, or signs up again after withdrawing costs
    one statement more.
    """
    await _lock_slots(session, _LOCK_SLOT, {"slot_id": slot_id})
    rows = (await session.execute(_SLOT_PLACES, {"slot_id": slot_id, "members": list(set(user_ids))})).all()
    if not rows or rows[0].campaign_id != campaign_id or rows[0].guild_id != guild_id:
        raise await _missing(session, guild_id, campaign_id)
    slot = rows[0]
    _refuse_closed(slot, now)
    if slot.removed_at is not None:
        raise CampaignRefused("That slot no longer exists in this campaign.")
    theirs = {row.member_id: row for row in rows if row.member_id is not None}

    def result(status: str, position: int | None, already: bool) -> SignUpResult:
        return SignUpResult(campaign_id, slot.title, slot_id, slot.slot_name, status, position, already)

    results: dict[int, SignUpResult] = {}
    arriving: list[int] = []
    for user_id in dict.fromkeys(user_ids):
        mine = theirs.get(user_id)
        if (
            mine is not None
            and mine.status == OFFERED
            and mine.offer_expires_at
            and now <= mine.offer_expires_at
        ):
            # Joining again while a place is offered is how a member without DMs accepts it.
            await _accept_by_joining(session, mine.signup_id, now)
            results[user_id] = result(CONFIRMED, None, False)
        elif mine is not None and mine.status in ACTIVE:
            position = await _position(session, slot_id, mine.ticket) if mine.status == WAITLISTED else None
            results[user_id] = result(mine.status, position, True)
        else:
            arriving.append(user_id)
    if arriving:
        placed = await _place(session, slot, arriving, theirs, guild_id=guild_id, now=now)
        results.update((user_id, result(*standing, False)) for user_id, standing in placed.items())
    answers, seen = [], set()
    for user_id in user_ids:  # a member listed twice (a double click) hears "already" the second time
        answer = results[user_id]
        answers.append(replace(answer, already=True) if user_id in seen else answer)
        seen.add(user_id)
    return answers


async def _accept_by_joining(session: AsyncSession, signup_id: int, now: datetime) -> None:
    accepted = await session.execute(
        update(_signup_t)
        .where(_signup_t.c.id == signup_id, _signup_t.c.status == OFFERED)
        .values(status=CONFIRMED, confirmed_at=now, offer_expires_at=None)
    )
    if rowcount(accepted) != 1:
        raise ChangedMeanwhile


async def _place(
    session: AsyncSession,
    slot: Place,
    arriving: list[int],
    theirs: dict[int, Place],
    *,
    guild_id: int,
    now: datetime,
) -> dict[int, tuple[str, int | None]]:
    """Hand the arriving members tickets in their order, and places while they last; (status, position) each."""
    placing = max(0, min(slot.capacity - slot.taken, len(arriving)))
    issued = (
        await session.execute(
            _ISSUE, {"p_slot": slot.slot_id, "p_placing": placing, "p_arriving": len(arriving)}
        )
    ).first()
    if issued is None:  # the slot changed though its row was locked: change nothing
        raise ChangedMeanwhile
    first_ticket = issued.tickets_issued - len(arriving) + 1
    standings: dict[int, tuple[str, int | None]] = {}
    new_rows, returning_rows = [], []
    for index, user_id in enumerate(arriving):
        took = index < placing
        standings[user_id] = (CONFIRMED, None) if took else (WAITLISTED, issued.waiting + index - placing + 1)
        written = {
            "status": CONFIRMED if took else WAITLISTED,
            "ticket": first_ticket + index,
            "signed_up_at": now,
            "confirmed_at": now if took else None,
            "offer_expires_at": None,
            "ended_at": None,
        }
        if user_id in theirs:  # signing up again after withdrawing reuses the member's row for this slot
            returning_rows.append((theirs[user_id].signup_id, written))
        else:
            new_rows.append(
                {
                    "guild_id": guild_id,
                    "campaign_id": slot.campaign_id,
                    "slot_id": slot.slot_id,
                    "user_id": user_id,
                }
                | written
            )
    if new_rows:
        # The rows as parameters of one statement, not inlined VALUES: its compiled form is then cached.
        inserted = await session.execute(
            insert_ignoring_conflict(session, _signup_t, ("slot_id", "user_id")).returning(_signup_t.c.id),
            new_rows,
        )
        if len(inserted.all()) != len(new_rows):  # one of them signed up meanwhile from another process
            raise ChangedMeanwhile
    for signup_id, written in returning_rows:
        again = await session.execute(
            update(_signup_t)
            .where(_signup_t.c.id == signup_id, _signup_t.c.status.not_in(ACTIVE))
            .values(**written)
        )
        if rowcount(again) != 1:
            raise ChangedMeanwhile
    return standings


async def waitlist_position(session: AsyncSession, signup: CampaignSignup) -> int:
    """A waitlisted sign-up's place in line, counting from 1 (as the member was told when they joined)."""
    return await _position(session, signup.slot_id, signup.ticket)


async def _position(session: AsyncSession, slot_id: int, ticket: int) -> int:
    """A waitlisted ticket's place in line, counting from 1."""
    ahead = await session.scalar(_POSITION, {"slot_id": slot_id, "ticket": ticket})
    return int(ahead or 0) + 1


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
        .join(CampaignSlot, col(CampaignSlot.id) == col(CampaignSignup.slot_id))
        .join(Campaign, col(Campaign.id) == col(CampaignSignup.campaign_id))
        .where(col(CampaignSignup.guild_id) == guild_id, col(CampaignSignup.user_id) == user_id)
    )
    if campaign_id is not None:
        query = query.where(col(CampaignSignup.campaign_id) == campaign_id)
    if active_only:
        query = query.where(col(CampaignSignup.status).in_(ACTIVE))
    query = query.order_by(col(Campaign.starts_at).desc(), col(CampaignSlot.position))
    return [(a, b, c) for a, b, c in (await session.execute(query)).all()]


async def withdraw(
    session: AsyncSession,
    *,
    guild_id: int,
    slot_id: int,
    user_id: int,
    now: datetime,
    status: str = WITHDRAWN,
    only_if: str | None = None,
    offer_number: int | None = None,
) -> tuple[int | None, list[Offer]]:
    """Step out of a slot; a held place goes to the first in line as an offer. Returns the sign-up's id.

    `only_if` (a status) and `offer_number` are checked on the row as read once the slot is locked: what a
    caller saw before the lock (an open offer, a confirmed place) may have been answered meanwhile.
    """
    place = await _slot_and_member(session, slot_id, user_id)
    if place is None or place.guild_id != guild_id:
        raise CampaignRefused("That campaign does not exist in this server.")
    if place.removed_at is not None:
        raise CampaignRefused("That slot no longer exists.")
    if place.signup_id is None or place.status not in ACTIVE:
        return None, []
    if (only_if is not None and place.status != only_if) or (
        offer_number is not None and place.offers_made != offer_number
    ):
        return None, []
    return place.signup_id, await give_up(session, place, now, status)


async def give_up(session: AsyncSession, place: Place, now: datetime, status: str = WITHDRAWN) -> list[Offer]:
    """End the member's sign-up in a place read above; a held place is offered on or freed.

    With the read, three statements: the sign-up ended (finding, as it does, who is first in line), then the
    place offered to them or given back.
    """
    ended = (
        await session.execute(
            _END,
            {
                "p_id": place.signup_id,
                "p_seen": place.status,
                "p_status": status,
                "p_now": now,
                "p_slot": place.slot_id,
            },
        )
    ).first()
    if ended is None:
        raise ChangedMeanwhile
    if place.status not in HOLDING:
        return []
    if ended.next_id is None:  # nobody waiting: the place is free again
        await session.execute(
            update(_slot_t)
            .where(_slot_t.c.id == place.slot_id, _slot_t.c.taken > 0)
            .values(taken=_slot_t.c.taken - 1)
        )
        return []
    expires_at = now + timedelta(hours=place.offer_window_hours)
    offered = (
        await session.execute(
            update(_signup_t)
            .where(_signup_t.c.id == ended.next_id)
            .values(status=OFFERED, offers_made=_signup_t.c.offers_made + 1, offer_expires_at=expires_at)
            .returning(_signup_t.c.user_id, _signup_t.c.offers_made)
        )
    ).one()
    offer = Offer(
        signup_id=ended.next_id,
        guild_id=place.guild_id,
        user_id=offered.user_id,
        campaign_id=place.campaign_id,
        campaign_title=place.title,
        slot_name=place.slot_name,
        expires_at=expires_at,
        number=offered.offers_made,
    )
    return [offer]


async def withdraw_everywhere(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime
) -> list[Offer]:
    """Free every place the member holds or awaits in this guild (they left the server)."""
    offers: list[Offer] = []
    for _signup, slot, _campaign in await member_signups(session, guild_id, user_id):
        _, more = await withdraw(
            session, guild_id=guild_id, slot_id=stored_id(slot), user_id=user_id, now=now, status=LEFT
        )
        offers.extend(more)
    return offers


async def _next_in_line(session: AsyncSession, slot_id: int) -> CampaignSignup | None:
    return await session.scalar(
        select(CampaignSignup)
        .where(
            col(CampaignSignup.slot_id) == slot_id,
            col(CampaignSignup.status) == WAITLISTED,
            col(CampaignSignup.user_id)
            > 0,  # a former member's waitlist spot is history, not a person to ask
        )
        .order_by(col(CampaignSignup.ticket))
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _make_offer(campaign: Campaign, slot: CampaignSlot, signup: CampaignSignup, now: datetime) -> Offer:
    signup.status = OFFERED
    signup.offers_made += 1
    expires_at = now + timedelta(hours=campaign.offer_window_hours)
    signup.offer_expires_at = expires_at
    return _offer(campaign, slot, signup, expires_at)


def _offer(campaign: Campaign, slot: CampaignSlot, signup: CampaignSignup, expires_at: datetime) -> Offer:
    return Offer(
        signup_id=stored_id(signup),
        guild_id=campaign.guild_id,
        user_id=signup.user_id,
        campaign_id=stored_id(campaign),
        campaign_title=campaign.title,
        slot_name=slot.name,
        expires_at=expires_at,
        number=signup.offers_made,
    )


async def open_offer(session: AsyncSession, signup_id: int, number: int, now: datetime) -> Offer | None:
    """The offer, if this one (by its number) is still open and unanswered."""
    signup = await get_signup(session, signup_id)
    if signup is None or signup.status != OFFERED or signup.offers_made != number:
        return None
    if signup.offer_expires_at is None or signup.offer_expires_at <= now:
        return None
    campaign = await session.get(Campaign, signup.campaign_id)
    slot = await session.get(CampaignSlot, signup.slot_id)
    if campaign is None or slot is None:
        return None
    return _offer(campaign, slot, signup, signup.offer_expires_at)


async def offer_free_places(
    session: AsyncSession, campaign: Campaign, slot: CampaignSlot, now: datetime
) -> list[Offer]:
    """Offer every free place to the waitlist, in ticket order (after a capacity raise)."""
    offers = []
    while True:
        nxt = await _next_in_line(session, stored_id(slot))
        if nxt is None:
            break
        took = await session.execute(
            update(CampaignSlot)
            .where(col(CampaignSlot.id) == slot.id, col(CampaignSlot.taken) < col(CampaignSlot.capacity))
            .values(taken=col(CampaignSlot.taken) + 1)
        )
        if rowcount(took) != 1:
            break
        offers.append(_make_offer(campaign, slot, nxt, now))
        session.add(nxt)
        await session.flush()
    return offers


async def accept_offer(
    session: AsyncSession, signup_id: int, user_id: int, now: datetime
) -> tuple[CampaignSignup, Campaign, CampaignSlot]:
    signup = await get_signup(session, signup_id)
    if signup is None or signup.user_id != user_id:
        raise CampaignRefused("That offer is not yours, or it no longer exists.")
    slot = await lock_slot(session, signup.slot_id)
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
        only_if=OFFERED,
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
        only_if=OFFERED,
        offer_number=number,
    )
    return offers
