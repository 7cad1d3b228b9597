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
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Any

from bot.scheduler import Scheduler
from bot.usecases import App
from cogs.resources.service import catalog
from cogs.resources.service.catalog import ImportReport, ImportRow, RowError
from cogs.resources.service.results import ResourceInfo
from db.engine import Database
from db.resources.urls import InvalidUrl, check_url

log = logging.getLogger(__name__)

COLUMNS = ("title", "url", "summary", "kind", "publisher", "recommendations", "disciplines")
# A CSV cell starting with one of these runs as a formula in a spreadsheet; export prefixes a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINK_TIMEOUT = 8.0
LINK_CONCURRENCY = 8
Fetch = Callable[[str], "int | Awaitable[int]"]


@dataclass(frozen=True)
class LinkProblem:
    resource_id: int
    title: str
    url: str
    problem: str


# ----------------------------------------------------------------------------- reading files


def _csv_safe(text: str) -> str:
    """The cell as a spreadsheet shows it as text, never as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_unsafe(text: str) -> str:
    """Undo `_csv_safe`, so that an exported file imports to the same text."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


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


# ----------------------------------------------------------------------------- the three commands


def _app(database: Database) -> App:
    """The runtime the library's use cases need, for a command run outside the bot."""
    return App(database, Scheduler(database))


async def import_file(database: Database, path: str | Path, guild_id: int) -> ImportReport:
    """Import every good row of a CSV or JSON file into the guild; report the bad ones by line."""
    try:
        rows = [ImportRow(line, cells) for line, cells in _rows(Path(path))]
    except RowError as error:
        return ImportReport(0, [(1, str(error))])
    except (json.JSONDecodeError, UnicodeDecodeError, csv.Error) as error:
        return ImportReport(0, [(1, f"the file cannot be read: {error}")])
    return await catalog.import_rows(_app(database), guild_id=guild_id, rows=rows)


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
    records = [
        {
            "title": resource.title,
            "url": resource.url,
            "summary": resource.summary,
            "kind": resource.kind,
            "publisher": resource.publisher,
            "recommendations": [*resource.links.principles, *resource.links.areas],
            "disciplines": list(resource.links.disciplines),
        }
        for resource in await catalog.library(_app(database), guild_id=guild_id)
    ]
    _write(Path(path), records)
    return len(records)


class UnsafeRedirect(urllib.error.URLError):
    """A redirect to an address the library would refuse (a private network, say): never followed."""

    def __init__(self, target: str, why: str) -> None:
        super().__init__(f"redirects to {target}, which is refused: {why}")
        self.target = target


class PublicRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an address the library itself would accept."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        try:
            check_url(newurl)
        except InvalidUrl as refused:
            raise UnsafeRedirect(newurl, str(refused)) from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def link_opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """An opener whose redirects never lead to a private or local address."""
    return urllib.request.build_opener(PublicRedirects(), *handlers)


def fetch_status(url: str, *, opener: urllib.request.OpenerDirector | None = None) -> int:
    """The HTTP status of an address (HEAD, then GET when HEAD is refused); raises on network errors.

    The address itself and every redirect must be one the library accepts (UnsafeRedirect otherwise).
    """
    check_url(url)
    opener = opener or link_opener()
    headers = {"User-Agent": "coalition-bot link check"}
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with opener.open(request, timeout=LINK_TIMEOUT) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            if method == "HEAD" and error.code in (403, 405, 501):
                continue
            return int(error.code)
    return 0


async def check_links(database: Database, guild_id: int, fetch: Fetch | None = None) -> list[LinkProblem]:
    """Report approved resources whose address fails to answer; change nothing."""
    resources = await catalog.library(_app(database), guild_id=guild_id)
    limiter = asyncio.Semaphore(LINK_CONCURRENCY)

    async def status_of(url: str) -> int:
        if fetch is None:
            return await asyncio.to_thread(fetch_status, url)
        answer = fetch(url)
        return await answer if inspect.isawaitable(answer) else answer

    async def check(resource: ResourceInfo) -> LinkProblem | None:
        try:
            # Rows stored before addresses were checked this strictly are reported, never fetched.
            check_url(resource.url)
        except InvalidUrl as refused:
            return LinkProblem(resource.id, resource.title, resource.url, f"not checked ({refused})")
        async with limiter:
            try:
                status = await status_of(resource.url)
            except UnsafeRedirect as unsafe:
                return LinkProblem(
                    resource.id, resource.title, resource.url, f"unsafe redirect ({unsafe.reason})"
                )
            except Exception as error:  # a dead link is any failure to answer, reported, never raised
                reason = getattr(error, "reason", None) or error
                return LinkProblem(resource.id, resource.title, resource.url, f"no answer ({reason})")
        if status >= 400 or status == 0:
            return LinkProblem(resource.id, resource.title, resource.url, f"HTTP {status}")
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
