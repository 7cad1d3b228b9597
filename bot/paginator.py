"""One paginator for every list the bot shows, and it survives restarts.

A feature registers a page source under a short name, a coroutine that renders one page of a list from a
key it chooses (a search id, a discipline id, a guild id):

    @page_source("directory")
    async def directory_page(interaction: discord.Interaction, key: int, number: int) -> Page: ...

and shows the first page with `await send_first_page(interaction, "directory", key)`. The arrows carry
only the source, the key and the page number in their custom id, so they keep working after a restart;
the source reloads what it shows and re-checks who may see it (raise `UserFacingError` to refuse).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord

from bot.ui import STALE_CONTROL, PersistentButton


@dataclass(frozen=True, slots=True)
class Page:
    """One rendered page: `number` is 0-based and already clamped to `0 <= number < count`."""

    embed: discord.Embed
    number: int
    count: int


PageLoader = Callable[[discord.Interaction, int, int], Awaitable[Page]]
_SOURCES: dict[str, PageLoader] = {}


def page_source(name: str) -> Callable[[PageLoader], PageLoader]:
    """Register a page source under `name` (lowercase letters, digits, `_` and `-`)."""

    def register(loader: PageLoader) -> PageLoader:
        _SOURCES[name] = loader
        return loader

    return register


def clamp(number: int, count: int) -> int:
    """A page number within 0..count-1 (a list that shrank since the arrow was drawn still shows a page)."""
    return max(0, min(number, max(count, 1) - 1))


class PageArrow(PersistentButton, id="page:{source:word}:{key:int}:{number:int}:{arrow:prev|next}"):
    """◀ or ▶ under a paged list: shows page `number` of the source's list for `key`."""

    def __init__(self, source: str, key: int, number: int, arrow: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀ Previous" if arrow == "prev" else "Next ▶",
                style=discord.ButtonStyle.secondary,
                custom_id=self.make_id(source=source, key=key, number=number, arrow=arrow),
                disabled=disabled,
            )
        )
        self.source, self.key, self.number = source, key, number

    async def callback(self, interaction: discord.Interaction) -> None:
        loader = _SOURCES.get(self.source)
        if loader is None:
            await interaction.response.send_message(STALE_CONTROL, ephemeral=True)
            return
        # Answer first: the page may take a query or two.
        await interaction.response.defer()
        page = await loader(interaction, self.key, self.number)
        await interaction.edit_original_response(embed=page.embed, view=pager(self.source, self.key, page))


def pager(source: str, key: int, page: Page) -> discord.ui.View:
    """The arrows for a page (an empty view when the list fits on one page, which clears old arrows)."""
    view = discord.ui.View(timeout=None)
    if page.count > 1:
        previous, following = max(page.number - 1, 0), min(page.number + 1, page.count - 1)
        view.add_item(PageArrow(source, key, previous, "prev", disabled=page.number <= 0))
        view.add_item(PageArrow(source, key, following, "next", disabled=page.number >= page.count - 1))
    return view


def with_page_footer(embed: discord.Embed, page: Page, extra: str = "") -> discord.Embed:
    """Put "Page 2 of 5" (and any extra words) in the embed's footer."""
    text = f"Page {page.number + 1} of {max(page.count, 1)}"
    embed.set_footer(text=f"{text} · {extra}" if extra else text)
    return embed


async def send_first_page(
    interaction: discord.Interaction, source: str, key: int, *, number: int = 0, ephemeral: bool = True
) -> None:
    """Show a page of a registered list as the answer to this interaction (a followup once deferred)."""
    loader = _SOURCES[source]
    page = await loader(interaction, key, number)
    view = pager(source, key, page)
    if interaction.response.is_done():
        await interaction.followup.send(embed=page.embed, view=view, ephemeral=ephemeral)
    else:
        await interaction.response.send_message(embed=page.embed, view=view, ephemeral=ephemeral)
