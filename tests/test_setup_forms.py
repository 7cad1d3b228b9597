"""The code of conduct form survives a restart: what the organizer typed is saved, not lost."""

from __future__ import annotations

from db.guilds import GuildConfig

CODE = "Assume good faith. Keep shared data de-identified. No harassment of any kind."


async def stored_code(coalition) -> str | None:
    async with coalition.bot.database.session() as session:
        config = await session.get(GuildConfig, coalition.guild.id)
    return config.code_of_conduct if config else None


async def test_code_of_conduct_typed_across_a_restart_is_saved(coalition, make_bot):
    shown = await coalition.organizer.slash(coalition.general, "setup code-of-conduct")
    await coalition.env.restart_bot(make_bot())

    saved = await coalition.organizer.submit_modal(shown, {"setup:code_of_conduct:text": CODE})

    assert "Saved the code of conduct" in saved.response.content
    assert await stored_code(coalition) == CODE


async def test_a_forged_code_of_conduct_padded_with_invisible_characters_is_refused(coalition):
    shown = await coalition.organizer.slash(coalition.general, "setup code-of-conduct")

    refused = await coalition.organizer.submit_modal(
        shown, {"setup:code_of_conduct:text": "\u200b" * 30 + "Be kind"}
    )

    assert "needs at least 20 characters" in refused.response.content
    assert await stored_code(coalition) is None


async def test_direction_overrides_are_stripped_from_the_code_of_conduct(coalition):
    shown = await coalition.organizer.slash(coalition.general, "setup code-of-conduct")

    await coalition.organizer.submit_modal(shown, {"setup:code_of_conduct:text": "\u202e" + CODE + "\u2066"})

    assert await stored_code(coalition) == CODE
