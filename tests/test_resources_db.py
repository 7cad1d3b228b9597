"""The resource library's storage: seeding, duplicates, full-text search on both databases, onboarding picks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from cogs.resources.search import parse_recommendation
from cogs.resources.seed import SEED_RESOURCES, SEED_VERSION
from cogs.resources.service.catalog import area_rows
from db import disciplines as discipline_db
from db import resources as store
from db.resources.urls import InvalidUrl
from db.state import BotState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUILD = 111
OTHER_GUILD = 222

CORPUS = [
    # (title, summary, publisher, areas, disciplines)
    (
        "Housing equity toolkit",
        "Steps for affordable housing policy.",
        "Equity Lab",
        ("6.a",),
        ("urban-planning",),
    ),
    (
        "Living wage campaign guide",
        "How health departments back a living wage.",
        "Labor Health",
        ("7.b",),
        ("labor",),
    ),
    (
        "Health equity surveillance primer",
        "Monitor housing and income gaps by group.",
        "Data Unit",
        ("16.a",),
        ("epidemiology",),
    ),
    (
        "Housing and health",
        "Evidence on housing quality, crowding and health equity.",
        "Housing Institute",
        ("6.a", "16.d"),
        (),
    ),
    (
        "Tobacco retail licensing",
        "Model ordinance for tobacco retailers.",
        "Policy Center",
        ("12.c",),
        ("policy-and-planning",),
    ),
    (
        "Equity in housing: a case study",
        "A county that used data to change housing policy.",
        "County HD",
        ("6.a",),
        ("epidemiology",),
    ),
    ("Rejected housing blog", "Not good.", "Someone", ("6.a",), ()),
    ("Pending housing link", "Waiting.", "Someone", ("6.a",), ()),
]


async def build_corpus(session) -> dict[str, int]:
    slugs = {d.slug: d.id for d in await discipline_db.seed_defaults(session, GUILD, NOW)}
    await store.sync_areas(session, area_rows())
    ids: dict[str, int] = {}
    for number, (title, summary, publisher, areas, disciplines) in enumerate(CORPUS):
        resource = await store.create_resource(
            session,
            GUILD,
            title=title,
            url=f"https://example.org/r/{number}",
            summary=summary,
            publisher=publisher,
            kind="toolkit",
            status="pending" if title.startswith(("Rejected", "Pending")) else "approved",
            now=NOW,
            area_keys=areas,
            discipline_ids={slugs[s] for s in disciplines},
        )
        ids[title] = resource.id
    rejected = await store.get_resource(session, GUILD, ids["Rejected housing blog"])
    await store.reject(session, rejected, 1, "off topic", NOW)
    return ids


async def test_search_finds_the_same_ids_in_the_same_order_on_both_databases(database):
    async with database.session() as session:
        ids = await build_corpus(session)
        titles = {v: k for k, v in ids.items()}
        found = await store.search_ids(session, GUILD, "housing equity")

    # Computed by hand from the ranking rules: title word matches weigh most, ties by id.
    assert [titles[i] for i in found] == [
        "Housing equity toolkit",
        "Equity in housing: a case study",
        "Health equity surveillance primer",
        "Housing and health",
    ]


async def test_search_matches_plural_and_prefix_forms(database):
    async with database.session() as session:
        ids = await build_corpus(session)
        found = await store.search_ids(session, GUILD, "toolkits retailer")
        assert found == []
        assert await store.search_ids(session, GUILD, "retailers") == [ids["Tobacco retail licensing"]]
        assert await store.search_ids(session, GUILD, "WAGES") == [ids["Living wage campaign guide"]]


async def test_search_never_returns_rejected_or_pending_resources(database):
    async with database.session() as session:
        ids = await build_corpus(session)
        found = set(await store.search_ids(session, GUILD, "housing"))
        everything = set(await store.search_ids(session, GUILD, ""))
    assert ids["Rejected housing blog"] not in found | everything
    assert ids["Pending housing link"] not in found | everything


async def test_search_filters_by_recommendation_and_discipline(database):
    async with database.session() as session:
        ids = await build_corpus(session)
        epidemiology = await discipline_db.list_disciplines(session, GUILD)
        epi_id = next(d.id for d in epidemiology if d.slug == "epidemiology")
        by_area = await store.search_ids(session, GUILD, "", recommendation=parse_recommendation("area:6.a"))
        by_chapter = await store.search_ids(
            session, GUILD, "", recommendation=parse_recommendation("chapter:16")
        )
        by_discipline = await store.search_ids(session, GUILD, "housing", discipline_id=epi_id)

    assert set(by_area) == {
        ids["Housing equity toolkit"],
        ids["Housing and health"],
        ids["Equity in housing: a case study"],
    }
    assert set(by_chapter) == {ids["Health equity surveillance primer"], ids["Housing and health"]}
    assert by_discipline == [ids["Equity in housing: a case study"], ids["Health equity surveillance primer"]]


async def test_search_stays_in_its_guild(database):
    async with database.session() as session:
        await build_corpus(session)
        assert await store.search_ids(session, OTHER_GUILD, "housing") == []


async def test_stopword_only_query_finds_nothing_on_both_databases(database):
    async with database.session() as session:
        await build_corpus(session)
        assert await store.search_ids(session, GUILD, "the and of") == []


async def test_editing_a_resource_updates_what_search_finds(database):
    async with database.session() as session:
        ids = await build_corpus(session)
        resource = await store.get_resource(session, GUILD, ids["Tobacco retail licensing"])
        await store.update_details(
            session, resource, title="Alcohol outlet density", url=resource.url, summary="Zoning limits."
        )
        assert await store.search_ids(session, GUILD, "tobacco") == []
        assert await store.search_ids(session, GUILD, "alcohol outlet") == [resource.id]
        await store.delete_resource(session, resource)
        assert await store.search_ids(session, GUILD, "alcohol") == []


async def test_same_address_twice_in_a_guild_is_refused_with_the_existing_entry(database):
    async with database.session() as session:
        first = await store.create_resource(
            session, GUILD, title="A", url="https://Example.org/page/?utm_source=x", now=NOW
        )
        with pytest.raises(store.DuplicateResource) as caught:
            await store.create_resource(session, GUILD, title="B", url="http://example.org/page#top", now=NOW)
        assert caught.value.existing.id == first.id
        other = await store.create_resource(
            session, OTHER_GUILD, title="A", url="https://example.org/page", now=NOW
        )
        assert other.id != first.id


async def test_bad_address_is_refused(database):
    async with database.session() as session:
        with pytest.raises(InvalidUrl):
            await store.create_resource(session, GUILD, title="A", url="javascript:alert(1)", now=NOW)


async def test_seeding_twice_changes_nothing(database):
    async with database.session() as session:
        added = await store.seed_guild(session, GUILD, NOW, SEED_RESOURCES, SEED_VERSION)
    async with database.session() as session:
        again = await store.seed_guild(session, GUILD, NOW, SEED_RESOURCES, SEED_VERSION)
        count = await session.scalar(select(func.count()).select_from(store.Resource))
        links = await session.scalar(select(func.count()).select_from(store.ResourceArea))
    async with database.session() as session:
        # Even without the marker, the addresses already present are skipped.
        await session.execute(BotState.__table__.delete())  # type: ignore[attr-defined]
        third = await store.seed_guild(session, GUILD, NOW, SEED_RESOURCES, SEED_VERSION)
        count_after = await session.scalar(select(func.count()).select_from(store.Resource))
        links_after = await session.scalar(select(func.count()).select_from(store.ResourceArea))

    assert added == len(SEED_RESOURCES) == 40
    assert (again, third) == (0, 0)
    assert count == count_after == len(SEED_RESOURCES)
    assert links == links_after > 0


async def test_seeded_library_links_principles_without_flooding_areas(database):
    async with database.session() as session:
        await store.seed_guild(session, GUILD, NOW, SEED_RESOURCES, SEED_VERSION)
        overview = await store.find_by_url(
            session,
            GUILD,
            "https://www.who.int/social_determinants/thecommission/finalreport/closethegap_how/en/",
        )
        links = (await store.links_of(session, [overview.id]))[overview.id]
        housing = await store.area_resources(session, GUILD, "6.a")
    assert links["principles"] == ["P1", "P2", "P3"]
    assert links["areas"] == []
    assert overview.id not in {r.id for r in housing}
    assert housing


async def test_pick_resources_prefers_discipline_and_chapter_matches(database):
    async with database.session() as session:
        ids = await build_corpus(session)
        labor = next(d.id for d in await discipline_db.list_disciplines(session, GUILD) if d.slug == "labor")
        picks = await store.pick_resources(
            session, GUILD, discipline_ids={labor}, interests=["chapter:12"], limit=3
        )
        again = await store.pick_resources(
            session, GUILD, discipline_ids={labor}, interests=["chapter:12"], limit=3
        )
        later = await store.pick_resources(
            session,
            GUILD,
            discipline_ids={labor},
            interests=["chapter:12"],
            limit=3,
            exclude_ids={p.id for p in picks},
        )

    assert [p.id for p in picks][:2] == sorted(
        [ids["Living wage campaign guide"], ids["Tobacco retail licensing"]]
    )
    assert [p.id for p in picks] == [p.id for p in again]
    assert len(picks) == 3
    assert all(p.status == "approved" for p in picks + later)
    assert not {p.id for p in picks} & {p.id for p in later}


async def test_pick_resources_uses_objectives(database):
    async with database.session() as session:
        ids = await build_corpus(session)
        picks = await store.pick_resources(
            session, GUILD, discipline_ids=set(), interests=["objective:1"], limit=1
        )
    assert [p.id for p in picks] == [ids["Housing and health"]]


async def _pending(database) -> store.Resource:
    async with database.session() as session:
        await store.sync_areas(session, area_rows())
        return await store.create_resource(
            session, GUILD, title="Heat equity toolkit", url="https://example.org/heat", now=NOW
        )


async def test_reject_after_approve_of_the_same_stale_suggestion_is_refused(database):
    stale = await _pending(database)  # both reviewers opened the card while it was pending
    async with database.session() as session:
        approved = await store.approve(session, stale, 1, NOW)
    assert approved.status == "approved"

    with pytest.raises(store.AlreadyDecided):
        async with database.session() as session:
            await store.reject(session, stale, 2, "off topic", NOW)

    async with database.session() as session:
        stored = await store.get_resource(session, GUILD, stale.id)
    assert stored.status == "approved"
    assert stored.reviewed_by == 1
    assert stored.reject_reason is None


async def test_approve_after_reject_of_the_same_stale_suggestion_is_refused(database):
    stale = await _pending(database)
    async with database.session() as session:
        await store.reject(session, stale, 2, "off topic", NOW)

    with pytest.raises(store.AlreadyDecided):
        async with database.session() as session:
            await store.approve(session, stale, 1, NOW)

    async with database.session() as session:
        stored = await store.get_resource(session, GUILD, stale.id)
    assert stored.status == "rejected"
    assert stored.reviewed_by == 2
    assert stored.reject_reason == "off topic"
