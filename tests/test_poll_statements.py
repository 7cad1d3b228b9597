"""Everything a vote click runs, counted through SimCord: its transaction and, on a live poll, the redraw."""

from __future__ import annotations

import pytest

from tests.conftest import Coalition
from tests.test_statement_budget import StatementCounter


@pytest.mark.parametrize("results", ["hidden", "live"])
async def test_a_vote_click_runs_at_most_three_statements_in_all(coalition: Coalition, results: str):
    organizer, general = coalition.organizer, coalition.general
    await organizer.slash(
        general,
        "poll create",
        question="Which first?",
        options="Parks | Transit",
        closes="2d",
        results=results,
    )
    poll_message = coalition.channels["polls"].last_message
    counter = StatementCounter(coalition)

    await coalition.member.click(poll_message, label="Parks")
    first = counter.take()
    await coalition.member.click(poll_message, label="Transit")
    changed = counter.take()

    for counts in (first, changed):
        assert sum(counts) <= 3, counts
        assert counts[0] == 2, counts  # the vote: one read with the member's ballot, one upsert
        if results == "live":
            assert counts[1:] == [1], counts  # the counts redrawn from one query
        else:
            assert len(counts) == 1, counts
    if results == "live":  # the redraw shows the changed ballot: one ballot, now for Transit
        embed = coalition.channels["polls"].last_message.embeds[0]
        assert embed.footer.text == "Poll #1 · 1 ballot"
        assert "Transit\n`" in embed.description
        assert "` 1 (100" in embed.description.split("Transit")[1]
