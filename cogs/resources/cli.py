"""`python -m bot resources import|export|check-links`: bulk curation of a guild's library from files.

Files are CSV (a header row, then one resource per row) or JSON (a list of objects), chosen by the
file's extension. Columns / keys: title, url, summary, kind, publisher, recommendations, disciplines.
`recommendations` holds catalog keys ("6.b"), whole chapters ("chapter:6") or principles ("P1"),
separated by ";"; `disciplines` holds discipline names or slugs, separated by ";". Imported resources
are approved at once: importing is an organizer's act.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import inspect
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

from cogs.resources import search as rules
from cogs.resources.urls import InvalidUrl, check_url, normalize_url
from db import disciplines as discipline_db
from db import resources as store
from db.engine import Database

log = logging.getLogger(__name__)

COLUMNS = ("title", "url", "summary", "kind", "publisher", "recommendations", "disciplines")
# A CSV cell starting with one of these runs as a formula in a spreadsheet; export prefixes a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINK_TIMEOUT = 8.0
LINK_CONCURRENCY = 8
Fetch = Callable[[str], "int | Awaitable[int]"]


@dataclass
class Report:
    """What an import did: how many resources it added and which rows it refused, by line."""

    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Imported {self.imported} resource{'s' if self.imported != 1 else ''}."]
        if self.rejected:
            out.append(f"Rejected {len(self.rejected)} row{'s' if len(self.rejected) != 1 else ''}:")
            out.extend(f"  line {line}: {reason}" for line, reason in self.rejected)
        return out


@dataclass(frozen=True)
class LinkProblem:
    resource_id: int
    title: str
    url: str
    problem: str


class RowError(ValueError):
    """One row cannot be imported; the message says why."""


# ----------------------------------------------------------------------------- reading files


def _csv_safe(text: str) -> str:
    """The cell as a spreadsheet shows it as text, never as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_unsafe(text: str) -> str:
    """Undo `_csv_safe`, so that an exported file imports to the same text."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).replace(",", ";").split(";") if part.strip()]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) pairs; for JSON the "line" is the item's position in the list (from 1)."""
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data.get("resources", []) if isinstance(data, dict) else data
        for position, item in enumerate(items, start=1):
            yield position, item if isinstance(item, dict) else {}
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"title", "url"} - {name.strip().lower() for name in reader.fieldnames or []}
        if missing:
            raise RowError(f"the header row lacks the column(s) {', '.join(sorted(missing))}")
        start = reader.line_num + 1
        for row in reader:
            yield (
                start,
                {
                    (k or "").strip().lower(): _csv_unsafe(v) if isinstance(v, str) else v
                    for k, v in row.items()
                },
            )
            start = reader.line_num + 1


def _links(row: dict[str, Any], disciplines: dict[str, int]) -> tuple[list[str], list[str], list[int]]:
    area_keys: list[str] = []
    principle_ids: list[str] = []
    for value in _split(row.get("recommendations")):
        wanted = rules.parse_recommendation(value)
        if wanted is None:
            raise RowError(f"unknown recommendation {value!r}")
        if wanted.kind == "principle":
            principle_ids.append(wanted.value)
        else:
            area_keys.extend(wanted.area_keys())
    discipline_ids = []
    for value in _split(row.get("disciplines")):
        found = disciplines.get(value.casefold()) or disciplines.get(value)
        if found is None:
            raise RowError(f"unknown discipline {value!r}")
        discipline_ids.append(found)
    return area_keys, principle_ids, discipline_ids


# ----------------------------------------------------------------------------- the three commands


async def import_file(database: Database, path: str | Path, guild_id: int) -> Report:
    """Import every good row of a CSV or JSON file into the guild; report the bad ones by line."""
    source = Path(path)
    result = Report()
    now = discord.utils.utcnow()
    async with database.session() as session:
        # Areas and the default disciplines, not the starter library: a file is imported as it is.
        await store.sync_areas(session)
        await discipline_db.seed_defaults(session, guild_id, now)
        disciplines = await store.disciplines_by_key(session, guild_id)
        seen: dict[str, int] = {}
        try:
            rows = list(_rows(source))
        except RowError as error:
            result.rejected.append((1, str(error)))
            return result
        except (json.JSONDecodeError, UnicodeDecodeError, csv.Error) as error:
            result.rejected.append((1, f"the file cannot be read: {error}"))
            return result
        for line, row in rows:
            try:
                title = str(row.get("title") or "").strip()
                if len(title) < 3:
                    raise RowError("the title is missing or shorter than 3 characters")
                if len(title) > store.TITLE_MAX:
                    raise RowError(f"the title is longer than {store.TITLE_MAX} characters")
                try:
                    url = check_url(str(row.get("url") or ""))
                    key = normalize_url(url)
                except InvalidUrl as error:
                    raise RowError(str(error)) from None
                if key in seen:
                    raise RowError(f"the same address as line {seen[key]}")
                kind_text = str(row.get("kind") or "").strip()
                kind = rules.parse_kind(kind_text) if kind_text else "other"
                if kind is None:
                    raise RowError(f"unknown kind {kind_text!r} (use one of: {', '.join(rules.KINDS)})")
                area_keys, principle_ids, discipline_ids = _links(row, disciplines)
                await store.create_resource(
                    session,
                    guild_id,
                    title=title,
                    url=url,
                    summary=str(row.get("summary") or ""),
                    publisher=str(row.get("publisher") or ""),
                    kind=kind,
                    status="approved",
                    area_keys=area_keys,
                    principle_ids=principle_ids,
                    discipline_ids=discipline_ids,
                    now=now,
                )
            except RowError as error:
                result.rejected.append((line, str(error)))
                continue
            except store.DuplicateResource as duplicate:
                existing = duplicate.existing
                result.rejected.append((line, f"already in the library as #{existing.id} {existing.title!r}"))
                continue
            seen[key] = line
            result.imported += 1
    return result


