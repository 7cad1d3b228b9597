"""`/audit recent`: organizers read back what organizers did, a page at a time, as SimCord drives it."""

from __future__ import annotations

from tests.helpers import let_everyone_see

PURPOSES = ["welcome", "introductions", "campaigns", "polls", "review", "audit"]


async def make_actions(coalition, count: int) -> None:
    for index in range(count):
        purpose = PURPOSES[index % len(PURPOSES)]
        await coalition.organizer.slash(
            coalition.general, "setup channel", purpose=purpose, channel=coalition.channels[purpose]
        )


def footer(message) -> str:
    return message.embeds[0].footer.text


async def test_recent_actions_page_newest_first_and_survive_a_restart(coalition, make_bot):
    await make_actions(coalition, 12)

    result = await coalition.organizer.slash(coalition.general, "audit recent")

    shown = result.response
    assert result.ephemeral
    assert footer(shown) == "Page 1 of 2 · 12 in all"
    assert shown.embeds[0].description.count("**setup.channel**") == 10
    first_line = shown.embeds[0].description.splitlines()[0]
    assert "audit channel" in first_line or "<#" in first_line  # the newest action comes first

    await coalition.env.restart_bot(make_bot())
    await coalition.organizer.click(shown.message, label="Next ▶")
    assert footer(shown) == "Page 2 of 2 · 12 in all"
    assert shown.embeds[0].description.count("**setup.channel**") == 2

    await coalition.organizer.click(shown.message, label="◀ Previous")
    assert footer(shown).startswith("Page 1 of 2")


async def test_filter_by_kind_shows_only_that_kind(coalition):
    await make_actions(coalition, 2)
    await coalition.organizer.slash(coalition.general, "discipline create", name="Oral health")

    disciplines = await coalition.organizer.slash(coalition.general, "audit recent", kind="discipline")
    campaigns = await coalition.organizer.slash(coalition.general, "audit recent", kind="campaign")

    text = disciplines.response.embeds[0].description
    assert "**discipline.create**" in text
    assert "setup.channel" not in text
    assert campaigns.response.embeds[0].description == "Nothing recorded yet."


async def test_members_cannot_read_the_audit_log_even_when_an_admin_widens_the_command(coalition):
    await make_actions(coalition, 1)
    let_everyone_see(coalition.env, coalition.guild, "audit")

    result = await coalition.member.slash(coalition.general, "audit recent")

    assert "Only organizers" in result.response.content
