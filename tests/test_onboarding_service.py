"""Onboarding's use cases without Discord: finishing, the reminder rule, and retrying a refused notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserFacingError
from bot.scheduler import Scheduler
from bot.usecases import App
from cogs.onboarding import nudges, service, steps
from db import jobs
from db import onboarding as progress_db

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
GUILD, USER = 111, 7


@pytest.fixture
def app(database):
    return App(database, Scheduler(database), now=lambda: NOW)


async def walk_to_summary(app):
    await service.begin(app, guild_id=GUILD, user_id=USER)
    for action in ("begin", "agree"):
        await service.act(app, guild_id=GUILD, user_id=USER, action=action)
    for section, values in (
        (steps.ABOUT, {"display_name": "Ann", "job_title": "Nurse"}),
        (steps.WORKPLACE, {}),
    ):
        assert await service.save_section(app, guild_id=GUILD, user_id=USER, section=section, values=values)
    for action in ("discdone", "intdone", "diryes"):
        await service.act(app, guild_id=GUILD, user_id=USER, action=action)


async def test_finishing_schedules_delivery_and_follow_ups_with_it_and_only_once(app, database):
    await walk_to_summary(app)

    done = await service.finish(app, guild_id=GUILD, user_id=USER)

    assert done.listed
    async with database.session() as session:
        delivery = await jobs.get(session, service.delivery_key(GUILD, USER))
        day_30 = await jobs.get(session, service.follow_up_key(GUILD, USER, 30))
        reminder = await jobs.get(session, service.reminder_key(GUILD, USER))
    assert delivery.status == jobs.PENDING
    assert delivery.due_at == NOW + service.DELIVERY_GRACE
    assert day_30.due_at == NOW + timedelta(days=30)
    assert reminder.status == jobs.CANCELLED
    with pytest.raises(UserFacingError, match="already finished"):
        await service.finish(app, guild_id=GUILD, user_id=USER)


async def test_a_stale_button_never_redoes_a_step(app):
    await service.begin(app, guild_id=GUILD, user_id=USER)
    await service.act(app, guild_id=GUILD, user_id=USER, action="begin")

    again = await service.act(app, guild_id=GUILD, user_id=USER, action="begin")

    assert again.outcome == "stale"
    assert again.state.step == steps.CONDUCT


@pytest.mark.parametrize(
    ("took_step", "welcomed_on_join", "organizer", "joined_before_bot", "expected"),
    [
        (True, False, True, True, True),
        (False, True, False, False, True),
        (False, True, True, False, False),
        (False, True, False, True, False),
        (False, False, False, False, False),
    ],
)
def test_a_reminder_is_for_someone_who_started(
    took_step, welcomed_on_join, organizer, joined_before_bot, expected
):
    assert (
        steps.deserves_reminder(
            took_step=took_step,
            welcomed_on_join=welcomed_on_join,
            organizer=organizer,
            joined_before_bot=joined_before_bot,
        )
        is expected
    )


async def test_a_refused_notice_is_released_and_retried_later_each_time_later(app, database):
    await service.begin(app, guild_id=GUILD, user_id=USER)
    await service.act(app, guild_id=GUILD, user_id=USER, action="begin")
    assert await nudges.claim_reminder(
        app, guild_id=GUILD, user_id=USER, organizer=False, joined_before_bot=False
    )
    async with database.session() as session:
        job = await jobs.get(session, service.reminder_key(GUILD, USER))

    delays = []
    while await nudges.retry(app, job, release_flag="reminder_sent_at"):
        async with database.session() as session:
            job = await jobs.get(session, f"{service.reminder_key(GUILD, USER)}:retry{len(delays) + 1}")
        delays.append(job.due_at - NOW)

    assert delays == list(nudges.RETRY_DELAYS)
    async with database.session() as session:
        progress = await progress_db.get_progress(session, GUILD, USER)
    assert progress.reminder_sent_at is None
