"""Resources linked to the report's recommendations: search, browse, suggest and curate."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit import record_action
from bot.checks import ensure_organizer, organizer_only
from bot.core import CoalitionBot
from bot.errors import NotFound, UserFacingError
from bot.replies import truncate
from cogs.resources import report, views
from cogs.resources import search as rules
from cogs.resources.urls import InvalidUrl, check_url
from db import disciplines as discipline_db
from db import resources as store

log = logging.getLogger(__name__)

KindChoice = Literal["toolkit", "report", "course", "dataset", "case_study", "talking_points", "other"]
SEARCH_KEPT_FOR = timedelta(days=30)
REVIEW_LIST_MAX = 25


def _describe_existing(existing: store.Resource) -> str:
    title = truncate(discord.utils.escape_markdown(existing.title), 150)
    if existing.status == "approved":
        return (
            f"That address is already in the library as **{title}** (resource #{existing.id}): {existing.url}\n"
            "Find it with `/resources search`."
        )
    if existing.status == "pending":
        return (
            f"That address was already suggested as **{title}** (resource #{existing.id}) and is waiting for "
            "an organizer's review."
        )
    return (
        f"That address was suggested before as **{title}** (resource #{existing.id}) and organizers decided "
        "not to add it."
    )


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
    bot: CoalitionBot = interaction.client  # type: ignore[assignment]
    if interaction.guild_id is None:
        return []
    async with bot.database.session() as session:
        found = await discipline_db.list_disciplines(session, interaction.guild_id)
    wanted = rules.tokens(current)
    return [
        app_commands.Choice(name=rules.truncate_choice(d.name), value=str(d.id))
        for d in found
        if all(any(word.startswith(w) for word in rules.tokens(d.name)) for w in wanted)
    ][:25]


async def _resource_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    bot: CoalitionBot = interaction.client  # type: ignore[assignment]
    if interaction.guild_id is None:
        return []
    async with bot.database.session() as session:
        found = await store.resource_choices(session, interaction.guild_id, current)
    return [
        app_commands.Choice(name=rules.truncate_choice(f"{r.title} (#{r.id})"), value=str(r.id))
        for r in found
    ][:25]


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
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)

    # ------------------------------------------------------------------ seeding

    async def ensure_library(self, guild_id: int) -> None:
        """Give the guild its starter library the first time it is needed (idempotent)."""
        if guild_id in self._seeded:
            return
        async with self.bot.database.session() as session:
            added = await store.seed_guild(session, guild_id, discord.utils.utcnow())
        if added:
            log.info("Seeded %d starter resources for guild %s", added, guild_id)
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
        assert interaction.guild_id is not None
        guild_id = interaction.guild_id
        await self.ensure_library(guild_id)
        text = (query or "").strip()
        wanted = self._parse_recommendation(recommendation)
        discipline_id = await self._parse_discipline(guild_id, discipline)
        now = discord.utils.utcnow()
        nothing_found: str | None = None
        # The answer goes out after the session ends: a Discord call never holds the database.
        async with self.bot.database.session() as session:
            ids = await store.search_ids(
                session, guild_id, text, recommendation=wanted, discipline_id=discipline_id
            )
            if not ids:
                suggestions = (
                    rules.did_you_mean(text, await store.vocabulary(session, guild_id)) if text else []
                )
                nothing_found = self._nothing_found(
                    text, suggestions, wanted is not None or discipline_id is not None
                )
        if nothing_found is not None:
            await interaction.response.send_message(nothing_found, ephemeral=True)
            return
        async with self.bot.database.session() as session:
            await store.forget_searches_before(session, now - SEARCH_KEPT_FOR)
            saved = await store.save_search(
                session,
                guild_id,
                interaction.user.id,
                text,
                wanted.token if wanted else None,
                discipline_id,
                now,
            )
            embed, controls = await self._page(session, saved, ids, 0)
        if controls is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=controls, ephemeral=True)

    @staticmethod
    def _nothing_found(text: str, suggestions: list[str], filtered: bool) -> str:
        if suggestions:
            tried = ", ".join(f"**{s}**" for s in suggestions)
            return f"No resources match that. Did you mean {tried}? Try `/resources search` again with it."
        if filtered and not text:
            return "No resources are linked to that yet. Know a good one? Share it with `/resources suggest`."
        return "No resources match that. Try fewer or other words, or browse with `/recommendation list`."

    def _parse_recommendation(self, value: str | None) -> rules.RecommendationFilter | None:
        if not value:
            return None
        wanted = rules.parse_recommendation(value)
        if wanted is None:
            raise UserFacingError("I do not know that recommendation. Please pick one of the suggestions.")
        return wanted

    async def _parse_discipline(self, guild_id: int, value: str | None) -> int | None:
        if not value:
            return None
        async with self.bot.database.session() as session:
            found = await discipline_db.list_disciplines(session, guild_id)
        for discipline in found:
            if value == str(discipline.id) or rules.fold(value) == rules.fold(discipline.name):
                return discipline.id
        raise UserFacingError("I do not know that discipline here. Please pick one of the suggestions.")

    async def _describe_search(self, session: Any, saved: store.ResourceSearch) -> str:
        parts = []
        if saved.query:
            parts.append(f"“{saved.query}”")
        wanted = rules.parse_recommendation(saved.recommendation)
        if wanted is not None:
            parts.append(wanted.label)
        if saved.discipline_id is not None:
            discipline = await session.get(discipline_db.Discipline, saved.discipline_id)
            if discipline is not None:
                parts.append(discipline.name)
        return " · ".join(parts) or "everything"

    async def _page(
        self, session: Any, saved: store.ResourceSearch, ids: list[int], page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        page = rules.clamp_page(page, len(ids))
        shown_ids = ids[page * rules.PAGE_SIZE : (page + 1) * rules.PAGE_SIZE]
        shown = await store.load_in_order(session, shown_ids)
        links = await store.links_of(session, shown_ids)
        embed = views.results_embed(await self._describe_search(session, saved), shown, links, page, len(ids))
        assert saved.id is not None
        return embed, views.search_controls(saved.id, page, len(ids))

    async def show_page(self, interaction: discord.Interaction, search_id: int, page: int) -> None:
        """Show another page of a stored search to the member who made it."""
        async with self.bot.database.session() as session:
            saved = await session.get(store.ResourceSearch, search_id)
            if saved is None or saved.guild_id != interaction.guild_id:
                raise NotFound("That search has expired. Please run `/resources search` again.")
            if saved.user_id != interaction.user.id:
                # Custom ids can be forged: a search's pages belong to the member who made it.
                raise UserFacingError(
                    "Those page buttons belong to another member's search. "
                    "Run `/resources search` to get your own results."
                )
            ids = await store.search_ids(
                session,
                saved.guild_id,
                saved.query,
                recommendation=rules.parse_recommendation(saved.recommendation),
                discipline_id=saved.discipline_id,
            )
            if not ids:
                raise NotFound("Nothing matches that search any more. Please search again.")
            embed, controls = await self._page(session, saved, ids, page)
        await interaction.response.edit_message(embed=embed, view=controls)

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
        await interaction.response.send_modal(views.SuggestModal(kind, area_key))

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
        assert interaction.guild_id is not None
        guild_id = interaction.guild_id
        await self.ensure_library(guild_id)
        try:
            cleaned = check_url(url)
        except InvalidUrl as error:
            raise UserFacingError(str(error)) from None
        async with self.bot.database.session() as session:
            try:
                resource = await store.create_resource(
                    session,
                    guild_id,
                    title=title,
                    url=cleaned,
                    summary=summary,
                    kind=kind,
                    status="pending",
                    suggested_by=interaction.user.id,
                    area_keys=[area_key] if area_key else [],
                    now=discord.utils.utcnow(),
                )
            except store.DuplicateResource as duplicate:
                raise UserFacingError(_describe_existing(duplicate.existing)) from None
            links = (await store.links_of(session, [resource.id]))[resource.id]  # type: ignore[list-item]
        posted = await self._post_review_card(resource, links)
        if posted:
            text = "Thank you! Your suggestion went to the organizers; I will DM you when they have decided."
        else:
            text = (
                "Thank you! Your suggestion is saved for the organizers (they see it with `/resources review`); "
                "I will DM you when they have decided."
            )
        await interaction.response.send_message(text, ephemeral=True)

    async def _post_review_card(self, resource: store.Resource, links: dict[str, list[Any]]) -> bool:
        channel = await self.bot.configured_channel(resource.guild_id, "review")
        if channel is None:
            return False
        controls = views.review_controls(resource)
        try:
            if controls is None:
                message = await channel.send(embed=views.review_embed(resource, links))
            else:
                message = await channel.send(embed=views.review_embed(resource, links), view=controls)
        except discord.HTTPException:
            log.warning("Could not post a review card in guild %s", resource.guild_id, exc_info=True)
            return False
        async with self.bot.database.session() as session:
            stored = await store.get_resource(session, resource.guild_id, resource.id)  # type: ignore[arg-type]
            if stored is not None:
                await store.set_review_message(session, stored, channel.id, message.id)
        return True

    async def _reviewable(self, interaction: discord.Interaction, resource_id: int) -> store.Resource:
        await ensure_organizer(interaction)
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            resource = await store.get_resource(session, interaction.guild_id, resource_id)
        if resource is None:
            raise NotFound("That resource no longer exists in this server.")
        return resource

    async def review_action(self, interaction: discord.Interaction, action: str, resource_id: int) -> None:
        resource = await self._reviewable(interaction, resource_id)
        if action == "edit":
            await interaction.response.send_modal(views.EditModal(resource))
            return
        if resource.status != "pending":
            raise UserFacingError(
                f"That suggestion was already decided: {views.STATUS_TEXT[resource.status].lower()}."
            )
        if action == "reject":
            await interaction.response.send_modal(views.RejectModal(resource_id))
            return
        async with self.bot.database.session() as session:
            resource = await store.get_resource(session, resource.guild_id, resource_id)  # type: ignore[assignment]
            if resource is None or resource.status != "pending":
                raise UserFacingError("That suggestion was decided a moment ago by someone else.")
            try:
                resource = await store.approve(session, resource, interaction.user.id, discord.utils.utcnow())
            except store.AlreadyDecided as error:
                raise UserFacingError("That suggestion was decided a moment ago by someone else.") from error
            links = (await store.links_of(session, [resource_id]))[resource_id]
        await self._announce_decision(
            interaction,
            resource,
            links,
            "Approved.",
            "resources.approve",
            f"Good news: your suggestion **{truncate(discord.utils.escape_markdown(resource.title), 150)}** was "
            f"approved and is now in the coalition's library. Members find it with `/resources search`.",
        )

    async def submit_rejection(self, interaction: discord.Interaction, resource_id: int, reason: str) -> None:
        await ensure_organizer(interaction)
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            resource = await store.get_resource(session, interaction.guild_id, resource_id)
            if resource is None:
                raise NotFound("That resource no longer exists in this server.")
            if resource.status != "pending":
                raise UserFacingError("That suggestion was already decided.")
            try:
                resource = await store.reject(
                    session, resource, interaction.user.id, reason, discord.utils.utcnow()
                )
            except store.AlreadyDecided as error:
                raise UserFacingError("That suggestion was already decided by someone else.") from error
            links = (await store.links_of(session, [resource_id]))[resource_id]
        await self._announce_decision(
            interaction,
            resource,
            links,
            "Rejected.",
            "resources.reject",
            f"Thank you for suggesting **{truncate(discord.utils.escape_markdown(resource.title), 150)}**. The "
            f"organizers decided not to add it to the library. Their reason: "
            f"{truncate(discord.utils.escape_markdown(resource.reject_reason or 'none given'), 600)}",
        )

    async def _announce_decision(
        self,
        interaction: discord.Interaction,
        resource: store.Resource,
        links: dict[str, list[Any]],
        verdict: str,
        action: str,
        to_suggester: str,
    ) -> None:
        """Tell the suggester by DM, update the review card, and write the decision to the audit log."""
        told = await self._tell_suggester(resource, to_suggester)
        await self._show_decision(interaction, resource, links, verdict, told)
        await record_action(
            self.bot, resource.guild_id, interaction.user.id, action, f"#{resource.id} {resource.title}"
        )

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
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            resource = await store.get_resource(session, interaction.guild_id, resource_id)
            if resource is None:
                raise NotFound("That resource no longer exists in this server.")
            try:
                await store.update_details(
                    session, resource, title=title, url=url, summary=summary, publisher=publisher
                )
            except InvalidUrl as error:
                raise UserFacingError(str(error)) from None
            except store.DuplicateResource as duplicate:
                raise UserFacingError(_describe_existing(duplicate.existing)) from None
            links = (await store.links_of(session, [resource_id]))[resource_id]
        await self._show_decision(interaction, resource, links, "Saved your changes.", None)
        await record_action(
            self.bot,
            resource.guild_id,
            interaction.user.id,
            "resources.edit",
            f"#{resource.id} {resource.title}",
        )

    async def _show_decision(
        self,
        interaction: discord.Interaction,
        resource: store.Resource,
        links: dict[str, list[Any]],
        done: str,
        told: bool | None,
    ) -> None:
        """Update the card the organizer acted on, and the review-channel card when it was elsewhere."""
        embed = views.review_embed(resource, links)
        controls = views.review_controls(resource)
        note = done
        if told is False:
            note += " I could not DM the suggester (their DMs are closed), so they have not been told."
        elif told:
            note += " The suggester has been told by DM."
        acted_on = interaction.message.id if interaction.message is not None else None
        if acted_on is not None:
            await interaction.response.edit_message(embed=embed, view=controls)
            await interaction.followup.send(note, ephemeral=True)
        else:
            await interaction.response.send_message(note, ephemeral=True)
        if (
            resource.review_message_id
            and resource.review_message_id != acted_on
            and resource.review_channel_id
        ):
            channel = self.bot.get_channel(resource.review_channel_id)
            if isinstance(channel, discord.TextChannel):
                try:
                    await channel.get_partial_message(resource.review_message_id).edit(
                        embed=embed, view=controls
                    )
                except discord.HTTPException:
                    log.info("Review card %s is gone; nothing to update", resource.review_message_id)

    async def _tell_suggester(self, resource: store.Resource, text: str) -> bool | None:
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
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            pending = await store.pending_resources(session, interaction.guild_id, REVIEW_LIST_MAX)
            total = await store.count_pending(session, interaction.guild_id)
        if not pending:
            await interaction.response.send_message("No suggestions are waiting for review.", ephemeral=True)
            return
        lines = [
            f"#{r.id} **{truncate(discord.utils.escape_markdown(r.title), 80)}**"
            + (f", from <@{r.suggested_by}>" if r.suggested_by else "")
            for r in pending
        ]
        embed = discord.Embed(
            title=f"{total} suggestion{'s' if total != 1 else ''} waiting for review",
            description=truncate("\n".join(lines), 4000),
            colour=discord.Colour.gold(),
        )
        options = [
            discord.SelectOption(label=truncate(f"#{r.id} {r.title}", 100), value=str(r.id)) for r in pending
        ]
        view = discord.ui.View(timeout=None)
        view.add_item(views.PendingSelect(options))
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def open_review_card(self, interaction: discord.Interaction, resource_id: int) -> None:
        resource = await self._reviewable(interaction, resource_id)
        async with self.bot.database.session() as session:
            links = (await store.links_of(session, [resource_id]))[resource_id]
        controls = views.review_controls(resource)
        embed = views.review_embed(resource, links)
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
        assert interaction.guild_id is not None
        guild_id = interaction.guild_id
        await self.ensure_library(guild_id)
        wanted = self._parse_recommendation(recommendation)
        discipline_id = await self._parse_discipline(guild_id, discipline)
        area_keys: tuple[str, ...] = ()
        principle_ids: tuple[str, ...] = ()
        if wanted is not None:
            area_keys, principle_ids = (
                (wanted.area_keys(), ()) if wanted.kind != "principle" else ((), (wanted.value,))
            )
        async with self.bot.database.session() as session:
            try:
                resource = await store.create_resource(
                    session,
                    guild_id,
                    title=title,
                    url=url,
                    summary=summary or "",
                    publisher=publisher or "",
                    kind=kind,
                    status="approved",
                    reviewed_by=interaction.user.id,
                    area_keys=area_keys,
                    principle_ids=principle_ids,
                    discipline_ids=[discipline_id] if discipline_id else [],
                    now=discord.utils.utcnow(),
                )
            except InvalidUrl as error:
                raise UserFacingError(str(error)) from None
            except store.DuplicateResource as duplicate:
                raise UserFacingError(_describe_existing(duplicate.existing)) from None
            links = (await store.links_of(session, [resource.id]))[resource.id]  # type: ignore[list-item]
        embed = discord.Embed(description=views.resource_block(resource, links), colour=views.COLOUR)
        await interaction.response.send_message(
            f"Added resource #{resource.id} to the library.", embed=embed, ephemeral=True
        )
        await record_action(
            self.bot, guild_id, interaction.user.id, "resources.add", f"#{resource.id} {resource.title}"
        )

    @resources.command(name="remove")
    @organizer_only()
    @app_commands.describe(resource="The resource to remove")
    @app_commands.autocomplete(resource=_resource_autocomplete)
    async def remove(self, interaction: discord.Interaction, resource: str) -> None:
        """Remove a resource from the library (organizers)."""
        assert interaction.guild_id is not None
        typed = resource.strip().lstrip("#")
        resource_id = int(typed) if typed.isdigit() else 0
        async with self.bot.database.session() as session:
            found = await store.get_resource(session, interaction.guild_id, resource_id)
            if found is None:
                raise NotFound("I could not find that resource here. Please pick one of the suggestions.")
            title = found.title
            await store.delete_resource(session, found)
        await interaction.response.send_message(
            f"Removed **{truncate(discord.utils.escape_markdown(title), 150)}** from the library.",
            ephemeral=True,
        )
        await record_action(
            self.bot, interaction.guild_id, interaction.user.id, "resources.remove", f"#{resource_id} {title}"
        )

    # ------------------------------------------------------------------ the report

    @recommendation.command(name="show")
    @app_commands.describe(recommendation="Start typing a topic, such as housing or living wage")
    @app_commands.autocomplete(recommendation=_area_autocomplete)
    async def show(self, interaction: discord.Interaction, recommendation: str) -> None:
        """Show a recommendation in plain words, with its chapter, principle and resources."""
        assert interaction.guild_id is not None
        wanted = rules.parse_recommendation(recommendation)
        if wanted is None or wanted.kind != "area":
            raise UserFacingError("I do not know that recommendation. Please pick one of the suggestions.")
        await self.ensure_library(interaction.guild_id)
        embed = await self._area_embed(interaction.guild_id, wanted.value)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def _area_embed(self, guild_id: int, area_key: str) -> discord.Embed:
        area = report.area(area_key)
        async with self.bot.database.session() as session:
            linked = await store.area_resources(session, guild_id, area_key, limit=8)
            overviews = await store.principle_resources(
                session, guild_id, report.principle_of(area_key).id, limit=6
            )
        listed = {r.id for r in linked}
        return views.area_embed(area, linked, [r for r in overviews if r.id not in listed][:3])

    @recommendation.command(name="list")
    async def list_recommendations(self, interaction: discord.Interaction) -> None:
        """Browse the report's principles, chapters and recommendations."""
        await interaction.response.send_message(
            embed=views.principles_embed(), view=views.browse_controls(), ephemeral=True
        )

    async def browse(self, interaction: discord.Interaction, level: str, value: str) -> None:
        """Move through `/recommendation list` (values are checked against the report data)."""
        assert interaction.guild_id is not None
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
                embed = await self._area_embed(interaction.guild_id, area.key)
                controls = views.browse_controls(
                    principle_id=report.chapter(area.chapter_number).principle_ids[0],
                    chapter_number=area.chapter_number,
                )
        except (KeyError, ValueError):
            raise UserFacingError(
                "That choice is not part of the report. Please use `/recommendation list` again."
            ) from None
        await interaction.response.edit_message(embed=embed, view=controls)
