"""Resources linked to the report's recommendations: search, browse, suggest and curate.

Each command parses what Discord gave it, calls one use case (`cogs/resources/service/`), and renders
the answer; Discord calls (answers, DMs, card edits) come after the use case returned.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ensure_organizer, organizer_only
from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.paginator import Page, page_source
from bot.replies import defer, reply, truncate
from cogs.resources import report, texts, views
from cogs.resources import search as rules
from cogs.resources.service import catalog, curation
from cogs.resources.service import search as finding
from cogs.resources.service.results import NoResults, ResourceInfo

log = logging.getLogger(__name__)

KindChoice = Literal["toolkit", "report", "course", "dataset", "case_study", "talking_points", "other"]
REVIEW_LIST_MAX = 25


def _bot(interaction: discord.Interaction) -> CoalitionBot:
    client = interaction.client
    assert isinstance(client, CoalitionBot)
    return client


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def _recommendation(value: str | None, *, areas_only: bool = False) -> rules.RecommendationFilter | None:
    """The recommendation an option names, None when empty; a clear refusal when unknown."""
    if not value:
        return None
    wanted = rules.parse_recommendation(value)
    if wanted is None or (areas_only and wanted.kind != "area"):
        raise UserFacingError("I do not know that recommendation. Please pick one of the suggestions.")
    return wanted


async def _recommendation_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=n, value=v) for n, v in rules.recommendation_choices(current)]


async def _area_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=n, value=v) for n, v in rules.area_choices(current)]


async def _discipline_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await finding.discipline_choices(
        _bot(interaction).app, guild_id=interaction.guild_id, typed=current
    )
    return [app_commands.Choice(name=c.name, value=c.value) for c in found]


async def _resource_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await finding.resource_choices(
        _bot(interaction).app, guild_id=interaction.guild_id, typed=current
    )
    return [app_commands.Choice(name=c.name, value=c.value) for c in found]


class ResourcesCog(commands.Cog):
    resources = app_commands.Group(
        name="resources", description="Find and share resources on health equity", guild_only=True
    )
    recommendation = app_commands.Group(
        name="recommendation",
        description="The WHO Commission's recommendations, in plain words",
        guild_only=True,
    )

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self._seeded: set[int] = set()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*views.PERSISTENT_ITEMS)
        page_source(views.SEARCH_PAGES)(self.search_page)
        await catalog.sync_report(self.bot.app)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*views.PERSISTENT_ITEMS)

    # ------------------------------------------------------------------ the starter library

    async def ensure_library(self, guild_id: int) -> None:
        """Give the guild its starter library the first time it is seen (idempotent)."""
        if guild_id not in self._seeded:
            await catalog.prepare_library(self.bot.app, guild_id)
            self._seeded.add(guild_id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.ensure_library(guild.id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.ensure_library(guild.id)

    # ------------------------------------------------------------------ search

    @resources.command(name="search")
    @app_commands.describe(
        query="Words to look for in titles, summaries and publishers",
        recommendation="Only resources for this recommendation, chapter or principle",
        discipline="Only resources tagged with this discipline",
    )
    @app_commands.autocomplete(
        recommendation=_recommendation_autocomplete, discipline=_discipline_autocomplete
    )
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 0, 100] | None = None,
        recommendation: str | None = None,
        discipline: str | None = None,
    ) -> None:
        """Search the resource library by words, recommendation and discipline."""
        guild_id, wanted = _guild_id(interaction), _recommendation(recommendation)
        # Answer first: the member sees "thinking…" at once, whatever the database is doing.
        await defer(interaction)
        found = await finding.search_library(
            self.bot.app,
            guild_id=guild_id,
            user_id=interaction.user.id,
            query=query or "",
            recommendation=wanted,
            discipline=discipline,
        )
        if isinstance(found, NoResults):
            text = texts.nothing_found(found.text, found.suggestions, found.filtered)
            await reply(interaction, text, ephemeral=True)
            return
        page = views.search_page(found)
        controls = views.search_controls(found.search_id, page)
        if controls is None:
            await reply(interaction, embed=page.embed, ephemeral=True)
        else:
            await reply(interaction, embed=page.embed, view=controls, ephemeral=True)

    async def search_page(self, interaction: discord.Interaction, search_id: int, number: int) -> Page:
        """A page of a stored search, for the member who made it (the paginator's source)."""
        shown = await finding.turn_page(
            self.bot.app,
            guild_id=_guild_id(interaction),
            user_id=interaction.user.id,
            search_id=search_id,
            page=number,
        )
        return views.search_page(shown)

    async def show_page(self, interaction: discord.Interaction, search_id: int, number: int) -> None:
        """Turn a search's results to another page, in place."""
        page = await self.search_page(interaction, search_id, number)
        await interaction.response.edit_message(embed=page.embed, view=views.search_controls(search_id, page))

    # ------------------------------------------------------------------ suggestions

    @resources.command(name="suggest")
    @app_commands.describe(
        kind="What kind of resource it is", recommendation="The recommendation it helps with (optional)"
    )
    @app_commands.autocomplete(recommendation=_area_autocomplete)
    async def suggest(
        self, interaction: discord.Interaction, kind: KindChoice = "other", recommendation: str | None = None
    ) -> None:
        """Suggest a resource for the library; organizers review it."""
        area_key = None
        if recommendation:
            wanted = rules.parse_recommendation(recommendation)
            if wanted is None or wanted.kind != "area":
                raise UserFacingError("Please pick a recommendation from the suggestions, or leave it empty.")
            area_key = wanted.value
        await interaction.response.send_modal(views.SuggestModal(kind, views.area_token(area_key)))

    async def submit_suggestion(
        self,
        interaction: discord.Interaction,
        *,
        title: str,
        url: str,
        summary: str,
        kind: str,
        area_key: str | None,
    ) -> None:
        await defer(interaction)
        resource = await curation.suggest_resource(
            self.bot.app,
            guild_id=_guild_id(interaction),
            user_id=interaction.user.id,
            title=title,
            url=url,
            summary=summary,
            kind=kind,
            area=area_key,
        )
        posted = await self._post_review_card(resource)
        await reply(interaction, texts.suggestion_received(posted), ephemeral=True)

    async def _post_review_card(self, resource: ResourceInfo) -> bool:
        channel = await self.bot.configured_channel(resource.guild_id, "review")
        if channel is None:
            return False
        controls = views.review_controls(resource)
        try:
            if controls is None:
                message = await channel.send(embed=views.review_embed(resource))
            else:
                message = await channel.send(embed=views.review_embed(resource), view=controls)
        except discord.HTTPException:
            log.warning("Could not post a review card in guild %s", resource.guild_id, exc_info=True)
            return False
        await curation.note_review_card(
            self.bot.app,
            guild_id=resource.guild_id,
            resource_id=resource.id,
            channel_id=channel.id,
            message_id=message.id,
        )
        return True

    # ------------------------------------------------------------------ review

    async def review_action(self, interaction: discord.Interaction, action: str, resource_id: int) -> None:
        await ensure_organizer(interaction)
        app, guild_id = self.bot.app, _guild_id(interaction)
        if action == "edit":
            current = await curation.review_card(app, guild_id=guild_id, resource_id=resource_id)
            await interaction.response.send_modal(views.EditModal(resource_id, current))
        elif action == "reject":
            await curation.review_card(app, guild_id=guild_id, resource_id=resource_id, pending=True)
            await interaction.response.send_modal(views.RejectModal(resource_id))
        else:
            resource = await curation.approve_suggestion(
                app, guild_id=guild_id, actor_id=interaction.user.id, resource_id=resource_id
            )
            told = await self._tell_suggester(resource, texts.approved_dm(resource.title))
            await self._show_decision(interaction, resource, texts.decision_note("Approved.", told))

    async def submit_rejection(self, interaction: discord.Interaction, resource_id: int, reason: str) -> None:
        await ensure_organizer(interaction)
        resource = await curation.reject_suggestion(
            self.bot.app,
            guild_id=_guild_id(interaction),
            actor_id=interaction.user.id,
            resource_id=resource_id,
            reason=reason,
        )
        told = await self._tell_suggester(resource, texts.rejected_dm(resource.title, resource.reject_reason))
        await self._show_decision(interaction, resource, texts.decision_note("Rejected.", told))

    async def submit_edit(
        self,
        interaction: discord.Interaction,
        resource_id: int,
        *,
        title: str,
        url: str,
        summary: str,
        publisher: str,
    ) -> None:
        await ensure_organizer(interaction)
        resource = await curation.edit_resource(
            self.bot.app,
            guild_id=_guild_id(interaction),
            actor_id=interaction.user.id,
            resource_id=resource_id,
            title=title,
            url=url,
            summary=summary,
            publisher=publisher,
        )
        await self._show_decision(interaction, resource, "Saved your changes.")

    async def _show_decision(
        self, interaction: discord.Interaction, resource: ResourceInfo, note: str
    ) -> None:
        """Update the card the organizer acted on, and the review-channel card when it was elsewhere."""
        embed = views.review_embed(resource)
        controls = views.review_controls(resource)
        acted_on = interaction.message.id if interaction.message is not None else None
        if acted_on is not None:
            await interaction.response.edit_message(embed=embed, view=controls)
            await interaction.followup.send(note, ephemeral=True)
        else:
            await interaction.response.send_message(note, ephemeral=True)
        card, channel_id = resource.review_message_id, resource.review_channel_id
        if card and card != acted_on and channel_id:
            channel = self.bot.get_channel(channel_id)
            if isinstance(channel, discord.TextChannel):
                try:
                    await channel.get_partial_message(card).edit(embed=embed, view=controls)
                except discord.HTTPException:
                    log.info("Review card %s is gone; nothing to update", card)

    async def _tell_suggester(self, resource: ResourceInfo, text: str) -> bool | None:
        """DM the suggester; False when their DMs are closed, None when there is nobody to tell."""
        if not resource.suggested_by:
            return None
        try:
            user = self.bot.get_user(resource.suggested_by) or await self.bot.fetch_user(
                resource.suggested_by
            )
            await user.send(truncate(text, 2000))
        except discord.Forbidden:
            return False
        except discord.HTTPException:
            log.warning("Could not DM suggester %s", resource.suggested_by, exc_info=True)
            return False
        return True

    @resources.command(name="review")
    @organizer_only()
    async def review(self, interaction: discord.Interaction) -> None:
        """List suggestions waiting for review and open one to approve, edit or reject."""
        await defer(interaction)
        pending = await curation.pending_suggestions(
            self.bot.app, guild_id=_guild_id(interaction), limit=REVIEW_LIST_MAX
        )
        if not pending.items:
            await reply(interaction, "No suggestions are waiting for review.", ephemeral=True)
            return
        await reply(
            interaction,
            embed=views.pending_embed(pending),
            view=views.pending_controls(pending),
            ephemeral=True,
        )

    async def open_review_card(self, interaction: discord.Interaction, resource_id: int) -> None:
        await ensure_organizer(interaction)
        resource = await curation.review_card(
            self.bot.app, guild_id=_guild_id(interaction), resource_id=resource_id
        )
        controls = views.review_controls(resource)
        embed = views.review_embed(resource)
        if controls is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=controls, ephemeral=True)

    # ------------------------------------------------------------------ organizer curation

    @resources.command(name="add")
    @organizer_only()
    @app_commands.describe(
        url="The resource's web address (http or https)",
        title="Its title",
        kind="What kind of resource it is",
        summary="One or two sentences on why it helps",
        publisher="Who publishes it",
        recommendation="The recommendation, chapter or principle it serves",
        discipline="A discipline it suits",
    )
    @app_commands.autocomplete(
        recommendation=_recommendation_autocomplete, discipline=_discipline_autocomplete
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 500],
        title: app_commands.Range[str, 3, 200],
        kind: KindChoice = "other",
        summary: app_commands.Range[str, 0, 1000] | None = None,
        publisher: app_commands.Range[str, 0, 120] | None = None,
        recommendation: str | None = None,
        discipline: str | None = None,
    ) -> None:
        """Add a resource to the library straight away (organizers)."""
        await defer(interaction)
        resource = await curation.add_resource(
            self.bot.app,
            guild_id=_guild_id(interaction),
            actor_id=interaction.user.id,
            url=url,
            title=title,
            kind=kind,
            summary=summary or "",
            publisher=publisher or "",
            recommendation=_recommendation(recommendation),
            discipline=discipline,
        )
        embed = discord.Embed(description=views.resource_block(resource), colour=views.COLOUR)
        await reply(
            interaction, f"Added resource #{resource.id} to the library.", embed=embed, ephemeral=True
        )

    @resources.command(name="remove")
    @organizer_only()
    @app_commands.describe(resource="The resource to remove")
    @app_commands.autocomplete(resource=_resource_autocomplete)
    async def remove(self, interaction: discord.Interaction, resource: str) -> None:
        """Remove a resource from the library (organizers)."""
        await defer(interaction)
        typed = resource.strip().lstrip("#")
        title = await curation.remove_resource(
            self.bot.app,
            guild_id=_guild_id(interaction),
            actor_id=interaction.user.id,
            resource_id=int(typed) if typed.isdigit() and len(typed) < 19 else 0,
        )
        await reply(interaction, f"Removed **{texts.safe_title(title)}** from the library.", ephemeral=True)

    # ------------------------------------------------------------------ the report

    @recommendation.command(name="show")
    @app_commands.describe(recommendation="Start typing a topic, such as housing or living wage")
    @app_commands.autocomplete(recommendation=_area_autocomplete)
    async def show(self, interaction: discord.Interaction, recommendation: str) -> None:
        """Show a recommendation in plain words, with its chapter, principle and resources."""
        wanted = _recommendation(recommendation, areas_only=True)
        assert wanted is not None  # the option is required
        overview = await finding.area_overview(
            self.bot.app, guild_id=_guild_id(interaction), area_key=wanted.value
        )
        await interaction.response.send_message(embed=views.area_embed(overview), ephemeral=True)

    @recommendation.command(name="list")
    async def list_recommendations(self, interaction: discord.Interaction) -> None:
        """Browse the report's principles, chapters and recommendations."""
        await interaction.response.send_message(
            embed=views.principles_embed(), view=views.browse_controls(), ephemeral=True
        )

    async def browse(self, interaction: discord.Interaction, level: str, value: str) -> None:
        """Move through `/recommendation list` (values are checked against the report data)."""
        try:
            if level == "principle":
                report.principle(value)
                embed, controls = views.principle_embed(value), views.browse_controls(principle_id=value)
            elif level == "chapter":
                chapter = report.chapter(int(value))
                embed = views.chapter_embed(chapter.number)
                controls = views.browse_controls(
                    principle_id=chapter.principle_ids[0], chapter_number=chapter.number
                )
            else:
                area = report.area(value)
                overview = await finding.area_overview(
                    self.bot.app, guild_id=_guild_id(interaction), area_key=area.key
                )
                embed = views.area_embed(overview)
                controls = views.browse_controls(
                    principle_id=report.chapter(area.chapter_number).principle_ids[0],
                    chapter_number=area.chapter_number,
                )
        except (KeyError, ValueError):
            raise UserFacingError(
                "That choice is not part of the report. Please use `/recommendation list` again."
            ) from None
        await interaction.response.edit_message(embed=embed, view=controls)
