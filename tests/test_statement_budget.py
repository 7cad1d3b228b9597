"""How many SQL statements the hot interactions run, so that the count can only go down.

Each aiosqlite statement costs several thread round trips, and on a busy card every member waits on the
slot's turn. Statements are counted per transaction: the click's own unit of work (what a member waits on),
and then the card's redraw. Transaction control (BEGIN, SAVEPOINT) is left out, since PostgreSQL's driver
does not send it as a statement. Lower the budgets when a change makes a path cheaper; never raise them to
make a test pass.
"""

from __future__ import annotations

import pytest

from tests.conftest import Coalition
from tests.helpers import StatementCounter, post_card_and_poll

# The click's own transaction: a sign-up is one read (campaign, slot and the member's row, joined), one
# conditional UPDATE … RETURNING (ticket and place) and one INSERT; a withdrawal that passes the place on is
# the read, the sign-up ended, the offer made, and the offer's expiry scheduled.
BUDGET = {"sign_up": 3, "waitlist": 3, "withdraw": 4, "vote": 2, "campaign_mine": 2}
# On PostgreSQL a sign-up and a withdrawal take the slot's lock in a statement of their own before reading:
# a statement there reads other rows as of its start, which can be before the lock it waited for.
LOCK_FIRST = ("sign_up", "waitlist", "withdraw")
CARD_REDRAW = 1  # the card is drawn from one query (when no slot needs particular disciplines)


@pytest.fixture
async def card_and_poll(coalition: Coalition) -> Coalition:
    return await post_card_and_poll(coalition)


async def test_hot_interactions_stay_within_their_statement_budget(card_and_poll: Coalition):
    coalition = card_and_poll
    card = coalition.channels["campaigns"]
    counter = StatementCounter(coalition)

    await coalition.member.click(card.last_message, label="Sign up: Op-ed author")
    signed_up = counter.take()
    await coalition.other.click(card.last_message, label="Join waitlist: Op-ed author")
    waitlisted = counter.take()
    await coalition.member.click(card.last_message, label="Withdraw")
    withdrew = counter.take()
    await coalition.member.click(coalition.channels["polls"].last_message, label="Parks")
    voted = counter.take()
    await coalition.member.slash(coalition.general, "campaign mine")
    mine = counter.take()

    measured = {
        "sign_up": signed_up,
        "waitlist": waitlisted,
        "withdraw": withdrew,
        "vote": voted,
        "campaign_mine": mine,
    }
    budget = dict(BUDGET)
    if coalition.bot.database.dialect == "postgresql":
        budget.update((path, BUDGET[path] + 1) for path in LOCK_FIRST)
    over = {path: (counts[0], budget[path]) for path, counts in measured.items() if counts[0] > budget[path]}
    assert not over, f"statements of the click's own transaction (measured, budget): {over}; all: {measured}"
    for path in ("sign_up", "waitlist", "withdraw"):
        redraws = measured[path][1:]
        assert redraws, f"{path}: the card was not redrawn"
        assert all(count <= CARD_REDRAW for count in redraws), f"{path}: card redraw statements {redraws}"
    assert all(counts[0] > 0 for counts in measured.values()), measured  # each path did reach the database
