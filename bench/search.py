"""Search latency over 10,000 resources: the database's ranked page beside the ways it replaced, in one run.

Usage: python bench/search.py [--queries N] [--resources N]
Builds a temporary, migrated SQLite database, fills it with synthetic resources and times, on the same
queries: db.resources.search_page (FTS5 matching, ranked, counted and cut to the page shown in SQL); the
whole `/resources search` use case around it (cogs.resources.service.search.search_library: one unit of
work with the library check, the page, the saved search and the links); python_ranked_ids below (the
previous way: every FTS5 match fetched and ranked in Python); and like_scan_ids below (LIKE '%term%' on
every row, ranked in Python). Writes the figures to bench/results/search.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from bot.scheduler import Scheduler  # noqa: E402
from bot.usecases import App  # noqa: E402
from cogs.resources.search import PAGE_SIZE  # noqa: E402
from cogs.resources.service.search import search_library  # noqa: E402
from db import migrate  # noqa: E402
from db import resources as store  # noqa: E402
from db.engine import Database  # noqa: E402
from db.resources import words  # noqa: E402

GUILD = 1
USER = 42
RESULTS = ROOT / "bench" / "results" / "search.txt"
WORDS = [
    "health",
    "equity",
    "housing",
    "wage",
    "labor",
    "transit",
    "data",
    "surveillance",
    "community",
    "toolkit",
    "policy",
    "planning",
    "climate",
    "heat",
    "air",
    "water",
    "food",
    "tobacco",
    "alcohol",
    "school",
    "childhood",
    "nursing",
    "education",
    "evaluation",
    "income",
    "poverty",
    "insurance",
    "clinic",
    "rural",
    "urban",
    "zoning",
    "violence",
    "safety",
    "gender",
    "voice",
    "alliance",
    "organizing",
    "campaign",
    "media",
    "awareness",
    "training",
    "workforce",
    "evidence",
    "research",
    "monitoring",
    "tax",
    "budget",
    "finance",
    "trade",
    "market",
    "justice",
    "environment",
    "neighborhood",
    "transport",
    "disability",
    "aging",
    "immigrant",
]
FILLER = [f"w{n}" for n in range(3000)]  # a long tail of rare words, as real text has


async def python_ranked_ids(session: AsyncSession, guild_id: int, query: str) -> list[int]:
    """The previous way: every FTS5 match fetched, then ranked in Python (words.rank)."""
    terms = words.query_terms(query)
    matches = text("SELECT rowid FROM resource_fts WHERE resource_fts MATCH :q").bindparams(
        q=words.fts5_query(terms)
    )
    statement = select(store.Resource.id, store.Resource.title, store.Resource.search_text).where(
        col(store.Resource.guild_id) == guild_id,
        col(store.Resource.status) == "approved",
        col(store.Resource.id).in_(matches),
    )
    rows = await session.execute(statement)
    return words.rank(terms, ((r[0] or 0, r[1], r[2]) for r in rows))


async def page_ids(session: AsyncSession, guild_id: int, query: str) -> list[int]:
    """The first page as the bot shows it, ranked, counted and cut in the database."""
    found = await store.search_page(session, guild_id, query, size=PAGE_SIZE)
    return [resource.id or 0 for resource in found.resources] + [0] * (found.total - len(found.resources))


async def like_scan_ids(session: AsyncSession, guild_id: int, query: str) -> list[int]:
    """The naive way this benchmark compares against: `LIKE '%term%'` on title, summary and publisher."""
    terms = words.query_terms(query)
    statement = select(store.Resource.id, store.Resource.title, store.Resource.search_text).where(
        col(store.Resource.guild_id) == guild_id, col(store.Resource.status) == "approved"
    )
    for term in terms:
        pattern = f"%{term}%"
        statement = statement.where(
            func.lower(col(store.Resource.title)).like(pattern)
            | func.lower(col(store.Resource.summary)).like(pattern)
            | func.lower(col(store.Resource.publisher)).like(pattern)
        )
    rows = await session.execute(statement)
    return words.rank(terms, ((r[0] or 0, r[1], r[2]) for r in rows))


def synthetic(rng: random.Random, number: int) -> dict:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()
    summary = " ".join(
        rng.choice(WORDS if rng.random() < 0.4 else FILLER) for _ in range(rng.randint(15, 40))
    )
    publisher = f"{rng.choice(WORDS).capitalize()} Institute"
    url = f"https://example.org/resource/{number}"
    return {
        "guild_id": GUILD,
        "title": title,
        "url": url,
        "normalized_url": url,
        "summary": summary,
        "kind": "report",
        "publisher": publisher,
        "status": "approved",
        "search_text": words.search_text(title, summary, publisher),
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


def queries(rng: random.Random, count: int) -> dict[str, list[str]]:
    """Queries of three shapes: one common word, two common words, and a common plus a rare word."""
    third = max(1, count // 3)
    return {
        "one common word": [rng.choice(WORDS) for _ in range(third)],
        "two common words": [f"{rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(third)],
        "common + rare word": [f"{rng.choice(WORDS)} {rng.choice(FILLER)}" for _ in range(count - 2 * third)],
    }


Timed = Callable[[str], Awaitable[int]]


async def time_each(run: Timed, texts: list[str]) -> tuple[list[float], int]:
    """Latency of each query in ms, and how many resources they matched in all."""
    latencies, found = [], 0
    for text in texts:
        started = time.perf_counter()
        found += await run(text)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, found


def in_session(
    database: Database, function: Callable[[AsyncSession, int, str], Awaitable[list[int]]]
) -> Timed:
    async def run(text: str) -> int:
        async with database.session() as session:
            return len(await function(session, GUILD, text))

    return run


def use_case(app: App) -> Timed:
    async def run(text: str) -> int:
        found = await search_library(
            app, guild_id=GUILD, user_id=USER, query=text, recommendation=None, discipline=None
        )
        return getattr(found, "total", 0)

    return run


async def same_first_pages(database: Database, texts: list[str]) -> int:
    """How many queries show the very same first page as the Python ranking rule gives."""
    same = 0
    async with database.session() as session:
        for text in texts:
            found = await store.search_page(session, GUILD, text, size=PAGE_SIZE)
            ranked = await python_ranked_ids(session, GUILD, text)
            same += [r.id for r in found.resources] == ranked[:PAGE_SIZE] and found.total == len(ranked)
    return same


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


WAYS = ("page in SQL", "use case", "Python rank", "LIKE scan")


async def measure(database: Database, resource_count: int, query_count: int) -> tuple[dict, int, int]:
    rng = random.Random(2008)
    await migrate.upgrade(database)
    rows = [synthetic(rng, n) for n in range(resource_count)]
    async with database.session() as session:
        await session.execute(insert(store.Resource), rows)
    shapes = queries(rng, query_count)
    everything = [text for texts in shapes.values() for text in texts]
    app = App(database, Scheduler(database))
    runs = dict(
        zip(
            WAYS,
            (
                in_session(database, page_ids),
                use_case(app),
                in_session(database, python_ranked_ids),
                in_session(database, like_scan_ids),
            ),
            strict=True,
        )
    )
    # Warm every path once so that none pays for first-use caches (and the starter library) in the figures.
    for run in runs.values():
        await time_each(run, everything[:5])
    figures = {
        shape: ({way: await time_each(run, texts) for way, run in runs.items()}, len(texts))
        for shape, texts in {"all queries": everything, **shapes}.items()
    }
    return figures, await same_first_pages(database, everything), len(everything)


async def main(resource_count: int, query_count: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            figures, same, total = await measure(database, resource_count, query_count)
        finally:
            await database.dispose()
    lines = [
        f"Search over {resource_count} synthetic resources, {query_count} queries, SQLite, one run "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC). Latency per query in ms, median / p99.",
        f"{'queries':<20}{'n':>4}" + "".join(f"{way:>17}" for way in WAYS) + f"{'avg hits':>10}",
    ]
    for shape, (ways, n) in figures.items():
        cells = "".join(
            f"{statistics.median(latencies):>9.2f} /{p99(latencies):>6.2f}" for latencies, _ in ways.values()
        )
        lines.append(f"{shape:<20}{n:>4}{cells}{ways['Python rank'][1] / n:>10.0f}")
    lines += [
        f"First pages (and totals) identical to the Python ranking rule: {same} of {total} queries.",
        "page in SQL: db.resources.search_page, the first page of 5 ranked, counted and cut by the database. "
        "use case: the whole /resources search use case (library check, page, saved search, links, commit). "
        "Python rank: the previous way, every match fetched and ranked in Python. "
        "LIKE scan: LIKE '%term%' on every row, ranked in Python.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    options = parser.parse_args()
    text = asyncio.run(main(options.resources, options.queries))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    print(text)
