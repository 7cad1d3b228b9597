"""Hostile poll text (issue 10) through SimCord: invisible characters, direction overrides, look-alike options."""

from __future__ import annotations

from db import polls as store
from tests.conftest import Coalition
from tests.test_poll_flows import _create, _poll_message, _said

INVISIBLE = ("\u200b", "\u202e", "\u2066", "\u200f", "\u00ad", "\u3164")


async def test_direction_overrides_and_invisible_characters_never_reach_the_poll_message(
    coalition: Coalition,
):
    poll = await _create(
        coalition,
        question="Which \u202ecampaign first?\u200b",
        options="Parks\u202e | \u2066Transit | Hou\u00adsing",
        secret=False,
    )

    message = _poll_message(coalition)
    shown = [message.embeds[0].title, message.embeds[0].description]
    shown += [child.label for row in message.components for child in row.children]
    assert not any(char in text for text in shown for char in INVISIBLE)
    assert message.embeds[0].title == "Which campaign first?"
    assert poll.options == ["Parks", "Transit", "Housing"]


async def test_options_that_differ_only_by_invisible_characters_are_refused(coalition: Coalition):
    refused = await coalition.organizer.slash(
        coalition.general, "poll create", question="Agree?", options="Yes | Y\u200bes | No", closes="1d"
    )

    assert "listed twice" in _said(refused)
    async with coalition.bot.database.session() as session:
        assert await store.list_polls(session, coalition.guild.id) == []


async def test_a_question_of_invisible_characters_only_is_refused(coalition: Coalition):
    refused = await coalition.organizer.slash(
        coalition.general, "poll create", question="\u200b\u202e\u3164", options="Yes | No", closes="1d"
    )

    assert "cannot be blank" in _said(refused)
    async with coalition.bot.database.session() as session:
        assert await store.list_polls(session, coalition.guild.id) == []
