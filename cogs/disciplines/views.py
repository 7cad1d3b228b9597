"""The discipline panel (a persistent select menu per 25 disciplines) and the directory's pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.paginator import Page, page_source, pager, with_page_footer
from bot.replies import truncate
from bot.ui import PersistentButton, PersistentSelect
from cogs.disciplines import service
from cogs.disciplines.service import DirectoryPage, DisciplineEntry
from cogs.onboarding.steps import OPTIONS_PER_SELECT, pages
from cogs.onboarding.views import COLOUR, safe

if TYPE_CHECKING:
    from cogs.disciplines.cog import DisciplinesCog

DIRECTORY_PAGE_SIZE = 10
DIRECTORY_SOURCE = "directory"
PANEL_SELECTS = 5  # one select per action row, five rows per message


def _bot(interaction: discord.Interaction) -> CoalitionBot:
    client = interaction.client
    if not isinstance(client, CoalitionBot):
        raise TypeError(f"discipline controls run on the coalition bot, not {type(client).__name__}")
    return client


def _cog(interaction: discord.Interaction) -> DisciplinesCog:
    from cogs.disciplines.cog import DisciplinesCog  # the cog imports this module

    cog = _bot(interaction).get_cog("Disciplines")
    if not isinstance(cog, DisciplinesCog):
        raise UserFacingError("Disciplines are not available right now; please try again in a minute.")
    return cog


class PanelSelect(PersistentSelect, id="disciplines:panel:{guild_id:int}:{chunk:int}"):
    """One select of the panel: picking a discipline you hold removes it, any other adds it."""

    def __init__(self, guild_id: int, chunk: int, entries: Sequence[DisciplineEntry] = ()) -> None:
        first = chunk * OPTIONS_PER_SELECT + 1
        options = [discord.SelectOption(label=truncate(d.name, 100), value=str(d.id)) for d in entries]
        super().__init__(
            discord.ui.Select(
                custom_id=self.make_id(guild_id=guild_id, chunk=chunk),
                placeholder=f"Disciplines {first} to {first + len(entries) - 1}: pick to add or remove",
                min_values=1,
                max_values=max(1, len(entries)),
                options=options or [discord.SelectOption(label="-", value="0")],
            )
        )
        self.guild_id, self.chunk = guild_id, chunk

    async def callback(self, interaction: discord.Interaction) -> None:
        picked = [int(value) for value in self.item.values if value.isdigit()]
        await _cog(interaction).toggle_from_panel(interaction, self.guild_id, picked)


class LegacyDirectoryPage(PersistentButton, id="disciplines:members:{discipline_id:int}:{page:int}"):
    """A page button drawn before the shared paginator: still answered, with the paginator's arrows."""

    def __init__(self, discipline_id: int, page: int) -> None:
        super().__init__(
            discord.ui.Button(label="Next ▶", custom_id=self.make_id(discipline_id=discipline_id, page=page))
        )
        self.discipline_id, self.page = discipline_id, page

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        page = await directory_source(interaction, self.discipline_id, self.page)
        await interaction.edit_original_response(
            embed=page.embed, view=pager(DIRECTORY_SOURCE, self.discipline_id, page)
        )


PERSISTENT_ITEMS = (PanelSelect, LegacyDirectoryPage)


def panel_message(guild_id: int, catalog: Sequence[DisciplineEntry]) -> dict[str, Any]:
    """The panel: an explanation and up to five selects of 25 disciplines each."""
    chunks = pages(list(catalog))[:PANEL_SELECTS]
    shown = sum(len(chunk) for chunk in chunks)
    text = (
        "Pick a discipline to add it to your profile and get its role; pick one you already have to remove it. "
        "Only you see the answer."
    )
    if shown < len(catalog):
        text += (
            f"\n\nThis panel shows the first {shown} of {len(catalog)}; use `/discipline add` for the rest."
        )
    if not catalog:
        text = "There are no disciplines yet; organizers add them with `/discipline create`."
    embed = discord.Embed(title="Your disciplines", description=text, colour=COLOUR)
    view = discord.ui.View(timeout=None)
    for number, chunk in enumerate(chunks):
        if chunk:
            view.add_item(PanelSelect(guild_id, number, chunk))
    return {"embed": embed, "view": view}


@page_source(DIRECTORY_SOURCE)
async def directory_source(interaction: discord.Interaction, discipline_id: int, number: int) -> Page:
    """A page of a discipline's directory, reloaded for the guild the arrow was pressed in."""
    if interaction.guild_id is None:
        raise UserFacingError("The directory only works inside a server.")
    found = await service.directory_page(
        _bot(interaction).app,
        guild_id=interaction.guild_id,
        discipline_id=discipline_id,
        number=number,
        page_size=DIRECTORY_PAGE_SIZE,
    )
    return directory_embed(found)


def directory_embed(found: DirectoryPage) -> Page:
    embed = discord.Embed(title=f"Directory: {truncate(found.discipline.name, 200)}", colour=COLOUR)
    if not found.entries:
        embed.description = (
            "Nobody with this discipline is listed in the directory yet. Members choose to be listed "
            "during onboarding or with `/profile edit`."
        )
    else:
        lines = []
        for entry in found.entries:
            who = safe(entry.display_name) + (f" ({safe(entry.pronouns)})" if entry.pronouns else "")
            lines.append(
                f"**{who}** · <@{entry.user_id}>\n{safe(entry.job_title)}, {safe(entry.organization)} "
                f"({safe(entry.jurisdiction)}, {safe(entry.state)})"
            )
        embed.description = truncate("\n\n".join(lines), 4000)
    page = Page(embed=embed, number=found.number, count=found.count)
    listed = f"{found.total} listed member{'s' if found.total != 1 else ''}"
    with_page_footer(embed, page, listed)
    return page
