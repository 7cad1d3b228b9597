"""Finding resources: searches saved for their pages, areas with their resources, autocomplete."""

from __future__ import annotations

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


async def discipline_id_for(work: Work, guild_id: int, value: str | None) -> int | None:
    """The discipline an option names (by id or name); UserFacingError when the guild has none such."""
    if not value:
        return None
    for discipline in await discipline_db.list_disciplines(work.session, guild_id):
        if discipline.id is not None and (
            value == str(discipline.id) or rules.fold(value) == rules.fold(discipline.name)
        ):
            return discipline.id
    raise UserFacingError("I do not know that discipline here. Please pick one of the suggestions.")


async def _describe(work: Work, saved: store.ResourceSearch) -> str:
    parts = []
    if saved.query:
        parts.append(f"“{saved.query}”")
    wanted = rules.parse_recommendation(saved.recommendation)
    if wanted is not None:
        parts.append(wanted.label)
    if saved.discipline_id is not None:
        discipline = await work.session.get(discipline_db.Discipline, saved.discipline_id)
        if discipline is not None:
            parts.append(discipline.name)
    return " · ".join(parts) or "everything"


async def _page(work: Work, saved: store.ResourceSearch, ids: list[int], page: int) -> SearchPage:
    assert saved.id is not None  # a saved search was flushed
    page = rules.clamp_page(page, len(ids))
    shown = await store.load_in_order(
        work.session, ids[page * rules.PAGE_SIZE : (page + 1) * rules.PAGE_SIZE]
    )
    return SearchPage(
        search_id=saved.id,
        describe=await _describe(work, saved),
        page=page,
        total=len(ids),
        resources=await with_links(work, shown),
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
        await ensure_library(work, guild_id)
        discipline_id = await discipline_id_for(work, guild_id, discipline)
        ids = await store.search_ids(
            work.session, guild_id, text, recommendation=recommendation, discipline_id=discipline_id
        )
        if not ids:
            vocabulary = await store.vocabulary(work.session, guild_id) if text else set()
            suggestions = tuple(rules.did_you_mean(text, vocabulary)) if text else ()
            return NoResults(text, suggestions, recommendation is not None or discipline_id is not None)
        await store.forget_searches_before(work.session, work.now - SEARCH_KEPT_FOR)
        saved = await store.save_search(
            work.session,
            guild_id,
            user_id,
            text,
            recommendation.token if recommendation else None,
            discipline_id,
            work.now,
        )
        return await _page(work, saved, ids, 0)


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
        ids = await store.search_ids(
            work.session,
            guild_id,
            saved.query,
            recommendation=rules.parse_recommendation(saved.recommendation),
            discipline_id=saved.discipline_id,
        )
        if not ids:
            raise NotFound("Nothing matches that search any more. Please search again.")
        return await _page(work, saved, ids, page)


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
