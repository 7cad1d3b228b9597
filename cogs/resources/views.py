"""What members and organizers see: result pages, review cards, the recommendation browser, modals.

Every button and select is a DynamicItem whose custom id carries only ids; the callbacks hand over
to the cog, which reloads from the database and checks guild and permission again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.replies import truncate
from bot.ui import CoalitionModal, run_guarded
from cogs.resources import report
from cogs.resources import search as rules
from db.resources import SUMMARY_MAX, TITLE_MAX, Resource

if TYPE_CHECKING:
    from cogs.resources.cog import ResourcesCog

COLOUR = discord.Colour.teal()
STATUS_TEXT = {"pending": "Waiting for review", "approved": "Approved", "rejected": "Not added"}


def _cog(interaction: discord.Interaction) -> ResourcesCog:
    cog = interaction.client.get_cog("ResourcesCog")  # type: ignore[attr-defined]
    assert cog is not None
    return cog  # type: ignore[return-value]


# ----------------------------------------------------------------------------- text


def area_names(keys: Sequence[str], limit: int = 2) -> str:
    names = [report.area(key).label for key in keys[:limit]]
    if len(keys) > limit:
        names.append(f"and {len(keys) - limit} more")
    return "; ".join(names)


def resource_block(resource: Resource, links: dict[str, list[Any]] | None = None) -> str:
    """A resource as a few lines of an embed: linked title, kind and publisher, summary, areas."""
    title = truncate(discord.utils.escape_markdown(resource.title), 150).replace("]", ")").replace("[", "(")
    head = f"**[{title}]({resource.url})**"
    meta = rules.kind_label(resource.kind)
    if resource.publisher:
        meta += f" · {truncate(discord.utils.escape_markdown(resource.publisher), 80)}"
    lines = [head, meta]
    if resource.summary:
        lines.append(truncate(discord.utils.escape_markdown(resource.summary), 200))
    if links and links.get("areas"):
        lines.append(f"*{area_names(links['areas'])}*")
    elif links and links.get("principles"):
        lines.append("*" + "; ".join(report.principle(p).title for p in links["principles"][:2]) + "*")
    return "\n".join(lines)


def results_embed(
    describe: str,
    resources: Sequence[Resource],
    links: dict[int, dict[str, list[Any]]],
    page: int,
    total: int,
) -> discord.Embed:
    pages = rules.page_count(total)
    embed = discord.Embed(title=truncate(f"Resources: {describe}", 256), colour=COLOUR)
    blocks = [resource_block(r, links.get(r.id or 0)) for r in resources]
    embed.description = truncate("\n\n".join(blocks), 4000)
    embed.set_footer(text=f"Page {page + 1} of {pages} · {total} result{'s' if total != 1 else ''}")
    return embed


def search_controls(search_id: int, page: int, total: int) -> discord.ui.View | None:
    """Previous/Next and a jump select, or None when everything fits on one page."""
    pages = rules.page_count(total)
    if pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(search_id, max(page - 1, 0), "p", disabled=page == 0))
    view.add_item(PageButton(search_id, min(page + 1, pages - 1), "n", disabled=page >= pages - 1))
    view.add_item(JumpSelect(search_id, page, pages))
    return view


def review_embed(resource: Resource, links: dict[str, list[Any]]) -> discord.Embed:
    status = STATUS_TEXT.get(resource.status, resource.status)
    embed = discord.Embed(
        title=truncate(f"Suggested resource #{resource.id}: {resource.title}", 256),
        url=resource.url,
        description=truncate(discord.utils.escape_markdown(resource.summary or "No summary given."), 1000),
        colour={"approved": discord.Colour.green(), "rejected": discord.Colour.red()}.get(
            resource.status, discord.Colour.gold()
        ),
    )
    embed.add_field(name="Address", value=truncate(resource.url, 1024), inline=False)
    embed.add_field(name="Kind", value=rules.kind_label(resource.kind))
    if resource.publisher:
        embed.add_field(name="Publisher", value=truncate(resource.publisher, 1024))
    if resource.suggested_by:
        embed.add_field(name="Suggested by", value=f"<@{resource.suggested_by}>")
    if links.get("areas"):
        embed.add_field(
            name="Recommendation", value=truncate(area_names(links["areas"], 3), 1024), inline=False
        )
    embed.add_field(name="Status", value=status, inline=False)
    if resource.status != "pending" and resource.reviewed_by:
        decided = f"<@{resource.reviewed_by}>"
        if resource.reviewed_at:
            decided += f", {discord.utils.format_dt(resource.reviewed_at, 'R')}"
        embed.add_field(name="Decided by", value=decided)
    if resource.status == "rejected" and resource.reject_reason:
        embed.add_field(name="Reason", value=truncate(resource.reject_reason, 1024), inline=False)
    return embed


def review_controls(resource: Resource) -> discord.ui.View | None:
    if resource.status != "pending" or resource.id is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewButton("approve", resource.id))
    view.add_item(ReviewButton("edit", resource.id))
    view.add_item(ReviewButton("reject", resource.id))
    return view


def actionable_text(area: report.Area) -> str:
    if area.lhd_actionable:
        return "Yes: a local health department can act on this directly."
    return "Mostly through partners, advocacy and policy at other levels of government."


def area_embed(
    area: report.Area, resources: Sequence[Resource], overviews: Sequence[Resource]
) -> discord.Embed:
    chapter = report.chapter(area.chapter_number)
    principle = report.principle(chapter.principle_ids[0])
    embed = discord.Embed(title=truncate(area.title, 256), description=area.summary, colour=COLOUR)
    embed.add_field(name="Chapter", value=chapter.label, inline=False)
    embed.add_field(name="Principle of action", value=principle.title, inline=False)
    embed.add_field(name="Local health departments", value=actionable_text(area), inline=False)
    if resources:
        listed = "\n".join(
            f"• [{truncate(r.title, 90).replace(']', ')').replace('[', '(')}]({r.url})" for r in resources
        )
        embed.add_field(name="Resources", value=truncate(listed, 1024), inline=False)
    else:
        embed.add_field(
            name="Resources",
            value="None yet. Know a good one? Share it with `/resources suggest`.",
            inline=False,
        )
    if overviews:
        listed = "\n".join(
            f"• [{truncate(r.title, 90).replace(']', ')').replace('[', '(')}]({r.url})" for r in overviews
        )
        embed.add_field(name="About the whole principle", value=truncate(listed, 1024), inline=False)
    note = "Summary in the coalition's own words."
    if not area.content_verified:
        note += " Not confirmed against the report text: check the report before quoting it."
    embed.set_footer(text=f"{note} Source: CSDH 2008, Closing the Gap in a Generation.")
    return embed


def principles_embed() -> discord.Embed:
    embed = discord.Embed(
        title="Closing the Gap in a Generation: the recommendations",
        description="The WHO Commission on Social Determinants of Health (2008) made three principles of "
        "action and twelve chapters of recommendations. Pick a principle to see its chapters.",
        colour=COLOUR,
    )
    for principle in report.PRINCIPLES:
        chapters = ", ".join(str(c.number) for c in report.chapters_of(principle.id))
        embed.add_field(
            name=principle.title,
            value=truncate(f"{principle.summary}\nChapters {chapters}.", 1024),
            inline=False,
        )
    return embed


def principle_embed(principle_id: str) -> discord.Embed:
    principle = report.principle(principle_id)
    embed = discord.Embed(title=principle.title, description=principle.summary, colour=COLOUR)
    for chapter in report.chapters_of(principle_id):
        embed.add_field(
            name=chapter.label, value=truncate(", ".join(a.title for a in chapter.areas), 1024), inline=False
        )
    return embed


def chapter_embed(number: int) -> discord.Embed:
    chapter = report.chapter(number)
    principle = report.principle(chapter.principle_ids[0])
    embed = discord.Embed(title=chapter.label, description=f"Principle: {principle.title}", colour=COLOUR)
    for area in chapter.areas:
        embed.add_field(name=area.title, value=truncate(area.summary, 1024), inline=False)
    return embed


def browse_controls(*, principle_id: str | None = None, chapter_number: int | None = None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(BrowseSelect("principle", [(p.title, p.id) for p in report.PRINCIPLES], principle_id))
    if principle_id is not None:
        chapters = [(c.label, str(c.number)) for c in report.chapters_of(principle_id)]
        view.add_item(BrowseSelect("chapter", chapters, str(chapter_number) if chapter_number else None))
    if chapter_number is not None:
        areas = [(a.title, a.key) for a in report.chapter(chapter_number).areas]
        view.add_item(BrowseSelect("area", areas, None))
    return view


# ----------------------------------------------------------------------------- components


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"resources:page:(?P<search>\d+):(?P<page>\d+):(?P<direction>[pn])",
):
    """Previous / Next on a page of search results (the search is stored, so this survives restarts)."""

    def __init__(self, search_id: int, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"resources:page:{search_id}:{page}:{direction}",
            )
        )
        self.search_id, self.page = search_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(int(match["search"]), int(match["page"]), match["direction"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(
            interaction, lambda: _cog(interaction).show_page(interaction, self.search_id, self.page)
        )


class JumpSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"resources:jump:(?P<search>\d+)"):
    """Jump straight to a page of search results."""

    def __init__(self, search_id: int, current: int = 0, pages: int = 1) -> None:
        options = [
            discord.SelectOption(label=f"Page {n + 1} of {pages}", value=str(n), default=n == current)
            for n in rules.jump_pages(current, pages)
        ] or [discord.SelectOption(label="Page 1", value="0")]
        super().__init__(
            discord.ui.Select(
                placeholder="Jump to page…", custom_id=f"resources:jump:{search_id}", options=options
            )
        )
        self.search_id = search_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> JumpSelect:
        return cls(int(match["search"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        page = int(values[0]) if values and values[0].isdigit() else 0
        await run_guarded(interaction, lambda: _cog(interaction).show_page(interaction, self.search_id, page))


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"resources:(?P<action>approve|edit|reject):(?P<resource>\d+)",
):
    """Approve, Edit or Reject on an organizer's review card."""

    STYLES = {
        "approve": ("Approve", discord.ButtonStyle.success),
        "edit": ("Edit", discord.ButtonStyle.secondary),
        "reject": ("Reject", discord.ButtonStyle.danger),
    }

    def __init__(self, action: str, resource_id: int) -> None:
        label, style = self.STYLES[action]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"resources:{action}:{resource_id}")
        )
        self.action, self.resource_id = action, resource_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(match["action"], int(match["resource"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(
            interaction, lambda: _cog(interaction).review_action(interaction, self.action, self.resource_id)
        )


class PendingSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"resources:pending"):
    """Open one pending suggestion's review card (from `/resources review`)."""

    def __init__(self, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                placeholder="Open a suggestion to review…",
                custom_id="resources:pending",
                options=options or [discord.SelectOption(label="-", value="0")],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PendingSelect:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        resource_id = int(values[0]) if values and values[0].isdigit() else 0
        await run_guarded(interaction, lambda: _cog(interaction).open_review_card(interaction, resource_id))


class BrowseSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"resources:browse:(?P<level>principle|chapter|area)",
):
    """One level of `/recommendation list`: principles, then chapters, then areas."""

    PLACEHOLDERS = {
        "principle": "Choose a principle of action…",
        "chapter": "Choose a chapter…",
        "area": "Choose a recommendation…",
    }

    def __init__(
        self, level: str, choices: list[tuple[str, str]] | None = None, selected: str | None = None
    ) -> None:
        options = [
            discord.SelectOption(label=truncate(label, 100), value=value, default=value == selected)
            for label, value in (choices or [])[:25]
        ] or [discord.SelectOption(label="-", value="-")]
        super().__init__(
            discord.ui.Select(
                placeholder=self.PLACEHOLDERS[level], custom_id=f"resources:browse:{level}", options=options
            )
        )
        self.level = level

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BrowseSelect:
        return cls(match["level"])

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        await run_guarded(
            interaction,
            lambda: _cog(interaction).browse(interaction, self.level, values[0] if values else ""),
        )


DYNAMIC_ITEMS = (PageButton, JumpSelect, ReviewButton, PendingSelect, BrowseSelect)


# ----------------------------------------------------------------------------- modals


class SuggestModal(CoalitionModal, title="Suggest a resource"):
    resource_title: discord.ui.TextInput[SuggestModal] = discord.ui.TextInput(
        label="Title", custom_id="resources:suggest:title", max_length=TITLE_MAX, min_length=3
    )
    url: discord.ui.TextInput[SuggestModal] = discord.ui.TextInput(
        label="Web address (https://…)", custom_id="resources:suggest:url", max_length=500
    )
    summary: discord.ui.TextInput[SuggestModal] = discord.ui.TextInput(
        label="Why it helps (a sentence or two)",
        custom_id="resources:suggest:summary",
        style=discord.TextStyle.paragraph,
        max_length=SUMMARY_MAX,
        required=False,
    )

    def __init__(self, kind: str, area_key: str | None) -> None:
        super().__init__()
        self.kind, self.area_key = kind, area_key

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).submit_suggestion(
            interaction,
            title=self.resource_title.value,
            url=self.url.value,
            summary=self.summary.value or "",
            kind=self.kind,
            area_key=self.area_key,
        )


class EditModal(CoalitionModal, title="Edit the resource"):
    resource_title: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="Title", custom_id="resources:edit:title", max_length=TITLE_MAX, min_length=3
    )
    url: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="Web address", custom_id="resources:edit:url", max_length=500
    )
    summary: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="Summary",
        custom_id="resources:edit:summary",
        style=discord.TextStyle.paragraph,
        max_length=SUMMARY_MAX,
        required=False,
    )
    publisher: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="Publisher", custom_id="resources:edit:publisher", max_length=120, required=False
    )

    def __init__(self, resource: Resource) -> None:
        super().__init__()
        assert resource.id is not None
        self.resource_id = resource.id
        self.resource_title.default = resource.title
        self.url.default = resource.url
        self.summary.default = resource.summary or None
        self.publisher.default = resource.publisher or None

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).submit_edit(
            interaction,
            self.resource_id,
            title=self.resource_title.value,
            url=self.url.value,
            summary=self.summary.value or "",
            publisher=self.publisher.value or "",
        )


class RejectModal(CoalitionModal, title="Reject the suggestion"):
    reason: discord.ui.TextInput[RejectModal] = discord.ui.TextInput(
        label="Reason (the suggester will see it)",
        custom_id="resources:reject:reason",
        style=discord.TextStyle.paragraph,
        max_length=500,
        min_length=3,
    )

    def __init__(self, resource_id: int) -> None:
        super().__init__()
        self.resource_id = resource_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).submit_rejection(interaction, self.resource_id, self.reason.value)
