"""Secret polls and the BALLOT_SECRET setting, through SimCord as organizers and members meet them."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.core import CoalitionBot
from db import polls as store
from db.engine import Database
from tests.conftest import Coalition

OPTIONS = "Parks | Transit | Housing"
MISSING = "BALLOT_SECRET is not set"


def _said(result) -> str:
    parts = [result.response.content if result.response else ""]
    parts += [f.content for f in result.followups]
    return " ".join(parts)


async def _restart_without_secret(coalition: Coalition) -> Database:
    settings = dataclasses.replace(coalition.bot.settings, ballot_secret=None)
    database = Database(settings.database_url)
    await coalition.env.restart_bot(CoalitionBot(settings, database))
    return database


async def test_without_ballot_secret_secret_polls_are_refused_and_named_polls_work(
    coalition: Coalition, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING)
    database = await _restart_without_secret(coalition)
    try:
        refused = await coalition.organizer.slash(
            coalition.general, "poll create", question="Which first?", options=OPTIONS, closes="2d"
        )
        named = await coalition.organizer.slash(
            coalition.general,
            "poll create",
            question="Which first?",
            options=OPTIONS,
            closes="2d",
            secret=False,
        )
    finally:
        await database.dispose()

    assert "BALLOT_SECRET" in _said(refused)
    assert "secret: False" in _said(refused)
    assert "is up in" in _said(named)
    async with coalition.bot.database.session() as session:
        (poll,) = await store.list_polls(session, coalition.guild.id)
    assert not poll.secret
    assert any(MISSING in record.getMessage() for record in caplog.records)


async def test_open_secret_polls_stop_taking_votes_when_the_secret_goes_missing(
    coalition: Coalition, caplog: pytest.LogCaptureFixture
):
    created = await coalition.organizer.slash(
        coalition.general, "poll create", question="Which first?", options=OPTIONS, closes="2d"
    )
    assert "is up in" in _said(created)
    async with coalition.bot.database.session() as session:
        (poll,) = await store.list_polls(session, coalition.guild.id)
    caplog.set_level(logging.WARNING)

    database = await _restart_without_secret(coalition)
    try:
        message = coalition.channels["polls"].last_message
        voted = await coalition.member.click(message, custom_id=f"poll:vote:{poll.id}:0")
    finally:
        await database.dispose()

    assert "not recorded" in _said(voted)
    assert "BALLOT_SECRET" in _said(voted)
    startup = [record.getMessage() for record in caplog.records if MISSING in record.getMessage()]
    assert startup
    assert "the 1 open secret polls cannot take votes" in startup[0]
    async with coalition.bot.database.session() as session:
        assert await store.ballot_count(session, poll.id) == 0
