"""Poll rough edges an organizer meets in the first hour (issue 13), through SimCord."""

from __future__ import annotations

from cogs.polls import tally
from tests.conftest import Coalition
from tests.test_poll_flows import _ballots, _create, _poll_message, _said, _vote

PARKS, TRANSIT, HOUSING = range(3)


async def test_voting_the_same_option_again_says_the_vote_is_unchanged(coalition: Coalition):
    poll = await _create(coalition, secret=False)
    await _vote(coalition, coalition.member, poll, [TRANSIT])

    again = await _vote(coalition, coalition.member, poll, [TRANSIT])

    assert "Your vote is unchanged: Transit" in _said(again)
    assert "changed to" not in _said(again)
    (ballot,) = await _ballots(coalition, poll.id)
    assert ballot.choices == [TRANSIT]


async def test_ranking_the_same_way_again_says_the_vote_is_unchanged(coalition: Coalition):
    poll = await _create(coalition, kind="ranked")
    await _vote(coalition, coalition.member, poll, [HOUSING, PARKS])

    again = await _vote(coalition, coalition.member, poll, [HOUSING, PARKS])

    assert "Your vote is unchanged: 1. Housing, 2. Parks" in _said(again)
    assert "changed to" not in _said(again)


async def test_ranked_live_bars_show_first_preferences_and_explain_the_tie_rule(coalition: Coalition):
    poll = await _create(coalition, kind="ranked", results="live")
    # One first preference each: a three-way tie for last in round 1, settled by the listed-last rule
    # (Housing goes out); Housing's voter prefers Transit next, so Transit wins round 2 by 2 to 1.
    await _vote(coalition, coalition.member, poll, [PARKS, TRANSIT])
    await _vote(coalition, coalition.other, poll, [TRANSIT, PARKS])
    await _vote(coalition, coalition.organizer, poll, [HOUSING, TRANSIT])

    embed = _poll_message(coalition).embeds[0]
    assert "First preferences" in embed.description
    assert embed.description.count("1 (33%)") == 3
    assert "2 (67%)" not in embed.description  # the final round is not what the bars show
    rounds = next(f.value for f in embed.fields if f.name == "Instant-runoff rounds")
    assert "**Round 1:**" in rounds
    assert "**Round 2:**" in rounds
    assert "out: Housing" in rounds
    assert "the tie rule takes out the option listed last" in rounds

    await coalition.organizer.slash(coalition.general, "poll close", poll=str(poll.id))

    closed = _poll_message(coalition).embeds[0]
    result = next(f.value for f in closed.fields if f.name == "Result")
    assert result.startswith("**Transit** won.")
    assert tally.TIE_RULE in result
    assert "the tie rule takes out the option listed last" in next(
        f.value for f in closed.fields if f.name == "Instant-runoff rounds"
    )


async def test_a_ranked_poll_without_ties_does_not_mention_the_tie_rule(coalition: Coalition):
    poll = await _create(coalition, kind="ranked", results="live")
    await _vote(coalition, coalition.member, poll, [PARKS])
    await _vote(coalition, coalition.other, poll, [PARKS])
    await _vote(coalition, coalition.organizer, poll, [TRANSIT])

    embed = _poll_message(coalition).embeds[0]
    rounds = next(f.value for f in embed.fields if f.name == "Instant-runoff rounds")
    assert "tie rule" not in rounds
    assert "2 (67%)" in embed.description
