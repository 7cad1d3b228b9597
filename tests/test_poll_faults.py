"""Votes when Discord fails (issue 10) through SimCord: a stored vote is never reported as a failure.

Each fault is tried as a 500, a 503 and a 429 (SimCord hands a rate limit to the bot as a refusal)."""

from __future__ import annotations

import pytest

from tests.conftest import Coalition
from tests.test_poll_flows import _ballots, _create, _poll_message, _said, _vote

TRANSIT = 1


FAULTS = pytest.mark.parametrize("status", [500, 503, 429])


@FAULTS
async def test_a_vote_whose_answer_fails_once_is_answered_on_the_second_try(
    coalition: Coalition, status: int
):
    poll = await _create(coalition, results="live")
    coalition.env.inject_error("POST", "/interactions/*/callback", status=status, times=1)

    voted = await _vote(coalition, coalition.member, poll, [TRANSIT])

    assert "Your vote is recorded: Transit" in _said(voted)
    assert "went wrong" not in _said(voted)
    assert len(await _ballots(coalition, poll.id)) == 1


@FAULTS
async def test_a_stored_vote_whose_answer_cannot_be_sent_still_refreshes_the_live_counts(
    coalition: Coalition, status: int
):
    poll = await _create(coalition, results="live")
    coalition.env.inject_error("POST", "/interactions/*/callback", status=status, times=2)

    voted = await _vote(coalition, coalition.member, poll, [TRANSIT])
    await coalition.env.settle()

    # No apology for a vote that was stored (and no error logged: the no_logged_bugs check passes).
    assert "went wrong" not in _said(voted)
    assert len(await _ballots(coalition, poll.id)) == 1
    assert "1 (100%)" in _poll_message(coalition).embeds[0].description


@FAULTS
async def test_a_refused_live_count_edit_is_retried_later_not_left_stale(coalition: Coalition, status: int):
    env = coalition.env
    poll = await _create(coalition, results="live")
    message = _poll_message(coalition)
    env.inject_error("PATCH", f"/channels/*/messages/{message.id}", status=status, times=1)

    voted = await _vote(coalition, coalition.member, poll, [TRANSIT])
    await env.settle()

    assert "Your vote is recorded" in _said(voted)
    assert "█" not in _poll_message(coalition).embeds[0].description  # the edit was refused
    await env.advance_time(2 * 60)
    await env.settle()
    assert "1 (100%)" in _poll_message(coalition).embeds[0].description
