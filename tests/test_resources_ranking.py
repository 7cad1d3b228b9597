"""The database ranks, counts and cuts a search to its page exactly as the plain ranking rule says.

`db.resources.words.score` is the rule; `db.resources.ranking` computes it in SQL on both databases. A
seeded random library (accents, punctuation, plural forms, words that are prefixes of others) is searched
both ways and must come out in the very same order, page by page.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import insert, select

from db import resources as store
from db.resources import words

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUILD = 515
OTHER_GUILD = 616
VOCABULARY = [
    "health",
    "healthy",
    "heal",
    "equity",
    "équité",
    "housing",
    "houses",
    "house",
    "wage",
    "wages",
    "policy",
    "policies",
    "heat",
    "heating",
    "data",
    "café",
    "Zoning",
    "zone",
]
PUNCTUATION = ["", "", ":", ",", " -", "!", "'s", " (draft)"]


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(VOCABULARY) + rng.choice(PUNCTUATION) for _ in range(rng.randint(1, 5)))


async def _library(session, rng: random.Random, count: int = 240) -> None:
    rows = []
    for number in range(count):
        title = _title(rng)
        summary = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(0, 12)))
        rows.append(
            {
                "guild_id": OTHER_GUILD if number % 10 == 9 else GUILD,
                "title": title,
                "url": f"https://example.org/{number}",
                "normalized_url": f"https://example.org/{number}",
                "summary": summary,
                "publisher": rng.choice(["", "Equity Lab", "Housing Institute"]),
                "status": "pending" if number % 7 == 6 else "approved",
                "search_text": words.search_text(title, summary, ""),
                "created_at": NOW,
            }
        )
    await session.execute(insert(store.Resource), rows)


async def _by_the_rule(session, query: str) -> list[int]:
    """Every approved resource of the guild that holds each term as a prefix, ranked in Python."""
    terms = words.query_terms(query)
    rows = await session.execute(
        select(store.Resource.id, store.Resource.title, store.Resource.search_text).where(
            store.Resource.guild_id == GUILD, store.Resource.status == "approved"
        )
    )
    matching = [
        (row_id, title, text)
        for row_id, title, text in rows
        if all(any(word.startswith(term) for word in text.split()) for term in terms)
    ]
    return words.rank(terms, matching)


async def test_database_ranking_matches_the_rule_page_by_page(database):
    rng = random.Random(11)
    queries = ["health", "heal", "hous", "equite", "wages policy", "heat heal", "zon café", "data wage heal"]
    queries += [" ".join(rng.sample(VOCABULARY, rng.randint(1, 3))) for _ in range(12)]
    async with database.session() as session:
        await _library(session, rng)
        for query in queries:
            expected = await _by_the_rule(session, query)
            assert await store.search_ids(session, GUILD, query) == expected, query
            for page in range(3):
                found = await store.search_page(session, GUILD, query, page=page, size=5)
                if page * 5 < len(expected):
                    assert found.page == page, query
                    assert [r.id for r in found.resources] == expected[page * 5 : page * 5 + 5], query
                assert found.total == len(expected), query


async def test_a_page_past_the_end_comes_back_as_the_last_page(database):
    async with database.session() as session:
        await _library(session, random.Random(12))
        expected = await _by_the_rule(session, "health")
        last = (len(expected) - 1) // 5
        found = await store.search_page(session, GUILD, "health", page=last + 40, size=5)
    assert found.page == last
    assert [r.id for r in found.resources] == expected[last * 5 :]


async def test_without_words_the_page_is_in_title_order_as_python_sorts_titles(database):
    async with database.session() as session:
        await _library(session, random.Random(13))
        rows = await session.execute(
            select(store.Resource.id, store.Resource.title).where(
                store.Resource.guild_id == GUILD, store.Resource.status == "approved"
            )
        )
        expected = [row_id for _key, row_id in sorted((words.fold(title), row_id) for row_id, title in rows)]
        assert await store.search_ids(session, GUILD, "") == expected
        found = await store.search_page(session, GUILD, "", page=1, size=5)
    assert [r.id for r in found.resources] == expected[5:10]
    assert found.total == len(expected)


async def test_title_words_follow_a_title_when_it_is_edited(database):
    async with database.session() as session:
        resource = await store.create_resource(
            session,
            GUILD,
            title="Équité: Housing",
            url="https://example.org/e",
            summary="",
            publisher="",
            kind="report",
            status="approved",
            now=NOW,
        )
        assert (resource.title_words, resource.title_key) == ("equite housing", "equite: housing")
        await store.update_details(session, resource, title="Wages (2026)", url=resource.url, summary="")
        stored = await session.scalar(
            select(store.Resource.title_words).where(store.Resource.id == resource.id)
        )
    assert stored == "wages 2026"
