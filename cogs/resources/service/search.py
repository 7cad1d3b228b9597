"""Finding resources: searches saved for their pages, areas with their resources, autocomplete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.errors import NotFound, UserFacingError
from bot.usecases import App, Work
from cogs.resources import report
from cogs.resources import search as rules
from cogs.resources.service.catalog import ensure_library
from cogs.resources.service.results import AreaOverview, Choice, NoResults, SearchPage, with_links
from db import disciplines as discipline_db
from db import resources as store

SEARCH_KEPT_FOR = timedelta(days=30)
FORGET_EVERY = 50  # searches saved between two clean-ups of expired ones


async def _discipline_named(work: Work, guild_id: int, value: str) -> discipline_db.Discipline:
    """The discipline an option names (by id or name); UserFacingError when the guild has none such."""
    for discipline in await discipline_db.list_disciplines(work.session, guild_id):
        if discipline.id is not None and (
            value == str(discipline.id) or rules.fold(value) == rules.fold(discipline.name)
        ):
            return discipline
    raise UserFacingError("I do not know that discipline here. Please pick one of the suggestions.")


async def discipline_id_for(work: Work, guild_id: int, value: str | None) -> int | None:
    """The id of the discipline an option names, None when empty (see `_discipline_named`)."""
    return (await _discipline_named(work, guild_id, value)).id if value else None


@dataclass(frozen=True, slots=True)
class _Search:
    """What a search asks for, as stored for its page buttons."""

    guild_id: int
    query: str
    recommendation: rules.RecommendationFilter | None
    discipline_id: int | None
    discipline_name: str | None

    def describe(self) -> str:
        parts = [f"“{self.query}”"] if self.query else []
        if self.recommendation is not None:
            parts.append(self.recommendation.label)
        if self.discipline_name is not None:
            parts.append(self.discipline_name)
        return " · ".join(parts) or "everything"


async def _find(work: Work, search: _Search, page: int) -> store.Found:
    return await store.search_page(
        work.session,
        search.guild_id,
        search.query,
        recommendation=search.recommendation,
        discipline_id=search.discipline_id,
        page=page,
        size=rules.PAGE_SIZE,
    )


async def _page(work: Work, search_id: int, search: _Search, found: store.Found) -> SearchPage:
    return SearchPage(
        search_id=search_id,
        describe=search.describe(),
        page=found.page,
        total=found.total,
        resources=await with_links(work, found.resources),
    )


async def search_library(
    app: App,
    *,
    guild_id: int,
    user_id: int,
    query: str,
    recommendation: rules.RecommendationFilter | None,
    discipline: str | None,
) -> SearchPage | NoResults:
    """Search approved resources; save the search so that its pages work later, even after a restart."""
    text = query.strip()
    async with app.work() as work:
        named = await _discipline_named(work, guild_id, discipline) if discipline else None
        search = _Search(
            guild_id, text, recommendation, named.id if named else None, named.name if named else None
        )
        found = await _find(work, search, 0)
        # The cog gives a guild its starter library when the guild becomes available; a search only
        # checks for itself when it finds nothing (one statement fewer on every search that finds some).
        if not found.resources and await ensure_library(work, guild_id):
            found = await _find(work, search, 0)
        if not found.resources:
            vocabulary = await store.vocabulary(work.session, guild_id) if text else set()
            suggestions = tuple(rules.did_you_mean(text, vocabulary)) if text else ()
            return NoResults(text, suggestions, recommendation is not None or named is not None)
        search_id = await store.save_search(
            work.session,
            guild_id,
            user_id,
            text,
            recommendation.token if recommendation else None,
            search.discipline_id,
            work.now,
        )
        if search_id % FORGET_EVERY == 0:
            # Expired searches are cleared now and then, not on every search: one statement fewer each.
            await store.forget_searches_before(work.session, work.now - SEARCH_KEPT_FOR)
        return await _page(work, search_id, search, found)


async def turn_page(app: App, *, guild_id: int, user_id: int, search_id: int, page: int) -> SearchPage:
    """Another page of a saved search, for the member who made it."""
    async with app.work() as work:
        saved = await store.get_search(work.session, guild_id, search_id)
        if saved is None:
            raise NotFound("That search has expired. Please run `/resources search` again.")
        if saved.user_id != user_id:
            # Custom ids can be forged: a search's pages belong to the member who made it.
            raise UserFacingError(
                "Those page buttons belong to another member's search. "
                "Run `/resources search` to get your own results."
            )
        search = _Search(
            guild_id,
            saved.query,
            rules.parse_recommendation(saved.recommendation),
            saved.discipline_id,
            saved.discipline_name,
        )
        found = await _find(work, search, page)
        if not found.resources:
            raise NotFound("Nothing matches that search any more. Please search again.")
        return await _page(work, search_id, search, found)


async def area_overview(app: App, *, guild_id: int, area_key: str) -> AreaOverview:
    """An area's resources and its principle's overviews (KeyError for an unknown area)."""
    principle_id = report.principle_of(area_key).id
    async with app.work() as work:
        await ensure_library(work, guild_id)
        linked = await store.area_resources(work.session, guild_id, area_key, limit=8)
        overviews = await store.principle_resources(work.session, guild_id, principle_id, limit=6)
        listed = {r.id for r in linked}
        return AreaOverview(
            area_key,
            await with_links(work, linked),
            await with_links(work, [r for r in overviews if r.id not in listed][:3]),
        )


async def discipline_choices(app: App, *, guild_id: int, typed: str) -> list[Choice]:
    """The guild's disciplines whose names start with the words typed."""
    async with app.work() as work:
        found = await discipline_db.list_disciplines(work.session, guild_id)
        return [
            Choice(rules.truncate_choice(d.name), str(d.id))
            for d in found
            if d.id is not None and rules.matches_prefixes(typed, d.name)
        ][:25]


async def resource_choices(app: App, *, guild_id: int, typed: str) -> list[Choice]:
    """Resources whose titles start with the words typed (or whose number was typed)."""
    async with app.work() as work:
        found = await store.resource_choices(work.session, guild_id, typed)
        return [Choice(rules.truncate_choice(f"{r.title} (#{r.id})"), str(r.id)) for r in found][:25]
