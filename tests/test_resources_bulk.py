"""Bulk curation: CSV/JSON import with a line-numbered report, export, round trips, and the link check."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cogs.resources.cli import check_links, export_file, import_file
from cogs.resources.seed import SEED_RESOURCES, SEED_VERSION
from cogs.resources.service.catalog import area_rows
from db import resources as store
from db.engine import Database

ROOT = Path(__file__).resolve().parents[1]
GUILD = 333
OTHER_GUILD = 444

CSV_TEXT = """title,url,summary,kind,publisher,recommendations,disciplines
Heat action plan guide,https://example.org/heat,Plans for heat waves.,toolkit,Example HD,6.d,Environmental health
No address here,,Missing URL.,report,,,
Transit equity data,https://example.org/transit?utm_source=x,Bus access by tract.,dataset,Transit Lab,chapter:16;P3,transportation
Bad kind,https://example.org/bad-kind,,podcast,,,
Ghost area,https://example.org/ghost,,report,,9.z,
"Multi-line
summary row",https://example.org/multi,"First line
second line",course,,14.b,
Heat again,http://EXAMPLE.org/heat/,Same page.,toolkit,,,
Unknown discipline,https://example.org/unknown-discipline,,report,,,Astrology
Not the web,ftp://example.org/file,,report,,,
"""


async def titles(database: Database, guild_id: int) -> list[str]:
    async with database.session() as session:
        return sorted(r.title for r in await store.all_resources(session, guild_id))


async def test_csv_import_reports_bad_rows_by_line_and_imports_the_rest(database, tmp_path):
    source = tmp_path / "resources.csv"
    source.write_text(CSV_TEXT, encoding="utf-8")

    report = await import_file(database, source, GUILD)

    assert report.imported == 3
    assert [line for line, _reason in report.rejected] == [3, 5, 6, 10, 11, 12]
    reasons = dict(report.rejected)
    assert "web address" in reasons[3]
    assert "unknown kind 'podcast'" in reasons[5]
    assert "unknown recommendation '9.z'" in reasons[6]
    assert "same address as line 2" in reasons[10]
    assert "unknown discipline 'Astrology'" in reasons[11]
    assert "http:// or https://" in reasons[12]
    assert await titles(database, GUILD) == [
        "Heat action plan guide",
        "Multi-line\nsummary row",
        "Transit equity data",
    ]
    async with database.session() as session:
        transit = await store.find_by_url(session, GUILD, "https://example.org/transit")
        links = (await store.links_of(session, [transit.id]))[transit.id]
    assert transit.url == "https://example.org/transit"
    assert links["principles"] == ["P3"]
    assert "16.a" in links["areas"]
    assert links["disciplines"] == ["Transportation"]


async def test_importing_the_same_file_again_adds_nothing(database, tmp_path):
    source = tmp_path / "resources.csv"
    source.write_text(CSV_TEXT, encoding="utf-8")
    await import_file(database, source, GUILD)

    again = await import_file(database, source, GUILD)

    assert again.imported == 0
    assert "already in the library" in dict(again.rejected)[2]


@pytest.mark.parametrize("suffix", [".csv", ".json"])
async def test_export_then_import_round_trips(database, tmp_path, suffix):
    async with database.session() as session:
        await store.seed_guild(session, GUILD, store_now(), SEED_RESOURCES, SEED_VERSION)
    exported = tmp_path / f"library{suffix}"
    count = await export_file(database, exported, GUILD)

    report = await import_file(database, exported, OTHER_GUILD)
    second = tmp_path / f"again{suffix}"
    await export_file(database, second, OTHER_GUILD)

    assert count == 40
    assert report.imported == 40
    assert report.rejected == []
    assert await titles(database, OTHER_GUILD) == await titles(database, GUILD)
    assert second.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


async def test_json_import_numbers_rejected_items(database, tmp_path):
    source = tmp_path / "resources.json"
    source.write_text(
        json.dumps(
            [
                {"title": "Good one", "url": "https://example.org/good", "recommendations": ["7.b"]},
                {"title": "x", "url": "https://example.org/short"},
                "not an object",
            ]
        ),
        encoding="utf-8",
    )

    report = await import_file(database, source, GUILD)

    assert report.imported == 1
    assert [line for line, _reason in report.rejected] == [2, 3]


async def test_link_check_reports_dead_addresses_and_changes_nothing(database):
    async with database.session() as session:
        await store.seed_guild(session, GUILD, store_now(), SEED_RESOURCES, SEED_VERSION)
        before = [(r.id, r.url, r.status) for r in await store.all_resources(session, GUILD)]
    dead = {"https://livingwage.mit.edu/": 404, "https://healthequityguide.org": None}

    def fake_fetch(url: str) -> int:
        if url in dead and dead[url] is None:
            raise OSError("connection refused")
        return dead.get(url, 200)

    problems = await check_links(database, GUILD, fetch=fake_fetch)

    assert sorted((p.url, p.problem.split(" (")[0]) for p in problems) == [
        ("https://healthequityguide.org", "no answer"),
        ("https://livingwage.mit.edu/", "HTTP 404"),
    ]
    async with database.session() as session:
        after = [(r.id, r.url, r.status) for r in await store.all_resources(session, GUILD)]
    assert after == before


def test_command_line_import_prints_the_report(tmp_path):
    source = tmp_path / "resources.csv"
    source.write_text(CSV_TEXT, encoding="utf-8")
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    completed = subprocess.run(
        [sys.executable, "-m", "bot", "resources", "import", str(source), "--guild", str(GUILD)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 1, completed.stderr
    assert "Imported 3 resources." in completed.stdout
    assert "line 12: Only web addresses starting with http:// or https://" in completed.stdout


def store_now():
    from datetime import UTC, datetime

    return datetime(2026, 3, 1, tzinfo=UTC)


async def test_seeded_resources_keep_their_links_through_export(database, tmp_path):
    async with database.session() as session:
        await store.seed_guild(session, GUILD, store_now(), SEED_RESOURCES, SEED_VERSION)
    exported = tmp_path / "library.json"
    await export_file(database, exported, GUILD)
    records = {r["title"]: r for r in json.loads(exported.read_text(encoding="utf-8"))}

    assert records["Living Wage Calculator"]["recommendations"] == ["7.b", "8.a"]
    assert records["Living Wage Calculator"]["kind"] == "dataset"
    async with database.session() as session:
        rows = await session.scalars(select(store.Resource.status).where(store.Resource.guild_id == GUILD))
        assert set(rows) == {"approved"}


async def test_csv_export_quotes_formulas_and_import_restores_them(database, tmp_path):
    formula = '=HYPERLINK("http://x","y")'
    async with database.session() as session:
        await store.sync_areas(session, area_rows())
        await store.create_resource(
            session, GUILD, title=formula, url="https://example.org/f", status="approved", now=store_now()
        )
        await store.create_resource(
            session,
            GUILD,
            title="Plain title",
            url="https://example.org/p",
            summary="@everyone read this",
            publisher="-Lab",
            status="approved",
            now=store_now(),
        )
    exported = tmp_path / "library.csv"
    await export_file(database, exported, GUILD)

    with exported.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["title"] == "'" + formula
    assert rows[1]["title"] == "Plain title"
    assert rows[1]["summary"] == "'@everyone read this"
    assert rows[1]["publisher"] == "'-Lab"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())

    report = await import_file(database, exported, OTHER_GUILD)

    assert report.imported == 2
    async with database.session() as session:
        restored = {r.title: r for r in await store.all_resources(session, OTHER_GUILD)}
    assert set(restored) == {formula, "Plain title"}
    assert restored["Plain title"].summary == "@everyone read this"
    assert restored["Plain title"].publisher == "-Lab"


async def test_csv_import_keeps_a_quote_that_does_not_guard_a_formula(database, tmp_path):
    source = tmp_path / "resources.csv"
    source.write_text("title,url\n'Quoted' guide,https://example.org/q\n", encoding="utf-8")

    await import_file(database, source, GUILD)

    assert await titles(database, GUILD) == ["'Quoted' guide"]
