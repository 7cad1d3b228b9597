"""`python -m bench`: the coalition bot against a bare discord.py bot on a coalition-sized world, in SimCord.

Builds the world (a guild of 10,000 members, 30 disciplines, 10,000 resources, 500 campaigns with 20,000
sign-ups, 200 polls), runs the coalition bot and then a bare bot that only answers, each in a fresh
process, through the same interactions, prints the figures and writes bench/results/latest.json.

    python -m bench                 # the full world (several minutes)
    python -m bench --quick         # a smaller world, under two minutes
    python -m bench --database-url postgresql+asyncpg://user:password@host/postgres
                                    # on PostgreSQL: a scratch database is created there and dropped after
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from bench.report import combine, render
from bench.side import run_bare_side, run_bot_side
from bench.world import SCALES, Scale
from bot.settings import parse_database_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_const", const="quick", dest="scale", help="a run of under two minutes"
    )
    size.add_argument("--scale", choices=sorted(SCALES), help="full (default), quick, or tiny (for the test)")
    parser.add_argument("--members", type=int, help="guild members, instead of the scale's number")
    parser.add_argument(
        "--database-url", help="PostgreSQL server to run on (default: a temporary SQLite file)"
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"where to write the JSON ({RESULTS.name})"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="run both sides in this process (faster; less fair)"
    )
    args = parser.parse_args(argv)
    args.scale = args.scale or "full"
    return args


def _pg_admin(url: URL, statement: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(
            user=url.username,
            password=url.password,
            host=url.host,
            port=url.port or 5432,
            database=url.database,
        )
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@contextmanager
def scratch_database(database_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh, empty database for one run: a SQLite file in `folder`, or a new PostgreSQL database."""
    if not database_url:
        yield f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        return
    server = make_url(parse_database_url(database_url))
    if server.get_backend_name() != "postgresql":
        yield server.set(database=str(folder / "bench.db")).render_as_string(hide_password=False)
        return
    name = f"coalition_bench_{uuid.uuid4().hex[:8]}"
    _pg_admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_side_process(side: str, args: argparse.Namespace, database_url: str, folder: Path) -> dict[str, Any]:
    """Run one side in a fresh Python process and read back its figures."""
    out = folder / f"{side}.json"
    command = [sys.executable, "-m", "bench.side", side, "--scale", args.scale, "--out", str(out)]
    if args.members is not None:
        command += ["--members", str(args.members)]
    if side == "bot":
        command += ["--database-url", database_url]
    subprocess.run(command, cwd=ROOT, check=True)
    figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def scale_for(args: argparse.Namespace) -> Scale:
    scale = SCALES[args.scale]
    return replace(scale, members=args.members) if args.members is not None else scale


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="coalition-bench-") as temporary:
        folder = Path(temporary)
        with scratch_database(args.database_url, folder) as database_url:
            if args.in_process:
                bot = asyncio.run(run_bot_side(scale_for(args), database_url))
                bare = asyncio.run(run_bare_side(scale_for(args)))
            else:
                bot = run_side_process("bot", args, database_url, folder)
                bare = run_side_process("bare", args, database_url, folder)
    backend = make_url(database_url).get_backend_name()
    figures = combine(bot, bare, scale=args.scale, database=backend)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")
    print(render(figures))
    print(f"Written to {args.output}")
    return figures


if __name__ == "__main__":
    main()
