"""What members and organizers see: result pages, review cards, the recommendation browser, forms.

Every button and select is a persistent control whose custom id carries only ids; the callbacks hand
over to the cog, whose use cases reload from the database and check guild and permission again. Forms
carry what they need in their own id, so one submitted after a restart still goes through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.paginator import Page, with_page_footer
from bot.replies import truncate
from bot.ui import PersistentButton, PersistentModal, PersistentSelect
from cogs.resources import report
from cogs.resources import search as rules
from cogs.resources.service.results import (
    AreaOverview,
    PendingList,
    ResourceInfo,
    ResourceLinks,
    SearchPage,
)
from cogs.resources.texts import STATUS_TEXT

if TYPE_CHECKING:
    from cogs.resources.cog import ResourcesCog

COLOUR = discord.Colour.teal()
# The name search pages are registered under with the shared paginator (bot/paginator.py).
SEARCH_PAGES = "resources"


def _cog(interaction: discord.Interaction) -> ResourcesCog:
    from cogs.resources.cog import ResourcesCog

    client = interaction.client
    cog = client.get_cog("ResourcesCog") if isinstance(client, commands.Bot) else None
    assert isinstance(cog, ResourcesCog)
    return cog


# ----------------------------------------------------------------------------- text


def area_names(keys: Sequence[str], limit: int = 2) -> str:
    names = [report.area(key).label for key in keys[:limit]]
    if len(keys) > limit:
        names.append(f"and {len(keys) - limit} more")
    return "; ".join(names)


def _link_title(title: str, limit: int) -> str:
    """A title safe inside a masked link's brackets."""
    return truncate(title, limit).replace("]", ")").replace("[", "(")


def resource_block(resource: ResourceInfo, links: ResourceLinks | None = None) -> str:
    """A resource as a few lines of an embed: linked title, kind and publisher, summary, areas."""
    links = resource.links if links is None else links
    head = f"**[{_link_title(discord.utils.escape_markdown(resource.title), 150)}]({resource.url})**"
    meta = rules.kind_label(resource.kind)
    if resource.publisher:
        meta += f" · {truncate(discord.utils.escape_markdown(resource.publisher), 80)}"
    lines = [head, meta]
    if resource.summary:
        lines.append(truncate(discord.utils.escape_markdown(resource.summary), 200))
    if links.areas:
        lines.append(f"*{area_names(links.areas)}*")
    elif links.principles:
        lines.append("*" + "; ".join(report.principle(p).title for p in links.principles[:2]) + "*")
    return "\n".join(lines)


def search_page(shown: SearchPage) -> Page:
    """A page of a saved search as the shared paginator shows it."""
    embed = discord.Embed(title=truncate(f"Resources: {shown.describe}", 256), colour=COLOUR)
    embed.description = truncate("\n\n".join(resource_block(r) for r in shown.resources), 4000)
    page = Page(embed=embed, number=shown.page, count=rules.page_count(shown.total))
    with_page_footer(embed, page, f"{shown.total} result{'s' if shown.total != 1 else ''}")
    return page


def search_controls(search_id: int, page: Page) -> discord.ui.View | None:
    """Previous/Next and a jump select, or None when everything fits on one page.

    The buttons keep the ids that search results have always carried (messages already posted hold
    them); they and the shared paginator's arrows load pages through the same registered source.
    """
    if page.count <= 1:
        return None
    at, last = page.number, page.count - 1
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(search_id, max(at - 1, 0), "p", disabled=at == 0))
    view.add_item(PageButton(search_id, min(at + 1, last), "n", disabled=at >= last))
    view.add_item(JumpSelect(search_id, at, page.count))
    return view


