"""Poll use cases without Discord, on SQLite and PostgreSQL: typed results, refusals, audit, the close job."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import NotFound, UserFacingError
from bot.scheduler import Scheduler
from bot.usecases import App, AuditNotice
from cogs.polls import service
from db import audit, jobs
from tests.conftest import TEST_BALLOT_SECRET as SECRET

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUILD, ORGANIZER = 111, 7
DELEGATES = 555


@pytest.fixture
def posted() -> list[AuditNotice]:
    return []


@pytest.fixture
def app(database, posted) -> App:
    async def sink(notice: AuditNotice) -> None:
        posted.append(notice)

    return App(database, Scheduler(database), audit_sink=sink, now=lambda: NOW)


async def _poll(app: App, *, secret: bool = True, **changes: object) -> service.PollInfo:
    fields: dict[str, object] = {
        "question": "Which campaign first?",
        "options": "Parks | Transit | Housing",
        "closes_at": NOW + timedelta(days=2),
        "now": NOW,
        "kind": "single",
        "max_choices": None,
        "secret": secret,
        "live_results": False,
        "role_id": None,
        "quorum": None,
        "department_mode": "off",
        "ballot_secret": SECRET,
    }
    fields.update(changes)
    draft = service.draft_poll(**fields)  # type: ignore[arg-type]
    created = await service.create_poll(
        app, guild_id=GUILD, created_by=ORGANIZER, draft=draft, ballot_secret=SECRET
    )
    await service.publish_poll(app, poll_id=created.poll.id, channel_id=1, message_id=2, actor_id=ORGANIZER)
    return created.poll


async def _vote(app: App, poll: service.PollInfo, user_id: int, choices: list[int], roles=()):
    return await service.vote(
        app,
        guild_id=GUILD,
        poll_id=poll.id,
        voter=service.voter_of(user_id, roles),
        choices=choices,
        ballot_secret=SECRET,
    )


async def test_vote_returns_a_frozen_typed_result(app):
    poll = await _poll(app)

    first = await _vote(app, poll, 42, [1])
    again = await _vote(app, poll, 42, [1])
    changed = await _vote(app, poll, 42, [2])

    assert isinstance(first.poll.id, int)
    assert (first.changed, first.unchanged, first.choices) == (False, False, (1,))
    assert (again.changed, again.unchanged) == (False, True)
    assert (changed.changed, changed.unchanged, changed.choices) == (True, False, (2,))
    with pytest.raises(FrozenInstanceError):
        first.changed = True  # type: ignore[misc]


async def test_publishing_schedules_the_close_and_audits_the_creation(app, database, posted):
    poll = await _poll(app)

    async with database.session() as session:
        job = await jobs.get(session, service.close_key(poll.id))
        (entry,) = await audit.page(session, GUILD, None, offset=0, limit=10)
    assert job is not None
    assert job.due_at == poll.closes_at
    assert entry.action == "poll.create"
    assert [notice.action for notice in posted] == ["poll.create"]


async def test_a_secret_poll_without_the_server_secret_is_refused():
    with pytest.raises(UserFacingError, match="BALLOT_SECRET"):
        service.draft_poll(
            question="Q?",
            options="A | B",
            closes_at=NOW + timedelta(days=1),
            now=NOW,
            kind="single",
            max_choices=None,
            secret=True,
            live_results=False,
            role_id=None,
            quorum=None,
            department_mode="off",
            ballot_secret=None,
        )


async def test_votes_on_a_secret_poll_are_refused_when_the_server_secret_changed(app):
    poll = await _poll(app)

    with pytest.raises(UserFacingError, match="BALLOT_SECRET"):
        await service.vote(
            app,
            guild_id=GUILD,
            poll_id=poll.id,
            voter=service.voter_of(42, ()),
            choices=[0],
            ballot_secret="another-secret-of-at-least-32-characters",
        )


async def test_role_limited_poll_refuses_members_without_the_role(app):
    poll = await _poll(app, role_id=DELEGATES)

    with pytest.raises(UserFacingError, match="not recorded"):
        await _vote(app, poll, 42, [0])
    allowed = await _vote(app, poll, 43, [0], roles=[DELEGATES])

    assert allowed.choices == (0,)


async def test_hidden_results_are_for_organizers_until_close(app):
    poll = await _poll(app)
    await _vote(app, poll, 42, [0])

    with pytest.raises(UserFacingError, match="hidden until it closes"):
        await service.poll_results(app, guild_id=GUILD, poll_id=poll.id, organizer=False)
    shown = await service.poll_results(app, guild_id=GUILD, poll_id=poll.id, organizer=True)

    assert shown.outcome.counts == [1, 0, 0]


async def test_closing_is_audited_once_and_a_second_close_is_refused(app, posted):
    poll = await _poll(app)
    await _vote(app, poll, 42, [2])

    closed = await service.close_poll_now(app, guild_id=GUILD, poll_id=poll.id, closed_by=ORGANIZER)

    assert closed.closed_now
    assert not closed.results.poll.is_open
    assert closed.results.outcome.winners == [2]
    with pytest.raises(UserFacingError, match="already closed"):
        await service.close_poll_now(app, guild_id=GUILD, poll_id=poll.id, closed_by=ORGANIZER)
    assert [notice.action for notice in posted] == ["poll.create", "poll.close"]


async def test_closing_on_time_happens_once_and_the_announcement_ends_the_pending_job(app, database):
    poll = await _poll(app)

    first = await service.close_due_poll(app, poll_id=poll.id)
    second = await service.close_due_poll(app, poll_id=poll.id)
    await service.announced(app, poll_id=poll.id)

    assert first is not None
    assert first.closed_now
    assert second is not None
    assert not second.closed_now
    assert await service.close_due_poll(app, poll_id=poll.id + 99) is None
    async with database.session() as session:
        job = await jobs.get(session, service.close_key(poll.id))
    # Once the results are up, the close job has nothing left to retry.
    assert job is not None
    assert job.status == jobs.CANCELLED


async def test_polls_of_another_server_are_not_found(app):
    poll = await _poll(app)

    with pytest.raises(NotFound):
        await service.poll_results(app, guild_id=GUILD + 1, poll_id=poll.id, organizer=True)
    with pytest.raises(NotFound):
        await service.vote(
            app,
            guild_id=GUILD + 1,
            poll_id=poll.id,
            voter=service.voter_of(42, ()),
            choices=[0],
            ballot_secret=SECRET,
        )


async def test_export_of_a_named_poll_has_each_voter_and_is_audited(app, posted):
    poll = await _poll(app, secret=False)
    await _vote(app, poll, 42, [0])
    await _vote(app, poll, 43, [1])

    found = await service.export_poll(app, guild_id=GUILD, poll_id=poll.id, actor_id=ORGANIZER)

    assert sorted(ballot.voter_id for ballot in found.ballots) == [42, 43]
    assert posted[-1].action == "poll.export"
