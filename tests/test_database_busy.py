"""Another process holding SQLite's write lock: the member hears "busy, try again", nothing is half-written."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from tests.conftest import BOT_BACKEND, Coalition

pytestmark = pytest.mark.skipif(BOT_BACKEND != "sqlite", reason="SQLite's file lock is what this holds")


async def test_a_vote_while_another_process_holds_the_write_lock_is_refused_plainly_then_works(
    coalition: Coalition,
):
    organizer = coalition.organizer
    await organizer.slash(
        coalition.general, "poll create", question="Which first?", options="Parks | Transit", closes="2d"
    )
    poll_message = coalition.channels["polls"].last_message
    path = str(coalition.bot.database.engine.url.database)
    other_process = sqlite3.connect(path, timeout=0, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # a backup or the resources CLI, writing
    try:
        refused = await coalition.member.click(poll_message, label="Parks")
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()

    said = (refused.followups[-1].content if refused.followups else refused.response.content) or ""
    assert "busy" in said
    assert "Sorry, something went wrong" not in said
    async with coalition.bot.database.session() as session:
        assert await session.scalar(text("SELECT COUNT(*) FROM poll_ballot")) == 0

    again = await coalition.member.click(poll_message, label="Parks")

    said = (again.followups[-1].content if again.followups else again.response.content) or ""
    assert "busy" not in said
    async with coalition.bot.database.session() as session:
        assert await session.scalar(text("SELECT COUNT(*) FROM poll_ballot")) == 1