def review_embed(resource: ResourceInfo) -> discord.Embed:
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
    if resource.links.areas:
        embed.add_field(
            name="Recommendation", value=truncate(area_names(resource.links.areas, 3), 1024), inline=False
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


def review_controls(resource: ResourceInfo) -> discord.ui.View | None:
    if resource.status != "pending":
        return None
    view = discord.ui.View(timeout=None)
    for action in ("approve", "edit", "reject"):
        view.add_item(ReviewButton(action, resource.id))
    return view


def pending_embed(pending: PendingList) -> discord.Embed:
    lines = [
        f"#{r.id} **{truncate(discord.utils.escape_markdown(r.title), 80)}**"
        + (f", from <@{r.suggested_by}>" if r.suggested_by else "")
        for r in pending.items
    ]
    return discord.Embed(
        title=f"{pending.total} suggestion{'s' if pending.total != 1 else ''} waiting for review",
        description=truncate("\n".join(lines), 4000),
        colour=discord.Colour.gold(),
    )


def pending_controls(pending: PendingList) -> discord.ui.View:
    options = [
        discord.SelectOption(label=truncate(f"#{r.id} {r.title}", 100), value=str(r.id))
        for r in pending.items
    ]
    view = discord.ui.View(timeout=None)
    view.add_item(PendingSelect(options))
    return view


def actionable_text(area: report.Area) -> str:
    if area.lhd_actionable:
        return "Yes: a local health department can act on this directly."
    return "Mostly through partners, advocacy and policy at other levels of government."


def _listed(resources: Sequence[ResourceInfo]) -> str:
    return truncate("\n".join(f"• [{_link_title(r.title, 90)}]({r.url})" for r in resources), 1024)


def area_embed(overview: AreaOverview) -> discord.Embed:
    area = report.area(overview.area_key)
    chapter = report.chapter(area.chapter_number)
    principle = report.principle(chapter.principle_ids[0])
    embed = discord.Embed(title=truncate(area.title, 256), description=area.summary, colour=COLOUR)
    embed.add_field(name="Chapter", value=chapter.label, inline=False)
    embed.add_field(name="Principle of action", value=principle.title, inline=False)
    embed.add_field(name="Local health departments", value=actionable_text(area), inline=False)
    if overview.linked:
        embed.add_field(name="Resources", value=_listed(overview.linked), inline=False)
    else:
        embed.add_field(
            name="Resources",
            value="None yet. Know a good one? Share it with `/resources suggest`.",
            inline=False,
        )
    if overview.overviews:
        embed.add_field(name="About the whole principle", value=_listed(overview.overviews), inline=False)
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


class PageButton(PersistentButton, id="resources:page:{search_id:int}:{page:int}:{direction:p|n}"):
    """Previous / Next on a page of search results (the search is stored, so this survives restarts)."""

    def __init__(self, search_id: int, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=self.make_id(search_id=search_id, page=page, direction=direction),
            )
        )
        self.search_id, self.page = search_id, page

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).show_page(interaction, self.search_id, self.page)


class JumpSelect(PersistentSelect, id="resources:jump:{search_id:int}"):
    """Jump straight to a page of search results."""

    def __init__(self, search_id: int, current: int = 0, pages: int = 1) -> None:
        options = [
            discord.SelectOption(label=f"Page {n + 1} of {pages}", value=str(n), default=n == current)
            for n in rules.jump_pages(current, pages)
        ] or [discord.SelectOption(label="Page 1", value="0")]
        super().__init__(
            discord.ui.Select(
                placeholder="Jump to page…", custom_id=self.make_id(search_id=search_id), options=options
            )
        )
        self.search_id = search_id

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        page = int(values[0]) if values and values[0].isdigit() else 0
        await _cog(interaction).show_page(interaction, self.search_id, page)


class ReviewButton(PersistentButton, id="resources:{action:approve|edit|reject}:{resource_id:int}"):
    """Approve, Edit or Reject on an organizer's review card."""

    STYLES = {
        "approve": ("Approve", discord.ButtonStyle.success),
        "edit": ("Edit", discord.ButtonStyle.secondary),
        "reject": ("Reject", discord.ButtonStyle.danger),
    }

    def __init__(self, action: str, resource_id: int) -> None:
        label, style = self.STYLES[action]
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=self.make_id(action=action, resource_id=resource_id)
            )
        )
        self.action, self.resource_id = action, resource_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).review_action(interaction, self.action, self.resource_id)


