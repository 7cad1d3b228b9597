"""Poll storage on SQLite and PostgreSQL: one ballot per member, departments, and secret ballots after close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db import polls, polls_votes
from db.polls import Poll, PollBallot
from tests.conftest import TEST_BALLOT_SECRET as SECRET

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUILD = 111


async def _poll(database, *, secret: bool, department_mode: str = "off", kind: str = "single") -> Poll:
    async with database.session() as session:
        return await polls.create_poll(
            session,
            guild_id=GUILD,
            created_by=1,
            question="Which first?",
            options=["Parks", "Transit", "Housing"],
            kind=kind,
            max_choices=3 if kind == "ranked" else 1,
            secret=secret,
            live_results=False,
            closes_at=NOW + timedelta(days=2),
            now=NOW,
            department_mode=department_mode,
            server_secret=SECRET,
        )


async def _cast(database, poll: Poll, user_id: int, choices: list[int], organization: str | None = None):
    async with database.session() as session:
        target = await polls_votes.vote_target(session, GUILD, poll.id, user_id, SECRET)
        assert target is not None
        return await polls_votes.cast_vote(
            session, target, user_id, choices, NOW, organization_key=organization, server_secret=SECRET
        )


async def _insert(database, *rows: PollBallot) -> None:
    """Insert ballot rows directly, bypassing cast_ballot, to test the constraints themselves."""
    async with database.session() as session:
        session.add_all(rows)


async def _ballots(database, poll_id: int) -> list[PollBallot]:
    async with database.session() as session:
        return list(await session.scalars(select(PollBallot).where(PollBallot.poll_id == poll_id)))


async def test_one_ballot_per_member_is_a_database_constraint(database):
    poll = await _poll(database, secret=False)

    with pytest.raises(IntegrityError):
        await _insert(
            database,
            PollBallot(poll_id=poll.id, voter_key="42", choices=[0]),
            PollBallot(poll_id=poll.id, voter_key="42", choices=[1]),
        )


async def test_voting_again_replaces_the_members_ballot(database):
    poll = await _poll(database, secret=False)

    first = await _cast(database, poll, 42, [0])
    second = await _cast(database, poll, 42, [2])

    assert not first.changed
    assert second.changed
    (ballot,) = await _ballots(database, poll.id)
    assert ballot.choices == [2]
    assert ballot.voter_id == 42


async def test_secret_ballots_are_keyed_by_hmac_while_open(database):
    poll = await _poll(database, secret=True)

    voter = 987654321012345678
    await _cast(database, poll, voter, [0])

    (ballot,) = await _ballots(database, poll.id)
    assert ballot.voter_id is None
    assert ballot.voter_key is not None
    assert str(voter) not in ballot.voter_key
    assert len(ballot.voter_key) == 64
    async with database.session() as session:
        stored = await session.get(Poll, poll.id)
    assert ballot.voter_key == polls.voter_key(stored, voter, SECRET)


async def test_closed_secret_poll_keeps_only_choices_that_no_row_ties_to_a_voter(database):
    poll = await _poll(database, secret=True, department_mode="replace")
    for user_id, choices, organization in [(41, [0], "a"), (42, [1], "b"), (43, [1], "c"), (44, [2], "d")]:
        await _cast(database, poll, user_id, choices, organization)

    async with database.session() as session:
        assert await polls.close_poll(session, poll.id, NOW + timedelta(days=2), closed_by=None)

    ballots = await _ballots(database, poll.id)
    assert sorted(b.choices for b in ballots) == [[0], [1], [1], [2]]
    for ballot in ballots:
        assert ballot.voter_key is None
        assert ballot.voter_id is None
        assert ballot.organization_key is None
        assert ballot.cast_at is None
    async with database.session() as session:
        stored = await session.get(Poll, poll.id)
    assert stored.ballot_secret is None
    with pytest.raises(ValueError):
        polls.voter_key(stored, 41, SECRET)


async def test_closed_named_poll_keeps_its_voters(database):
    poll = await _poll(database, secret=False)
    await _cast(database, poll, 42, [1])

    async with database.session() as session:
        await polls.close_poll(session, poll.id, NOW, closed_by=1)

    (ballot,) = await _ballots(database, poll.id)
    assert ballot.voter_id == 42
    assert ballot.choices == [1]


async def test_a_poll_closes_only_once(database):
    poll = await _poll(database, secret=True)
    await _cast(database, poll, 42, [0])

    async with database.session() as session:
        first = await polls.close_poll(session, poll.id, NOW, closed_by=None)
    async with database.session() as session:
        second = await polls.close_poll(session, poll.id, NOW, closed_by=None)

    assert (first, second) == (True, False)
    assert len(await _ballots(database, poll.id)) == 1


async def test_department_replace_mode_keeps_the_latest_ballot_of_a_department(database):
    poll = await _poll(database, secret=False, department_mode="replace")

    await _cast(database, poll, 41, [0], "county health")
    result = await _cast(database, poll, 42, [2], "county health")

    assert result.replaced_department
    (ballot,) = await _ballots(database, poll.id)
    assert (ballot.voter_id, ballot.choices) == (42, [2])


async def test_department_refuse_mode_refuses_a_colleague_but_not_a_change(database):
    poll = await _poll(database, secret=True, department_mode="refuse")
    await _cast(database, poll, 41, [0], "county health")

    with pytest.raises(polls.DepartmentAlreadyVoted):
        await _cast(database, poll, 42, [2], "county health")
    changed = await _cast(database, poll, 41, [1], "county health")

    assert changed.changed
    (ballot,) = await _ballots(database, poll.id)
    assert ballot.choices == [1]


async def test_one_ballot_per_department_is_a_database_constraint(database):
    poll = await _poll(database, secret=False, department_mode="refuse")

    with pytest.raises(IntegrityError):
        await _insert(
            database,
            PollBallot(poll_id=poll.id, voter_key="41", organization_key="x", choices=[0]),
            PollBallot(poll_id=poll.id, voter_key="42", organization_key="x", choices=[1]),
        )


async def test_member_moving_department_takes_the_ballot_along(database):
    poll = await _poll(database, secret=False, department_mode="replace")
    await _cast(database, poll, 41, [0], "county health")
    await _cast(database, poll, 42, [1], "city health")

    await _cast(database, poll, 41, [2], "city health")

    (ballot,) = await _ballots(database, poll.id)
    assert (ballot.voter_id, ballot.organization_key, ballot.choices) == (41, "city health", [2])


async def test_polls_are_found_only_in_their_guild(database):
    poll = await _poll(database, secret=False)

    async with database.session() as session:
        assert await polls.get_poll(session, GUILD, poll.id) is not None
        assert await polls.get_poll(session, GUILD + 1, poll.id) is None
        listed = await polls.list_polls(session, GUILD)
    assert [p.id for p in listed] == [poll.id]


async def test_closing_a_secret_poll_shuffles_the_ballots_out_of_voting_order(database):
    poll = await _poll(database, secret=True, kind="ranked")
    async with database.session() as session:
        stored = await session.get(Poll, poll.id)
        stored.options = ["A", "B", "C", "D", "E"]
        stored.max_choices = 5
    # 30 distinct rankings, cast in a known order: after close the row order must not follow it
    # (the chance that a random shuffle keeps all 30 in place is 1 in 30!).
    rankings = [[a, b, c] for a in range(5) for b in range(5) for c in range(5) if len({a, b, c}) == 3][:30]
    for user_id, ranking in enumerate(rankings, start=100):
        await _cast(database, poll, user_id, ranking)

    async with database.session() as session:
        await polls.close_poll(session, poll.id, NOW, closed_by=None)

    async with database.session() as session:
        after = await polls.ballot_choices(session, poll.id)
    assert sorted(after) == sorted(rankings)
    assert after != rankings


async def test_ballot_cast_with_a_poll_read_before_it_closed_is_refused(database):
    poll = await _poll(database, secret=True)
    await _cast(database, poll, 7, [0])
    # The vote reads the poll (locked, in its own transaction) before it stores the ballot: after a close,
    # that read sees the poll closed.
    async with database.session() as session:
        assert await polls.close_poll(session, poll.id, NOW, closed_by=1)

    with pytest.raises(polls.PollClosed):
        await _cast(database, poll, 42, [1])

    ballots = await _ballots(database, poll.id)
    assert [b.choices for b in ballots] == [[0]]
    assert all(b.voter_key is None and b.cast_at is None for b in ballots)
