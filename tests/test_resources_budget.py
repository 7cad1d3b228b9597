"""How many SQL statements `/resources search` and its page arrows run, so that the count can only go down.

A search is one unit of work: the page (ranked, counted and cut by the database, in one statement), the
saved search its arrows need, and the page's links. A page turn reads the saved search (with its
discipline's name), the page, and the links. The search answers first (a deferred, ephemeral "thinking"),
so no member waits on the database for the first answer. Transaction control is left out, since
PostgreSQL's driver does not send it as a statement. Lower the budgets when a change makes a path cheaper;
never raise them to make a test pass.
"""

from __future__ import annotations

import re

from sqlalchemy import event

from tests.conftest import Coalition
from tests.helpers import StatementCounter

BUDGET = {"search": 3, "search_by_discipline": 4, "turn_page": 3}


def footer(shown) -> str:
    return shown.embeds[0].footer.text


async def test_a_search_and_its_page_turns_stay_within_their_statement_budget(coalition: Coalition):
    member, general = coalition.member, coalition.general
    labor = next(
        c
        for c in await member.autocomplete(general, "resources search", "discipline", "lab")
        if c["name"] == "Labor"
    )
    counter = StatementCounter(coalition)

    result = await member.slash(general, "resources search", query="health")
    assert counter.take() == [BUDGET["search"]]
    shown = result.response
    assert re.search(r"Page 1 of \d+", footer(shown))

    await member.click(shown.message, label="Next")
    assert counter.take() == [BUDGET["turn_page"]]
    assert "Page 2 of" in footer(shown)

    await member.slash(general, "resources search", query="wage", discipline=labor["value"])
    assert counter.take() == [BUDGET["search_by_discipline"]]


async def test_a_search_answers_before_it_reads_the_database(coalition: Coalition):
    env, member = coalition.env, coalition.member
    before = len(env.http_requests)
    statements: list[str] = []
    answered_before_reading: list[bool] = []
    engine = coalition.bot.database.engine.sync_engine

    def first_statement(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statements:
            callbacks = [r for r in env.http_requests[before:] if r.path.endswith("/callback")]
            answered_before_reading.append(bool(callbacks))
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", first_statement)
    result = await member.slash(coalition.general, "resources search", query="living wage")

    assert answered_before_reading == [True]
    assert result.ephemeral
    assert result.response.embeds[0].title.startswith("Resources:")