def _write(target: Path, records: list[dict[str, Any]]) -> None:
    if target.suffix.lower() == ".json":
        target.write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for record in records:
                cells = {
                    **record,
                    "recommendations": ";".join(record["recommendations"]),
                    "disciplines": ";".join(record["disciplines"]),
                }
                writer.writerow({name: _csv_safe(str(value)) for name, value in cells.items()})


async def export_file(database: Database, path: str | Path, guild_id: int) -> int:
    """Write the guild's approved resources to a CSV or JSON file; return how many."""
    target = Path(path)
    async with database.session() as session:
        resources = await store.all_resources(session, guild_id)
        links = await store.links_of(session, [r.id for r in resources if r.id is not None])
    records = []
    for resource in resources:
        linked = links.get(resource.id or 0, {"areas": [], "principles": [], "disciplines": []})
        records.append(
            {
                "title": resource.title,
                "url": resource.url,
                "summary": resource.summary,
                "kind": resource.kind,
                "publisher": resource.publisher,
                "recommendations": [*linked["principles"], *linked["areas"]],
                "disciplines": linked["disciplines"],
            }
        )
    _write(target, records)
    return len(records)


def fetch_status(url: str) -> int:
    """The HTTP status of an address (HEAD, then GET when HEAD is refused); raises on network errors."""
    headers = {"User-Agent": "coalition-bot link check"}
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=LINK_TIMEOUT) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            if method == "HEAD" and error.code in (403, 405, 501):
                continue
            return int(error.code)
    return 0


async def check_links(database: Database, guild_id: int, fetch: Fetch | None = None) -> list[LinkProblem]:
    """Report approved resources whose address fails to answer; change nothing."""
    async with database.session() as session:
        resources = await store.all_resources(session, guild_id)
    limiter = asyncio.Semaphore(LINK_CONCURRENCY)

    async def status_of(url: str) -> int:
        if fetch is None:
            return await asyncio.to_thread(fetch_status, url)
        answer = fetch(url)
        return await answer if inspect.isawaitable(answer) else answer  # type: ignore[return-value]

    async def check(resource: store.Resource) -> LinkProblem | None:
        async with limiter:
            try:
                status = await status_of(resource.url)
            except Exception as error:  # a dead link is any failure to answer, reported, never raised
                reason = getattr(error, "reason", None) or error
                return LinkProblem(resource.id or 0, resource.title, resource.url, f"no answer ({reason})")
        if status >= 400 or status == 0:
            return LinkProblem(resource.id or 0, resource.title, resource.url, f"HTTP {status}")
        return None

    found = await asyncio.gather(*(check(r) for r in resources))
    return [problem for problem in found if problem is not None]


# ----------------------------------------------------------------------------- argparse wiring


def add_cli(subparsers: Any) -> None:
    """Add `resources import|export|check-links` to the `python -m bot` parser."""
    parser = subparsers.add_parser("resources", help="bulk curation of the resource library")
    actions = parser.add_subparsers(dest="resources_action", required=True)
    for name, text in (
        ("import", "add resources from a CSV or JSON file"),
        ("export", "write resources to a file"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("file", help="a .csv or .json file")
        action.add_argument("--guild", type=int, required=True, help="the Discord server (guild) id")
    checking = actions.add_parser("check-links", help="report resources whose address no longer answers")
    checking.add_argument("--guild", type=int, required=True, help="the Discord server (guild) id")


async def run_cli(args: argparse.Namespace, database: Database) -> int:
    """Run one `resources` action and print its outcome; 0 when everything went through."""
    if args.resources_action == "import":
        result = await import_file(database, args.file, args.guild)
        print("\n".join(result.lines()))
        return 0 if not result.rejected else 1
    if args.resources_action == "export":
        count = await export_file(database, args.file, args.guild)
        print(f"Exported {count} resource{'s' if count != 1 else ''} to {args.file}.")
        return 0
    problems = await check_links(database, args.guild)
    if not problems:
        print("Every address answered.")
        return 0
    print(
        f"{len(problems)} address{'es' if len(problems) != 1 else ''} did not answer (nothing was changed):"
    )
    for problem in problems:
        print(f"  #{problem.resource_id} {problem.title}: {problem.url} ({problem.problem})")
    return 1