class PendingSelect(PersistentSelect, id="resources:pending"):
    """Open one pending suggestion's review card (from `/resources review`)."""

    def __init__(self, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                placeholder="Open a suggestion to review…",
                custom_id=self.make_id(),
                options=options or [discord.SelectOption(label="-", value="0")],
            )
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        resource_id = int(values[0]) if values and values[0].isdigit() else 0
        await _cog(interaction).open_review_card(interaction, resource_id)


class BrowseSelect(PersistentSelect, id="resources:browse:{level:principle|chapter|area}"):
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
                placeholder=self.PLACEHOLDERS[level], custom_id=self.make_id(level=level), options=options
            )
        )
        self.level = level

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        await _cog(interaction).browse(interaction, self.level, values[0] if values else "")


PERSISTENT_ITEMS: tuple[type[Any], ...] = (PageButton, JumpSelect, ReviewButton, PendingSelect, BrowseSelect)


# ----------------------------------------------------------------------------- forms


def area_token(area_key: str | None) -> str | None:
    """An area key as a form id carries it ("6.b" → "6-b": ids hold no dots)."""
    return area_key.replace(".", "-") if area_key else None


class SuggestModal(
    PersistentModal, title="Suggest a resource", id="resources:suggest:{kind:word}[:{area:word}]"
):
    """A member's suggestion; kind and area ride in the form's id, so it survives a restart."""

    resource_title: discord.ui.TextInput[SuggestModal] = discord.ui.TextInput(
        label="Title", custom_id="resources:suggest:title", max_length=rules.TITLE_MAX, min_length=3
    )
    url: discord.ui.TextInput[SuggestModal] = discord.ui.TextInput(
        label="Web address (https://…)", custom_id="resources:suggest:url", max_length=500
    )
    summary: discord.ui.TextInput[SuggestModal] = discord.ui.TextInput(
        label="Why it helps (a sentence or two)",
        custom_id="resources:suggest:summary",
        style=discord.TextStyle.paragraph,
        max_length=rules.SUMMARY_MAX,
        required=False,
    )

    def __init__(self, kind: str, area: str | None = None) -> None:
        super().__init__(custom_id=self.make_id(kind=kind, area=area))
        self.kind = kind
        self.area_key = area.replace("-", ".") if area else None

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).submit_suggestion(
            interaction,
            title=self.resource_title.value,
            url=self.url.value,
            summary=self.summary.value or "",
            kind=self.kind,
            area_key=self.area_key,
        )


class EditModal(PersistentModal, title="Edit the resource", id="resources:edit-form:{resource_id:int}"):
    """An organizer's edit of a resource's text and address."""

    resource_title: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="Title", custom_id="resources:edit:title", max_length=rules.TITLE_MAX, min_length=3
    )
    url: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="Web address", custom_id="resources:edit:url", max_length=500
    )
    summary: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="Summary",
        custom_id="resources:edit:summary",
        style=discord.TextStyle.paragraph,
        max_length=rules.SUMMARY_MAX,
        required=False,
    )
    publisher: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
        label="Publisher", custom_id="resources:edit:publisher", max_length=120, required=False
    )

    def __init__(self, resource_id: int, current: ResourceInfo | None = None) -> None:
        super().__init__(custom_id=self.make_id(resource_id=resource_id))
        self.resource_id = resource_id
        if current is not None:
            self.resource_title.default = current.title
            self.url.default = current.url
            self.summary.default = current.summary or None
            self.publisher.default = current.publisher or None

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).submit_edit(
            interaction,
            self.resource_id,
            title=self.resource_title.value,
            url=self.url.value,
            summary=self.summary.value or "",
            publisher=self.publisher.value or "",
        )


class RejectModal(
    PersistentModal, title="Reject the suggestion", id="resources:reject-form:{resource_id:int}"
):
    """The reason for turning a suggestion down, which the suggester reads."""

    reason: discord.ui.TextInput[RejectModal] = discord.ui.TextInput(
        label="Reason (the suggester will see it)",
        custom_id="resources:reject:reason",
        style=discord.TextStyle.paragraph,
        max_length=500,
        min_length=3,
    )

    def __init__(self, resource_id: int) -> None:
        super().__init__(custom_id=self.make_id(resource_id=resource_id))
        self.resource_id = resource_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).submit_rejection(interaction, self.resource_id, self.reason.value)
