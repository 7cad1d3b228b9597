"""How many SQL statements the hot interactions run, so that the count can only go down.

Each aiosqlite statement costs several thread round trips, and on a busy card every member waits on the
slot's turn: these budgets are the figures measured when they were set (the sign-up and withdrawal include
the card's redraw). Lower them when a change makes a path cheaper; never raise them to make a test pass.
"""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest
from sqlalchemy import event

from tests.conftest import Coalition

BUDGET = {"sign_up": 14, "waitlist": 15, "withdraw": 21, "vote": 4, "campaign_mine": 3}


def _at(**delta: float) -> str:
    return (discord.utils.utcnow() + timedelta(**delta)).strftime("%Y-%m-%d %H:%M")


class StatementCounter:
    def __init__(self, coalition: Coalition) -> None:
        self.count = 0
        self.engine = coalition.bot.database.engine.sync_engine
        event.listen(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args: object, **_kwargs: object) -> None:
        self.count += 1

    def take(self) -> int:
        counted, self.count = self.count, 0
        return counted


@pytest.fixture
async def card_and_poll(coalition: Coalition) -> Coalition:
    organizer, general = coalition.organizer, coalition.general
    await organizer.slash(
        general,
        "campaign create",
        title="Heat safety week",
        description="Op-eds on extreme heat.",
        start=_at(days=10),
        end=_at(days=11),
        signup_deadline=_at(days=9),
        timezone="UTC",
    )
    await organizer.slash(general, "campaign slot add", campaign="1", name="Op-ed author", capacity=1)
    await organizer.slash(general, "campaign post", campaign="1")
    await organizer.slash(
        general, "poll create", question="Which first?", options="Parks | Transit", closes="2d"
    )
    return coalition


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
    over = {path: (count, BUDGET[path]) for path, count in measured.items() if count > BUDGET[path]}
    assert not over, f"statements (measured, budget): {over}"
    assert all(count > 0 for count in measured.values()), measured  # each path did reach the database
