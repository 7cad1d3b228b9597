"""Onboarding and discipline queries on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from db import disciplines as catalog
from db import members
from db import onboarding as progress_db

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
GUILD = 111


async def test_progress_is_created_once_and_answers_are_kept(database):
    async with database.session() as session:
        progress = await progress_db.get_or_create_progress(session, GUILD, 1, NOW, joined=True)
        await progress_db.save_answer(
            session, progress, "about", {"display_name": "Ann"}, NOW, next_step="workplace"
        )
    async with database.session() as session:
        again = await progress_db.get_or_create_progress(session, GUILD, 1, NOW)
    assert again.id == progress.id
    assert again.answers == {"about": {"display_name": "Ann"}}
    assert (again.step, again.joined_at, again.started_at) == ("workplace", NOW, NOW)


async def test_finish_and_one_time_flags_are_claimed_only_once_even_concurrently(database):
    async with database.session() as session:
        await progress_db.get_or_create_progress(session, GUILD, 2, NOW)

    async def claim(flag):
        async with database.session() as session:
            if flag == "finish":
                return await progress_db.claim_finish(session, GUILD, 2, NOW)
            return await progress_db.claim_once(session, GUILD, 2, flag, NOW)

    for flag in ("finish", "reminder_sent_at", "followup_7_sent_at"):
        results = await asyncio.gather(*(claim(flag) for _ in range(4)))
        assert sorted(results) == [False, False, False, True]


async def test_funnel_counts_started_finished_and_stalled_steps(database):
    async with database.session() as session:
        for user_id, step in ((10, "about"), (11, "about"), (12, "summary")):
            progress = await progress_db.get_or_create_progress(session, GUILD, user_id, NOW)
            await progress_db.start(session, progress, NOW)
            await progress_db.set_step(session, progress, step, NOW)
        await progress_db.get_or_create_progress(session, GUILD, 13, NOW)
        await progress_db.claim_finish(session, GUILD, 12, NOW)
        await progress_db.get_or_create_progress(session, GUILD + 1, 10, NOW)
    async with database.session() as session:
        assert await progress_db.funnel_counts(session, GUILD) == (4, 3, 1, {"about": 2})


async def test_directory_and_counts_leave_out_departed_and_unlisted_members(database):
    async with database.session() as session:
        labor = (await catalog.seed_defaults(session, GUILD, NOW))[0]
        for user_id, listed in ((1, True), (2, True), (3, False)):
            profile = await members.get_or_create_profile(session, GUILD, user_id, NOW)
            await members.update_profile(
                session, profile, NOW, display_name=f"M{user_id}", directory_opt_in=listed
            )
            assert await catalog.add_member_discipline(session, GUILD, user_id, labor.id, NOW)
        assert not await catalog.add_member_discipline(session, GUILD, 1, labor.id, NOW)
        await members.mark_left(session, GUILD, 2, NOW)
    async with database.session() as session:
        listed, total = await catalog.directory_page(session, GUILD, labor.id, offset=0, limit=10)
        counts = await catalog.member_counts(session, GUILD)
    assert [p.user_id for p in listed] == [1]
    assert total == 1
    assert counts[labor.id] == 2


async def test_role_mapping_is_unique_and_detaches_when_the_role_goes(database):
    async with database.session() as session:
        first, second = (await catalog.seed_defaults(session, GUILD, NOW))[:2]
        assert await catalog.set_discipline_role(session, first, 999)
        assert not await catalog.set_discipline_role(session, second, 999)
        assert [d.id for d in await catalog.disciplines_by_role(session, GUILD, {999})] == [first.id]
        assert await catalog.detach_role(session, GUILD, 999) == 1
    async with database.session() as session:
        assert await catalog.disciplines_by_role(session, GUILD, {999}) == []


async def test_catalog_names_are_unique_per_guild_ignoring_case(database):
    async with database.session() as session:
        await catalog.seed_defaults(session, GUILD, NOW)
        assert await catalog.create_discipline(session, GUILD, "Housing", NOW) is not None
        assert await catalog.create_discipline(session, GUILD, "housing", NOW) is None
        housing = await catalog.find_discipline(session, GUILD, "HOUSING")
        assert not await catalog.rename_discipline(session, housing, "Labor")
        assert await catalog.rename_discipline(session, housing, "Housing justice")
        assert await catalog.get_discipline(session, GUILD + 1, housing.id) is None
