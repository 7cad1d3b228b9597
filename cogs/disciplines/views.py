"""The discipline panel (a persistent select menu per 25 disciplines) and the directory's page buttons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserFacingError
from bot.replies import truncate
from bot.ui import run_guarded
from cogs.onboarding.steps import OPTIONS_PER_SELECT, pages
from cogs.onboarding.views import COLOUR, safe

if TYPE_CHECKING:
    from cogs.disciplines.cog import DisciplinesCog

DIRECTORY_PAGE_SIZE = 10
PANEL_SELECTS = 5  # one select per action row, five rows per message


def _cog(interaction: discord.Interaction) -> DisciplinesCog:
    cog = interaction.client.get_cog("Disciplines")  # type: ignore[attr-defined]
    if cog is None:
        raise UserFacingError("Disciplines are not available right now; please try again in a minute.")
    return cog  # type: ignore[return-value]


class PanelSelect(
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"disciplines:panel:(?P<guild_id>\d{1,20}):(?P<chunk>\d{1,2})",
):
    """One select of the panel: picking a discipline you hold removes it, any other adds it."""

    def __init__(self, guild_id: int, chunk: int, select: discord.ui.Select[Any] | None = None) -> None:
        super().__init__(select or discord.ui.Select(custom_id=f"disciplines:panel:{guild_id}:{chunk}"))
        self.guild_id, self.chunk = guild_id, chunk

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PanelSelect:
        select = item if isinstance(item, discord.ui.Select) else None
        return cls(int(match["guild_id"]), int(match["chunk"]), select)

    async def callback(self, interaction: discord.Interaction) -> None:
        picked = list(self.item.values)
        await run_guarded(
            interaction, lambda: _cog(interaction).toggle_from_panel(interaction, self.guild_id, picked)
        )


class DirectoryPage(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"disciplines:members:(?P<discipline_id>\d{1,20}):(?P<page>\d{1,5})",
):
    def __init__(self, discipline_id: int, page: int, *, label: str = "Next ▶") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"disciplines:members:{discipline_id}:{page}",
            )
        )
        self.discipline_id, self.page = discipline_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DirectoryPage:
        return cls(int(match["discipline_id"]), int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(
            interaction,
            lambda: _cog(interaction).show_directory(interaction, self.discipline_id, self.page, edit=True),
        )


DYNAMIC_ITEMS = (PanelSelect, DirectoryPage)


def panel_message(guild_id: int, catalog: Sequence[tuple[int, str]]) -> dict[str, Any]:
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
    embed = discord.Embed(title="Your disciplines", description=text, colour=COLOUR)
    view = discord.ui.View(timeout=None)
    for number, chunk in enumerate(chunks):
        if not chunk:
            continue
        first = number * OPTIONS_PER_SELECT + 1
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"disciplines:panel:{guild_id}:{number}",
            placeholder=f"Disciplines {first} to {first + len(chunk) - 1}: pick to add or remove",
            min_values=1,
            max_values=len(chunk),
            options=[discord.SelectOption(label=truncate(name, 100), value=str(i)) for i, name in chunk],
        )
        view.add_item(PanelSelect(guild_id, number, select))
    return {"embed": embed, "view": view}


def directory_message(
    discipline_id: int, discipline_name: str, profiles: Sequence[Any], total: int, page: int
) -> dict[str, Any]:
    page_count = max(1, -(-total // DIRECTORY_PAGE_SIZE))
    embed = discord.Embed(title=f"Directory: {truncate(discipline_name, 200)}", colour=COLOUR)
    if not profiles:
        embed.description = (
            "Nobody with this discipline is listed in the directory yet. Members choose to be listed "
            "during onboarding or with `/profile edit`."
        )
    else:
        lines = []
        for profile in profiles:
            who = safe(profile.display_name) + (f" ({safe(profile.pronouns)})" if profile.pronouns else "")
            lines.append(
                f"**{who}** · <@{profile.user_id}>\n{safe(profile.job_title)}, {safe(profile.organization)} "
                f"({safe(profile.jurisdiction)}, {safe(profile.state)})"
            )
        embed.description = truncate("\n\n".join(lines), 4000)
    embed.set_footer(
        text=f"Page {page + 1} of {page_count} · {total} listed member{'s' if total != 1 else ''}"
    )
    view = discord.ui.View(timeout=None)
    if page > 0:
        view.add_item(DirectoryPage(discipline_id, page - 1, label="◀ Previous"))
    if page < page_count - 1:
        view.add_item(DirectoryPage(discipline_id, page + 1, label="Next ▶"))
    return {"embed": embed, "view": view}
