"""Campaign storage on SQLite and PostgreSQL: capacity, waitlist order, offers, reminders, roll calls."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError

from db import campaigns
from db.campaigns import CampaignSignup, CampaignSlot
from db.disciplines import seed_defaults, set_member_disciplines
from db.engine import Database

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
GUILD = 111


async def _campaign(
    database: Database, *, capacity: int = 50, slots: int = 1, guild: int = GUILD
) -> tuple[int, list[int]]:
    async with database.session() as session:
        campaign = await campaigns.create_campaign(
            session,
            guild_id=guild,
            title="Heat safety week",
            description="Op-eds and posts on extreme heat.",
            starts_at=NOW + timedelta(days=10),
            ends_at=NOW + timedelta(days=11),
            signup_deadline=NOW + timedelta(days=9),
            timezone="America/Chicago",
            created_by=1,
            now=NOW,
            links=[("Toolkit", "https://example.org/toolkit", "toolkit")],
        )
        slot_ids = []
        for index in range(slots):
            slot = await campaigns.add_slot(session, campaign, f"Role {index}", capacity, {}, NOW)
            slot_ids.append(slot.id)
        return campaign.id, slot_ids  # type: ignore[return-value]


async def _sign_up(
    database: Database, campaign_id: int, slot_id: int, user_id: int
) -> campaigns.SignUpResult:
    while True:  # as the use case does: a unit of work whose rows changed under it is run again
        try:
            async with database.session() as session:
                return await campaigns.sign_up(
                    session,
                    guild_id=GUILD,
                    campaign_id=campaign_id,
                    slot_id=slot_id,
                    user_id=user_id,
                    now=NOW,
                )
        except campaigns.ChangedMeanwhile:
            continue


async def _statuses(database: Database, slot_id: int) -> list[tuple[int, str, int]]:
    async with database.session() as session:
        rows = await session.execute(
            select(CampaignSignup.user_id, CampaignSignup.status, CampaignSignup.ticket)
            .where(CampaignSignup.slot_id == slot_id)
            .order_by(CampaignSignup.ticket)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_two_hundred_concurrent_sign_ups_fill_fifty_places_and_queue_the_rest(
    database: Database,
) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=50)
    results = await asyncio.gather(*(_sign_up(database, campaign_id, slot_id, 1000 + i) for i in range(200)))

    assert sum(r.status == campaigns.CONFIRMED for r in results) == 50
    waitlisted = sorted(r.position for r in results if r.status == campaigns.WAITLISTED)  # type: ignore[type-var]
    assert waitlisted == list(range(1, 151))
    rows = await _statuses(database, slot_id)
    assert len(rows) == 200
    assert len({user for user, _, _ in rows}) == 200
    # The waitlist order is the arrival order: the first 50 tickets hold the places.
    assert [status for _, status, _ in rows] == ["confirmed"] * 50 + ["waitlisted"] * 150
    async with database.session() as session:
        slot = await session.get(CampaignSlot, slot_id)
        assert slot is not None
        assert (slot.taken, slot.capacity) == (50, 50)


async def test_double_click_never_creates_two_sign_ups(database: Database) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=5)
    results = await asyncio.gather(*(_sign_up(database, campaign_id, slot_id, 42) for _ in range(10)))
    assert sum(not r.already for r in results) == 1
    assert len(await _statuses(database, slot_id)) == 1


async def test_a_group_of_sign_ups_is_stored_in_order_with_repeats_returns_and_offers_in_three_statements(
    database: Database,
) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=3)
    for user in (1, 2, 3, 4):  # 1-3 hold the places, 4 waits
        await _sign_up(database, campaign_id, slot_id, user)
    async with database.session() as session:  # 1 withdraws: 4 is offered the place; 2 withdraws too
        await campaigns.withdraw(session, guild_id=GUILD, slot_id=slot_id, user_id=1, now=NOW)
        await campaigns.withdraw(session, guild_id=GUILD, slot_id=slot_id, user_id=2, now=NOW)

    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with database.session() as session:
            plain = await campaigns.sign_up_many(
                session,
                guild_id=GUILD,
                campaign_id=campaign_id,
                slot_id=slot_id,
                user_ids=[10, 11, 12],
                now=NOW,
            )
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    # One place was free (2's): the first of the group takes it, the others queue behind the waitlist.
    assert [(r.status, r.position, r.already) for r in plain] == [
        ("confirmed", None, False),
        ("waitlisted", 1, False),
        ("waitlisted", 2, False),
    ]
    # PostgreSQL takes the slot's lock in a statement of its own before reading (see db/campaigns/signups.py).
    expected = 4 if database.dialect == "postgresql" else 3
    assert len([s for s in statements if not s.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]) == expected

    async with database.session() as session:
        mixed = await campaigns.sign_up_many(
            session,
            guild_id=GUILD,
            campaign_id=campaign_id,
            slot_id=slot_id,
            user_ids=[20, 4, 1, 20, 3, 11],  # new, offered, returning, double click, holder, waiting
            now=NOW,
        )
    assert [(r.status, r.position, r.already) for r in mixed] == [
        ("waitlisted", 3, False),
        ("confirmed", None, False),  # joining again is how a member without DMs accepts an offer
        ("waitlisted", 4, False),  # a member who withdrew joins the end of the line
        ("waitlisted", 3, True),
        ("confirmed", None, True),
        ("waitlisted", 1, True),
    ]
    rows = await _statuses(database, slot_id)
    assert [user for user, status, _ in rows if status == "waitlisted"] == [11, 12, 20, 1]
    async with database.session() as session:
        slot = await session.get(CampaignSlot, slot_id)
        assert slot is not None
        assert (slot.taken, slot.capacity) == (3, 3)


async def test_database_refuses_more_taken_places_than_capacity(database: Database) -> None:
    _, (slot_id,) = await _campaign(database, capacity=2)
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            await session.execute(update(CampaignSlot).where(CampaignSlot.id == slot_id).values(taken=3))


async def test_database_refuses_a_second_row_for_the_same_member_and_slot(database: Database) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=2)
    await _sign_up(database, campaign_id, slot_id, 7)
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            session.add(
                CampaignSignup(
                    guild_id=GUILD,
                    campaign_id=campaign_id,
                    slot_id=slot_id,
                    user_id=7,
                    status="confirmed",
                    ticket=99,
                    signed_up_at=NOW,
                )
            )


async def test_withdrawal_offers_the_place_to_first_in_line_then_next_on_expiry(database: Database) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=1)
    for user in (1, 2, 3):
        await _sign_up(database, campaign_id, slot_id, user)
    async with database.session() as session:
        _, offers = await campaigns.withdraw(session, guild_id=GUILD, slot_id=slot_id, user_id=1, now=NOW)
    assert [o.user_id for o in offers] == [2]
    assert offers[0].expires_at == NOW + timedelta(hours=24)
    # Nobody may take the offered place meanwhile.
    late = await _sign_up(database, campaign_id, slot_id, 4)
    assert late.status == campaigns.WAITLISTED
    assert late.position == 2
    async with database.session() as session:
        early = await campaigns.expire_offer(session, offers[0].signup_id, offers[0].number, NOW)
    assert early == []
    async with database.session() as session:
        nxt = await campaigns.expire_offer(session, offers[0].signup_id, 1, NOW + timedelta(hours=25))
    assert [o.user_id for o in nxt] == [3]
    async with database.session() as session:
        signup, _, _ = await campaigns.accept_offer(session, nxt[0].signup_id, 3, NOW + timedelta(hours=26))
    assert signup.status == campaigns.CONFIRMED
    assert [(u, s) for u, s, _ in await _statuses(database, slot_id)] == [
        (1, "withdrawn"),
        (2, "lapsed"),
        (3, "confirmed"),
        (4, "waitlisted"),
    ]


async def test_raising_capacity_offers_new_places_in_waitlist_order(database: Database) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=1)
    for user in (1, 2, 3, 4):
        await _sign_up(database, campaign_id, slot_id, user)
    async with database.session() as session:
        campaign = await campaigns.get_campaign(session, GUILD, campaign_id)
        slot = await campaigns.get_slot(session, campaign_id, slot_id)
        assert campaign is not None
        assert slot is not None
        offers = await campaigns.edit_slot(session, campaign, slot, NOW, capacity=3)
    assert [o.user_id for o in offers] == [2, 3]
    async with database.session() as session:
        slot = await campaigns.get_slot(session, campaign_id, slot_id)
        assert slot is not None
        assert slot.taken == 3
        campaign = await campaigns.get_campaign(session, GUILD, campaign_id)
        assert campaign is not None
        with pytest.raises(campaigns.CampaignRefused):
            await campaigns.edit_slot(session, campaign, slot, NOW, capacity=2)


async def test_member_leaving_frees_every_place_they_held(database: Database) -> None:
    campaign_id, slot_ids = await _campaign(database, capacity=1, slots=2)
    for slot_id in slot_ids:
        await _sign_up(database, campaign_id, slot_id, 1)
    await _sign_up(database, campaign_id, slot_ids[0], 2)
    async with database.session() as session:
        offers = await campaigns.withdraw_everywhere(session, GUILD, 1, NOW)
    assert [o.user_id for o in offers] == [2]
    async with database.session() as session:
        free = await session.scalar(select(func.sum(CampaignSlot.taken)).where(CampaignSlot.id.in_(slot_ids)))  # type: ignore[attr-defined]
    assert free == 1


async def test_reminder_is_claimed_once_per_member(database: Database) -> None:
    campaign_id, _ = await _campaign(database)
    claims = []
    for _ in range(3):
        async with database.session() as session:
            claims.append(await campaigns.claim_reminder(session, campaign_id, 5, 24, NOW))
    assert claims == [True, False, False]


async def test_roll_call_close_marks_unanswered_as_silent_once(database: Database) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=3)
    for user in (1, 2, 3):
        await _sign_up(database, campaign_id, slot_id, user)
    async with database.session() as session:
        campaign = await campaigns.get_campaign(session, GUILD, campaign_id)
        assert campaign is not None
        rollcall = await campaigns.create_rollcall(
            session,
            campaign,
            created_by=9,
            now=NOW,
            nudge_at=NOW,
            closes_at=NOW,
            members=await campaigns.confirmed_members(session, campaign_id),
        )
    async with database.session() as session:
        await campaigns.answer_rollcall(session, rollcall.id, 1, campaigns.READY, NOW)  # type: ignore[arg-type]
        await campaigns.answer_rollcall(session, rollcall.id, 2, campaigns.DECLINED, NOW)  # type: ignore[arg-type]
        assert await campaigns.claim_nudge(session, rollcall.id, 3, NOW)  # type: ignore[arg-type]
        assert not await campaigns.claim_nudge(session, rollcall.id, 3, NOW)  # type: ignore[arg-type]
    async with database.session() as session:
        assert await campaigns.close_rollcall(session, rollcall.id, NOW)  # type: ignore[arg-type]
        assert not await campaigns.close_rollcall(session, rollcall.id, NOW)  # type: ignore[arg-type]
    async with database.session() as session:
        answers = await campaigns.rollcall_answers(session, rollcall.id)  # type: ignore[arg-type]
    assert [(a.user_id, a.answer) for a in answers] == [(1, "ready"), (2, "declined"), (3, "silent")]


async def test_open_places_prefer_slots_needing_the_members_disciplines(database: Database) -> None:
    async with database.session() as session:
        catalog = await seed_defaults(session, GUILD, NOW)
    epi = next(d.id for d in catalog if d.name == "Epidemiology")
    campaign_id, slot_ids = await _campaign(database, capacity=2, slots=2)
    async with database.session() as session:
        campaign = await campaigns.get_campaign(session, GUILD, campaign_id)
        slot = await campaigns.get_slot(session, campaign_id, slot_ids[1])
        assert campaign is not None
        assert slot is not None
        await campaigns.edit_slot(session, campaign, slot, NOW, needs={epi: 2})  # type: ignore[dict-item]
    await _sign_up(database, campaign_id, slot_ids[1], 1)
    async with database.session() as session:
        places = await campaigns.open_places_for(session, GUILD, discipline_ids={epi}, now=NOW)  # type: ignore[arg-type]
        later = await campaigns.open_places_for(
            session, GUILD, discipline_ids=set(), now=NOW + timedelta(days=9)
        )
    assert [(p.slot_name, p.free, p.fits_disciplines) for p in places] == [
        ("Role 1", 1, True),
        ("Role 0", 2, False),
    ]
    assert places[0].campaign_title == "Heat safety week"
    assert later == []


async def test_invite_candidates_skip_opted_out_and_already_invited(database: Database) -> None:
    async with database.session() as session:
        catalog = await seed_defaults(session, GUILD, NOW)
        epi = next(d.id for d in catalog if d.name == "Epidemiology")
        for user in (1, 2, 3):
            await set_member_disciplines(session, GUILD, user, {epi}, NOW)  # type: ignore[arg-type]
        await campaigns.set_invite_opt_out(session, GUILD, 2, NOW)
    campaign_id, (slot_id,) = await _campaign(database, capacity=5)
    async with database.session() as session:
        campaign = await campaigns.get_campaign(session, GUILD, campaign_id)
        assert campaign is not None
        wanted = {epi: (slot_id, "Epidemiology")}
        first = await campaigns.invite_candidates(session, campaign, wanted)  # type: ignore[arg-type]
        assert await campaigns.record_invite(session, campaign_id, 1, slot_id, NOW)
        second = await campaigns.invite_candidates(session, campaign, wanted)  # type: ignore[arg-type]
    assert [user for user, _, _ in first] == [1, 3]
    assert [user for user, _, _ in second] == [3]


async def test_removed_slot_leaves_live_lists_keeps_history_and_frees_its_name(database: Database) -> None:
    campaign_id, (gone_id, kept_id) = await _campaign(database, capacity=1, slots=2)
    await _sign_up(database, campaign_id, gone_id, 1)
    await _sign_up(database, campaign_id, gone_id, 2)
    later = NOW + timedelta(hours=1)
    async with database.session() as session:
        slot = await session.get(CampaignSlot, gone_id)
        assert slot is not None
        assert await campaigns.remove_slot(session, slot, later) == [1, 2]

    assert await _statuses(database, gone_id) == [(1, "removed", 1), (2, "removed", 2)]
    async with database.session() as session:
        campaign = await campaigns.get_campaign(session, GUILD, campaign_id)
        assert campaign is not None
        slot = await session.get(CampaignSlot, gone_id)
        assert slot is not None
        assert slot.removed_at == later
        assert [s.id for s in await campaigns.slots_for(session, campaign_id)] == [kept_id]
        assert await campaigns.get_slot(session, campaign_id, gone_id) is None
        assert await campaigns.find_slot(session, campaign_id, "Role 0") is None
        assert await campaigns.find_slot(session, campaign_id, str(gone_id)) is None
        view = await campaigns.campaign_view(session, campaign_id)
        assert view is not None
        assert [s.id for s in view.slots] == [kept_id]
        places = await campaigns.open_places_for(session, GUILD, discipline_ids=set(), now=NOW)
        assert [p.slot_id for p in places] == [kept_id]
        history = await campaigns.member_history(session, GUILD, 1)
        assert [(h.slot_name, h.status) for h in history] == [("Role 0", "removed")]
        assert await campaigns.member_signups(session, GUILD, 1) == []
        exported = await campaigns.export_rows(session, campaign_id)
        assert [(row[3], row[4]) for row in exported] == [
            ("Role 0", "slot removed"),
            ("Role 0", "slot removed"),
        ]
        # A live slot may take the removed one's name; two live slots still may not share one.
        again = await campaigns.add_slot(session, campaign, "Role 0", 3, {}, later)
        with pytest.raises(campaigns.CampaignRefused):
            await campaigns.add_slot(session, campaign, "Role 0", 3, {}, later)
        assert again.id != gone_id

    with pytest.raises(campaigns.CampaignRefused, match="no longer exists"):
        await _sign_up(database, campaign_id, gone_id, 3)
    async with database.session() as session:
        with pytest.raises(campaigns.CampaignRefused, match="no longer exists"):
            await campaigns.withdraw(session, guild_id=GUILD, slot_id=gone_id, user_id=1, now=later)
        # The offer-expiry path finds no offer on a removed sign-up.
        signup_id = await session.scalar(
            select(CampaignSignup.id).where(CampaignSignup.slot_id == gone_id, CampaignSignup.user_id == 1)
        )
        assert await campaigns.expire_offer(session, signup_id, 1, later + timedelta(days=2)) == []  # type: ignore[arg-type]
    assert await _statuses(database, gone_id) == [(1, "removed", 1), (2, "removed", 2)]
