"""Attacks on sign-ups written in three statements and stored in groups: races, refusals, the counter."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bench.harness import burst, click_payload
from bot.errors import UserFacingError
from bot.scheduler import Scheduler
from bot.usecases import App
from cogs.campaigns.controls import MemberControls
from cogs.campaigns.service import signups
from db import campaigns
from db.campaigns import CampaignSignup, CampaignSlot
from db.engine import Database, DatabaseBusy
from db.privacy import forget_member
from tests.conftest import Coalition
from tests.test_campaign_db import GUILD, NOW, _campaign, _sign_up
from tests.test_campaign_flows import _create, _post, _slot


async def _withdraw(database: Database, slot_id: int, user_id: int) -> list[campaigns.Offer]:
    while True:
        try:
            async with database.session() as session:
                _, offers = await campaigns.withdraw(
                    session, guild_id=GUILD, slot_id=slot_id, user_id=user_id, now=NOW
                )
                return offers
        except campaigns.ChangedMeanwhile:
            continue


async def _rows(database: Database, slot_id: int) -> list[tuple[int, str, int]]:
    async with database.session() as session:
        rows = await session.execute(
            select(col(CampaignSignup.user_id), col(CampaignSignup.status), col(CampaignSignup.ticket))
            .where(col(CampaignSignup.slot_id) == slot_id)
            .order_by(col(CampaignSignup.ticket))
        )
        return [(int(u), str(s), int(t)) for u, s, t in rows]


async def _check_invariants(database: Database, slot_id: int) -> None:
    """taken == confirmed + offered, never over capacity, tickets unique, one row per member."""
    async with database.session() as session:
        slot = await session.get(CampaignSlot, slot_id, populate_existing=True)
        assert slot is not None
        holding = await session.scalar(
            select(func.count())
            .select_from(CampaignSignup)
            .where(col(CampaignSignup.slot_id) == slot_id, col(CampaignSignup.status).in_(campaigns.HOLDING))
        )
    rows = await _rows(database, slot_id)
    assert slot.taken == holding, f"taken {slot.taken} but {holding} hold a place: {rows}"
    assert slot.taken <= slot.capacity
    tickets = [ticket for _, _, ticket in rows]
    assert len(tickets) == len(set(tickets)), f"tickets repeat: {rows}"
    assert max(tickets, default=0) <= slot.tickets_issued
    members = [user for user, _, _ in rows]
    assert len(members) == len(set(members))
    if slot.taken < slot.capacity:  # a free place while a reachable member waits is a lost offer
        assert not [u for u, s, _ in rows if s == campaigns.WAITLISTED and u > 0], rows


def _backend(database: Database) -> str:
    return database.dialect


def _second_process(database: Database) -> Database:
    """Another bot process on the same database."""
    return Database(database.engine.url.render_as_string(hide_password=False))


async def test_a_sign_up_that_waited_for_the_slot_sees_the_withdrawal_it_waited_on(
    database: Database,
) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=1)
    await _sign_up(database, campaign_id, slot_id, 7)
    other = _second_process(database)
    try:
        async with (
            database.session() as session
        ):  # process 1: member 7 withdraws (slot locked, not committed)
            await campaigns.withdraw(session, guild_id=GUILD, slot_id=slot_id, user_id=7, now=NOW)
            # process 2: member 7 changes their mind and clicks Sign up; it waits for the slot
            again = asyncio.create_task(_sign_up(other, campaign_id, slot_id, 7))
            await asyncio.sleep(0.5)
            assert not again.done()
        result = await again
    finally:
        await other.dispose()
    rows = await _rows(database, slot_id)
    assert rows[0][1] == result.status, (
        f"member told {result.status} (already={result.already}), stored {rows}"
    )
    assert (result.status, result.already) == (campaigns.CONFIRMED, False)
    await _check_invariants(database, slot_id)


async def test_an_offer_made_while_a_join_waited_is_accepted_by_that_join(
    database: Database,
) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=1)
    await _sign_up(database, campaign_id, slot_id, 1)
    await _sign_up(database, campaign_id, slot_id, 2)  # waits
    other = _second_process(database)
    try:
        async with database.session() as session:  # 1 withdraws: 2 is offered the place
            _, offers = await campaigns.withdraw(session, guild_id=GUILD, slot_id=slot_id, user_id=1, now=NOW)
            assert [offer.user_id for offer in offers] == [2]
            joined = asyncio.create_task(_sign_up(other, campaign_id, slot_id, 2))
            await asyncio.sleep(0.5)
        result = await joined
    finally:
        await other.dispose()
    assert (result.status, result.position) == (campaigns.CONFIRMED, None), result
    assert [(u, s) for u, s, _ in await _rows(database, slot_id)] == [(1, "withdrawn"), (2, "confirmed")]
    await _check_invariants(database, slot_id)


async def test_the_position_told_counts_only_members_who_can_still_be_offered_the_place(
    database: Database,
) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=1)
    await _sign_up(database, campaign_id, slot_id, 1)  # holds the place
    await _sign_up(database, campaign_id, slot_id, 2)  # waits, then deletes their data
    async with database.session() as session:
        await forget_member(session, GUILD, 2)
    told = await _sign_up(database, campaign_id, slot_id, 3)
    offers = await _withdraw(database, slot_id, 1)
    assert [offer.user_id for offer in offers] == [3], "the former member's spot is skipped"
    assert told.position == 1, f"member 3 was told position {told.position} but was first to be offered"


async def _mixed_operations(database: Database, seed: int, steps: int) -> None:
    """Random sign-ups (in groups), withdrawals, offer answers and expiries, departures and deletions."""
    rng = random.Random(seed)
    campaign_id, (slot_id,) = await _campaign(database, capacity=3)
    users = list(range(1, 13))
    for step in range(steps):
        op = rng.choice(
            ["group", "group", "withdraw", "decline", "accept", "expire", "left", "forget", "resize"]
        )
        user = rng.choice(users)
        now = NOW + timedelta(minutes=step)
        try:
            async with database.session() as session:
                if op == "group":
                    picked = [rng.choice(users) for _ in range(rng.randint(1, 5))]
                    await campaigns.sign_up_many(
                        session,
                        guild_id=GUILD,
                        campaign_id=campaign_id,
                        slot_id=slot_id,
                        user_ids=picked,
                        now=now,
                    )
                elif op == "withdraw":
                    await campaigns.withdraw(session, guild_id=GUILD, slot_id=slot_id, user_id=user, now=now)
                elif op in ("decline", "accept", "expire"):
                    offered = (
                        await session.scalars(
                            select(CampaignSignup).where(
                                col(CampaignSignup.slot_id) == slot_id,
                                col(CampaignSignup.status) == campaigns.OFFERED,
                            )
                        )
                    ).all()
                    if offered:
                        signup = rng.choice(offered)
                        assert signup.id is not None
                        if op == "decline":
                            await campaigns.decline_offer(session, signup.id, signup.user_id, now)
                        elif op == "accept":
                            await campaigns.accept_offer(session, signup.id, signup.user_id, now)
                        else:
                            late = now + timedelta(days=3)
                            await campaigns.expire_offer(session, signup.id, signup.offers_made, late)
                elif op == "left":
                    await campaigns.withdraw_everywhere(session, GUILD, user, now)
                elif op == "forget":
                    await forget_member(session, GUILD, user)
                    users.remove(user)
                    users.append(max(users) + 1)  # a new member replaces them
                else:
                    campaign = await campaigns.get_campaign(session, GUILD, campaign_id)
                    slot = await session.get(CampaignSlot, slot_id)
                    assert campaign is not None
                    assert slot is not None
                    capacity = max(slot.taken, rng.randint(1, 5))
                    await campaigns.edit_slot(session, campaign, slot, now, capacity=capacity)
        except campaigns.CampaignRefused:
            pass
        await _check_invariants(database, slot_id)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_mixed_operations_keep_taken_equal_to_the_places_held(database: Database, seed: int) -> None:
    await _mixed_operations(database, seed, steps=60)


async def _check_line_order(database: Database, slot_id: int) -> None:
    """Places are offered in ticket order: every offered ticket is ahead of every reachable waiting one."""
    rows = await _rows(database, slot_id)
    offered = [ticket for _, status, ticket in rows if status == campaigns.OFFERED]
    waiting = [ticket for user, status, ticket in rows if status == campaigns.WAITLISTED and user > 0]
    assert not offered or not waiting or max(offered) < min(waiting), rows


async def test_two_processes_signing_up_and_withdrawing_on_one_slot_keep_the_counts(
    database: Database,
) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=5)
    other = _second_process(database)
    told: dict[int, campaigns.SignUpResult] = {}

    async def member(process: Database, user: int, rng: random.Random) -> None:
        for _ in range(3):
            told[user] = await _sign_up(process, campaign_id, slot_id, user)
            await asyncio.sleep(rng.random() / 50)
            if rng.random() < 0.5:
                await _withdraw(process, slot_id, user)

    async def group(process: Database, users: list[int]) -> None:
        while True:
            try:
                async with process.session() as session:
                    results = await campaigns.sign_up_many(
                        session,
                        guild_id=GUILD,
                        campaign_id=campaign_id,
                        slot_id=slot_id,
                        user_ids=users,
                        now=NOW,
                    )
                told.update(zip(users, results, strict=True))
                return
            except campaigns.ChangedMeanwhile:
                continue

    try:
        rng = random.Random(5)
        await asyncio.gather(
            *(member(database if user % 2 else other, user, random.Random(user)) for user in range(1, 21)),
            *(group(database if n % 2 else other, rng.sample(range(100, 140), 6)) for n in range(6)),
        )
    finally:
        await other.dispose()
    await _check_invariants(database, slot_id)
    await _check_line_order(database, slot_id)


# ------------------------------------------------------------------- the group task, without Discord


class _Clicks(MemberControls):
    """The click queue of the campaign cog, with the use case replaced by a script."""

    def __init__(self) -> None:
        self.app = cast(App, None)
        self._slot_clicks = {}
        self._click_tasks = set()


def _result(user: int) -> signups.SignUpResult:
    return signups.SignUpResult(1, "Heat", 1, "Role", campaigns.CONFIRMED, None, False)


async def test_a_failed_group_tells_each_of_its_members_and_later_clicks_are_still_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    groups: list[list[int]] = []
    release = asyncio.Event()

    async def store(
        app: App, *, guild_id: int, campaign_id: int, slot_id: int, user_ids: list[int]
    ) -> list[signups.SignUpResult]:
        groups.append(list(user_ids))
        if len(groups) == 1:
            await release.wait()
            return [_result(user) for user in user_ids]
        if len(groups) == 2:
            raise DatabaseBusy()
        return [_result(user) for user in user_ids]

    monkeypatch.setattr(signups, "sign_up_together", store)
    clicks = _Clicks()
    first = clicks._queue_click((GUILD, 1, 1), 1)
    await asyncio.sleep(0)
    failing = [clicks._queue_click((GUILD, 1, 1), user) for user in (2, 3, 4)]
    release.set()
    assert (await first).status == campaigns.CONFIRMED
    for future in failing:
        with pytest.raises(DatabaseBusy):
            await future
    later = clicks._queue_click((GUILD, 1, 1), 5)
    assert (await later).status == campaigns.CONFIRMED
    assert groups == [[1], [2, 3, 4], [5]]
    assert clicks._slot_clicks == {}


async def test_clicks_of_other_campaigns_and_guilds_never_share_a_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    groups: list[tuple[int, int, int, list[int]]] = []

    async def store(
        app: App, *, guild_id: int, campaign_id: int, slot_id: int, user_ids: list[int]
    ) -> list[signups.SignUpResult]:
        groups.append((guild_id, campaign_id, slot_id, list(user_ids)))
        await asyncio.sleep(0.01)
        if campaign_id == 2:
            raise UserFacingError("That slot no longer exists in this campaign.")
        return [_result(user) for user in user_ids]

    monkeypatch.setattr(signups, "sign_up_together", store)
    clicks = _Clicks()
    keys = [(GUILD, 1, 1), (GUILD, 2, 1), (999, 1, 1)]  # honest, forged campaign, forged guild
    futures = [(key, clicks._queue_click(key, user)) for user in range(30) for key in [keys[user % 3]]]
    outcomes = await asyncio.gather(*(future for _, future in futures), return_exceptions=True)
    for (key, _), outcome in zip(futures, outcomes, strict=True):
        assert isinstance(outcome, UserFacingError) == (key[1] == 2), (key, outcome)
    for guild_id, campaign_id, slot_id, users in groups:
        assert all(keys[user % 3] == (guild_id, campaign_id, slot_id) for user in users)


async def test_a_group_task_cancelled_mid_transaction_leaves_no_member_waiting_forever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = asyncio.Event()

    async def store(
        app: App, *, guild_id: int, campaign_id: int, slot_id: int, user_ids: list[int]
    ) -> list[signups.SignUpResult]:
        started.set()
        await asyncio.Event().wait()  # a transaction that never ends
        return []

    monkeypatch.setattr(signups, "sign_up_together", store)
    clicks = _Clicks()
    in_flight = [clicks._queue_click((GUILD, 1, 1), user) for user in (1, 2)]
    await started.wait()
    queued = [clicks._queue_click((GUILD, 1, 1), user) for user in (3, 4)]
    (task,) = clicks._click_tasks
    task.cancel()
    await asyncio.sleep(0.05)
    assert all(future.done() for future in queued)
    assert all(future.done() for future in in_flight), "members of the group in flight wait forever"


# ------------------------------------------------------------------- through SimCord, as members click


@pytest.mark.simcord(settle_timeout=120)
async def test_a_burst_mixing_forged_clicks_a_busy_database_and_failing_card_edits(
    coalition: Coalition, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = await _create(coalition)
    slot = await _slot(coalition, campaign, "Amplifier", 6)
    other = await _create(coalition, "Flu shot drive")
    await _slot(coalition, other, "Author", 10)
    card = await _post(coalition, campaign)
    people = []
    for index in range(24):
        people.append(coalition.guild.add_member(coalition.env.create_user(f"b{index:02d}")))  # type: ignore[attr-defined]
        if index % 20 == 19:
            await coalition.env.settle()
    honest = f"campaign:join:{campaign.id}:{slot.id}"
    forged = f"campaign:join:{other.id}:{slot.id}"  # this slot paired with another campaign
    calls = 0
    real = signups.sign_up_together

    async def busy_for_one_member(app: App, **kwargs: object) -> list[signups.SignUpResult]:
        nonlocal calls
        calls += 1
        if people[6].id in kwargs["user_ids"]:  # type: ignore[operator]
            raise DatabaseBusy()  # whichever group holds member 6 fails
        return await real(app, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(signups, "sign_up_together", busy_for_one_member)
    coalition.env.inject_error("PATCH", f"/channels/*/messages/{card.id}", status=500, times=3)
    clicks = []
    for index, person in enumerate(people):
        if index % 4 == 3:
            clicks.append(click_payload(coalition.env, person, card, forged, forge_from=honest))
        else:
            clicks.append(click_payload(coalition.env, person, card, honest))
        if index == 5:  # a double click
            clicks.append(click_payload(coalition.env, person, card, honest))
    result = await burst(coalition.env, clicks)

    assert result.answered == len(clicks), "every click is answered, none left thinking"
    answers: dict[int, list[str]] = {}
    for outcome in result.results:
        answers.setdefault(outcome._interaction.user_id, []).append(outcome.response.content)  # type: ignore[union-attr]
    rows = await _flow_rows(coalition, int(slot.id or 0))
    stored = [user for user, _, _ in rows]
    busy = {user for user, said in answers.items() if any("busy" in text for text in said)}
    assert people[6].id in busy, answers
    for index, person in enumerate(people):
        said = answers[person.id]
        if index % 4 == 3:
            assert "no longer exists" in said[0], said
            assert person.id not in stored
        elif person.id in busy:
            assert person.id not in stored, "a failed group stores nothing"
        else:
            assert person.id in stored, said
    assert stored == [p.id for i, p in enumerate(people) if i % 4 != 3 and p.id not in busy], "click order"
    async with coalition.bot.database.session() as session:
        kept = await session.get(CampaignSlot, slot.id)
    assert kept is not None
    assert kept.taken == min(6, len(stored))
    await _check_invariants(coalition.bot.database, int(slot.id or 0))
    monkeypatch.setattr(signups, "sign_up_together", real)  # the database is back
    retry = await burst(coalition.env, [click_payload(coalition.env, people[6], card, honest)])
    again = retry.results[0].response
    assert again is not None
    assert "busy" not in again.content, "the slot's queue still works after a failure"
    assert people[6].id in [user for user, _, _ in await _flow_rows(coalition, int(slot.id or 0))]
    for _ in range(8):  # each failed edit is tried again later (5 s, 30 s, 120 s)
        await coalition.env.advance_time(130)
    field = coalition.channels["campaigns"].last_message.embeds[0].fields[0]  # type: ignore[attr-defined]
    assert field.name.startswith(f"Amplifier: {min(6, kept.taken + 1)}/6"), field.name


async def _flow_rows(coalition: Coalition, slot_id: int) -> list[tuple[int, str, int]]:
    return await _rows(coalition.bot.database, slot_id)


class _NoScheduler:
    def wake_for(self, due_at: datetime) -> None:
        """Nothing to wake in these tests."""


async def test_an_offer_expiry_that_waited_on_its_acceptance_does_nothing(
    database: Database,
) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=1)
    await _sign_up(database, campaign_id, slot_id, 1)
    await _sign_up(database, campaign_id, slot_id, 2)
    (offer,) = await _withdraw(database, slot_id, 1)
    other = _second_process(database)
    expiring = App(
        database=other,
        scheduler=cast(Scheduler, _NoScheduler()),
        now=lambda: offer.expires_at + timedelta(seconds=1),
    )
    try:
        async with database.session() as session:  # process 1: member 2 accepts at the last minute
            await campaigns.accept_offer(session, offer.signup_id, 2, offer.expires_at - timedelta(minutes=1))
            # process 2: the expiry job fires; it waits for the slot
            expiry = asyncio.create_task(
                signups.expire_offer(expiring, signup_id=offer.signup_id, number=offer.number)
            )
            await asyncio.sleep(0.5)
        done = await expiry
    finally:
        await other.dispose()
    assert (done.lapsed_user_id, done.offers) == (None, ())
    assert [(u, s) for u, s, _ in await _rows(database, slot_id)] == [(1, "withdrawn"), (2, "confirmed")]
    await _check_invariants(database, slot_id)


async def test_a_full_group_of_a_hundred_behind_a_waitlist_is_told_true_positions(database: Database) -> None:
    campaign_id, (slot_id,) = await _campaign(database, capacity=30)
    async with database.session() as session:
        await campaigns.sign_up_many(
            session,
            guild_id=GUILD,
            campaign_id=campaign_id,
            slot_id=slot_id,
            user_ids=list(range(1, 41)),
            now=NOW,
        )
    await _withdraw(database, slot_id, 5)  # 31 is offered the place
    group = list(range(1000, 1100))
    async with database.session() as session:
        told = await campaigns.sign_up_many(
            session, guild_id=GUILD, campaign_id=campaign_id, slot_id=slot_id, user_ids=group, now=NOW
        )
    assert [(r.status, r.position) for r in told] == [(campaigns.WAITLISTED, 10 + i) for i in range(100)]
    rows = await _rows(database, slot_id)
    assert [u for u, s, _ in rows if s == campaigns.WAITLISTED] == list(range(32, 41)) + group
    await _check_invariants(database, slot_id)
