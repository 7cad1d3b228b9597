"""The command tree's error handler: clear words for mistakes, an apology and a log line for bugs."""

from __future__ import annotations

import logging

import discord
import pytest

from bot.errors import APOLOGY, UserFacingError


@pytest.fixture
def simcord_bot(make_bot):
    bot = make_bot()

    @bot.tree.command(name="explode")
    async def explode(interaction: discord.Interaction) -> None:
        """Fail the way a bug would."""
        raise RuntimeError("boom")

    @bot.tree.command(name="mistake")
    async def mistake(interaction: discord.Interaction) -> None:
        """Fail the way a member's mistake would."""
        raise UserFacingError("That campaign has closed; pick another one.")

    return bot


@pytest.mark.logs_errors
async def test_a_bug_gets_an_apology_and_a_log_line_with_its_context(simcord_env, caplog):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("ann"))

    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        result = await member.slash(channel, "explode")

    assert result.ephemeral
    assert result.response.content == APOLOGY
    record = next(r for r in caplog.records if r.name == "bot.errors")
    assert f"guild={guild.id}" in record.getMessage()
    assert f"user={member.id}" in record.getMessage()
    assert "command=explode" in record.getMessage()
    assert isinstance(simcord_env.errors[-1].original, RuntimeError)


async def test_a_members_mistake_is_shown_to_them_only_and_not_logged_as_an_error(simcord_env, caplog):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("ann"))

    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        result = await member.slash(channel, "mistake")

    assert result.ephemeral
    assert result.response.content == "That campaign has closed; pick another one."
    assert not [r for r in caplog.records if r.name == "bot.errors"]
