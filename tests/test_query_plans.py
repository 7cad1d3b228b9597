"""Every hot query has the index its access path needs, on SQLite and on PostgreSQL.

The statements are not written out here: the real bot runs the hot interactions through SimCord and every
statement it sends is captured (text and parameters), so a rewritten path is checked as soon as it lands.
Each captured read or conditional write is then explained on the same database:

- SQLite: `EXPLAIN QUERY PLAN`; a `SCAN <table>` (the whole table, or the whole of one of its indexes) of a
  table that grows with the coalition fails.
- PostgreSQL: a test database is tiny, so the planner would rightly prefer a Seq Scan everywhere; with
  `enable_seqscan = off` it uses an index whenever one can serve the access path, and a Seq Scan that
  remains means no usable index exists. An index read end to end (its first column untested) fails too,
  since that is how PostgreSQL avoids a disabled Seq Scan when the only index starts with another column.

Tables that do not grow (FIXED_TABLES, each with its reason) and full-text virtual tables are allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import Database
from tests.conftest import Coalition
from tests.helpers import post_card_and_poll
from tests.onboarding_helpers import join, last_dm, walk_to

# Tables whose size does not grow with the coalition's members, resources, campaigns or polls: a full scan of
# them costs the same at ten members as at ten thousand. Each needs its reason.
FIXED_TABLES = {
    "alembic_version": "one row: the schema's revision",
    "bot_state": "a handful of process-wide keys",
    "recommendation_area": "the fixed catalogue of the report's recommendation areas (seeded once)",
}
# Full-text virtual tables answer MATCH from their own index; their plan line always reads SCAN.
VIRTUAL_TABLE = re.compile(r"\bVIRTUAL TABLE\b")
EXPLAINED = ("SELECT", "UPDATE", "DELETE", "WITH")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement as the driver received it."""

    sql: str
    parameters: Any


@dataclass(frozen=True, slots=True)
class FullScan:
    """A plan line that reads a growing table end to end."""

    sql: str
    parameters: Any
    table: str
    plan_line: str
    columns: str

    @property
    def missing(self) -> str:
        """The index this access path needs, named as the project names indexes."""
        if not self.columns:
            return f"ix_{self.table}_<columns> on the columns it filters, joins or orders on"
        return f"ix_{self.table}_{'_'.join(self.columns.split(', '))} on {self.table} ({self.columns})"

    def describe(self) -> str:
        return (
            f"full scan of growing table {self.table!r}: no index serves this access path; missing: {self.missing}"
            f"\n  plan: {self.plan_line}\n  statement: {' '.join(self.sql.split())}"
            f"\n  parameters: {self.parameters!r}"
        )


class StatementCapture:
    """Every statement the engine sends while capturing, per labelled interaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.by_label: dict[str, list[Statement]] = {}
        self._label: str | None = None
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def during(self, label: str) -> _Labelled:
        return _Labelled(self, label)

    def _seen(
        self, _conn: object, _cursor: object, sql: str, parameters: Any, _context: object, many: bool
    ) -> None:
        if self._label is None or many or not _explainable(sql):
            return
        self.by_label.setdefault(self._label, []).append(Statement(sql, parameters))


class _Labelled:
    def __init__(self, capture: StatementCapture, label: str) -> None:
        self.capture, self.label = capture, label

    def __enter__(self) -> None:
        self.capture._label = self.label

    def __exit__(self, *_exc: object) -> None:
        self.capture._label = None
        assert self.capture.by_label.get(self.label), f"{self.label}: no statement reached the database"


def _explainable(sql: str) -> bool:
    """Reads and conditional writes; a plain INSERT … VALUES has no access path to check."""
    words = sql.lstrip().split(None, 1)
    if not words:
        return False
    first = words[0].upper()
    if first in EXPLAINED:
        return True
    upper = sql.upper()
    return first == "INSERT" and (" SELECT " in upper or " ON CONFLICT " in upper)


async def full_scans(database: Database, statements: list[Statement]) -> list[FullScan]:
    """Explain each statement on its own database and return the full scans of growing tables."""
    found: list[FullScan] = []
    async with database.engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            # LOCAL: undone with the rollback below, so the pooled connection goes back as it came.
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        indexes = await connection.run_sync(_indexes)
        for statement in _unique(statements):
            prefix = "EXPLAIN (FORMAT JSON) " if postgres else "EXPLAIN QUERY PLAN "
            result = await connection.exec_driver_sql(prefix + statement.sql, statement.parameters)
            rows = result.all()
            scans = _pg_scans(rows, indexes) if postgres else _sqlite_scans(rows)
            for name, line in scans:
                table = _table_named(statement.sql, name)
                # A name that is no table is a CTE or subquery the statement built: its tables are checked where read.
                if table in indexes.tables and table not in FIXED_TABLES:
                    columns = _filtered_columns(statement.sql, name)
                    found.append(FullScan(statement.sql, statement.parameters, table, line, columns))
        await connection.rollback()
    return found


def _unique(statements: list[Statement]) -> Iterator[Statement]:
    seen: set[str] = set()
    for statement in statements:
        if statement.sql not in seen:
            seen.add(statement.sql)
            yield statement


SQLITE_SCAN = re.compile(r"^SCAN (?P<table>\w+)(?: AS \w+)?(?P<rest>.*)$")


def _sqlite_scans(rows: Sequence[Any]) -> list[tuple[str, str]]:
    """(table, plan line) for every SCAN of a real table; subqueries, CTEs and virtual tables are left out."""
    scans = []
    for row in rows:
        detail = str(row[-1])
        match = SQLITE_SCAN.match(detail)
        if match is None or VIRTUAL_TABLE.search(detail):
            continue
        scans.append((match["table"], detail))
    return scans


@dataclass(frozen=True, slots=True)
class Indexes:
    """What the schema offers: each table's index-leading columns, and each index's table and first column."""

    tables: set[str]
    leading_by_table: dict[str, set[str]]
    first_column: dict[str, tuple[str, str]]


def _indexes(connection: Connection) -> Indexes:
    """Read every index, unique constraint and primary key of the schema."""
    inspector = inspect(connection)
    leading: dict[str, set[str]] = {}
    first_column: dict[str, tuple[str, str]] = {}
    for table in inspector.get_table_names():
        keyed: list[tuple[str | None, Sequence[str | None]]] = [
            (index["name"], index["column_names"]) for index in inspector.get_indexes(table)
        ]
        keyed += [
            (unique["name"], unique["column_names"]) for unique in inspector.get_unique_constraints(table)
        ]
        primary = inspector.get_pk_constraint(table)
        keyed.append((primary.get("name"), primary["constrained_columns"]))
        for name, columns in keyed:
            if columns and columns[0]:
                leading.setdefault(table, set()).add(str(columns[0]))
                if name:
                    first_column[name] = (table, str(columns[0]))
    return Indexes(set(inspector.get_table_names()), leading, first_column)


def _identifiers(condition: str) -> set[str]:
    return set(re.findall(r"\b([a-z_][a-z0-9_]*)\b", condition))


def _pg_scans(rows: Sequence[Any], indexes: Indexes) -> list[tuple[str, str]]:
    """(table, plan node) for each Seq Scan, and each index read end to end.

    An index is read end to end when its condition does not test its first column, or when it has no
    condition at all. On a tiny table the planner may pick such a walk even where a fitting index exists
    (walking the primary key in order rather than sorting a few rows found through another index), so the
    walk counts only when no index of the table starts with a column that the node tests.
    """
    plan = rows[0][0]
    document = json.loads(plan) if isinstance(plan, str) else plan
    scans: list[tuple[str, str]] = []

    def whole_index(node: dict[str, Any]) -> str | None:
        """The table whose index this node reads end to end, if it does."""
        if node.get("Node Type") not in ("Index Scan", "Index Only Scan", "Bitmap Index Scan"):
            return None
        table, first = indexes.first_column.get(
            node.get("Index Name", ""), (node.get("Relation Name", ""), "")
        )
        tested = _identifiers(node.get("Index Cond", ""))
        if first in tested:
            return None
        served = (tested | _identifiers(node.get("Filter", ""))) & indexes.leading_by_table.get(table, set())
        return None if served else table

    def walk(node: dict[str, Any]) -> None:
        kind = node.get("Node Type", "")
        table = node.get("Relation Name") if kind == "Seq Scan" else whole_index(node)
        if table:
            keys = ("Node Type", "Relation Name", "Index Name", "Index Cond", "Filter")
            scans.append((table, json.dumps({key: node[key] for key in keys if key in node})))
        for child in node.get("Plans", []):
            walk(child)

    walk(document[0]["Plan"])
    return scans


def _filtered_columns(sql: str, table: str) -> str:
    """The columns of `table` the WHERE clause tests (else those it is joined or ordered on): the index's key."""
    where = re.search(
        r"\bWHERE\b(.*?)(?:\bORDER BY\b|\bGROUP BY\b|\bLIMIT\b|\bRETURNING\b|$)", sql, re.I | re.S
    )
    for part in ([where.group(1)] if where else []) + [sql]:
        columns = list(dict.fromkeys(re.findall(rf"\b{table}\.\"?(\w+)", part)))
        if columns:
            return ", ".join(columns)
    return ""


def _table_named(sql: str, name: str) -> str:
    """The table behind a plan line's name, which SQLite gives as the statement's alias when there is one."""
    aliased = re.search(rf"\b(\w+) AS {name}\b", sql)
    return aliased.group(1) if aliased else name


# ------------------------------------------------------------------ the hot interactions, on the real bot


@pytest.fixture
async def card_and_poll(coalition: Coalition) -> Coalition:
    return await post_card_and_poll(coalition)


async def capture_hot_interactions(coalition: Coalition) -> dict[str, list[Statement]]:
    """Run each hot interaction once, as members do, and return the statements each one sent."""
    card = coalition.channels["campaigns"]
    capture = StatementCapture(coalition.bot.database.engine)
    try:
        with capture.during("sign-up click and card refresh"):
            await coalition.member.click(card.last_message, label="Sign up: Op-ed author")
        with capture.during("join waitlist"):
            await coalition.other.click(card.last_message, label="Join waitlist: Op-ed author")
        with capture.during("withdraw (the place passes on)"):
            await coalition.member.click(card.last_message, label="Withdraw")
        with capture.during("poll vote"):
            await coalition.member.click(coalition.channels["polls"].last_message, label="Parks")
        with capture.during("/resources search"):
            await coalition.member.slash(coalition.general, "resources search", query="living wage")
        with capture.during("/resources search by recommendation"):
            await coalition.member.slash(coalition.general, "resources search", recommendation="area:7.c")
        with capture.during("/campaign mine"):
            await coalition.member.slash(coalition.general, "campaign mine")
        newcomer = await join(coalition, "nadia")
        with capture.during("onboarding steps, welcome to confirmation"):
            summary = await walk_to(newcomer.user, last_dm(coalition, newcomer), "summary")
            await newcomer.user.click(summary, label="Confirm")
        with capture.during("scheduler claims due jobs (the poll closes)"):
            await coalition.env.advance_time(2 * 24 * 3600 + 60)
    finally:
        capture.close()
    return capture.by_label


async def test_every_hot_statement_has_an_index_for_its_access_path(card_and_poll: Coalition):
    captured = await capture_hot_interactions(card_and_poll)

    failures = []
    for label, statements in captured.items():
        for scan in await full_scans(card_and_poll.bot.database, statements):
            failures.append(f"[{label}] {scan.describe()}")
    assert not failures, f"{len(failures)} hot statement(s) read a growing table whole:\n" + "\n\n".join(
        failures
    )


# ------------------------------------------------------------------ the checker itself can fail


async def test_checker_reports_a_query_on_an_unindexed_column_until_it_is_indexed(database: Database):
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TABLE plan_probe (id INTEGER PRIMARY KEY, guild_id BIGINT NOT NULL, note VARCHAR(40))"
            )
        )
    placeholder = "$1" if database.engine.dialect.name == "postgresql" else "?"
    where = f"FROM plan_probe WHERE plan_probe.guild_id = {placeholder}"
    probe = Statement(f"SELECT plan_probe.id {where}", (7,))
    # In key order, PostgreSQL walks the primary key and filters rather than scan the table: still unindexed.
    ordered = Statement(f"SELECT plan_probe.note {where} ORDER BY plan_probe.id", (7,))

    before = await full_scans(database, [probe, ordered])
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE INDEX ix_plan_probe_guild_id ON plan_probe (guild_id)"))
    after = await full_scans(database, [probe, ordered])

    assert [(scan.table, scan.columns) for scan in before] == [("plan_probe", "guild_id")] * 2
    assert "missing: ix_plan_probe_guild_id on plan_probe (guild_id)" in before[0].describe()
    assert after == []


async def test_checker_reports_a_whole_index_walk_and_spares_fixed_tables(database: Database):
    placeholder = "$1" if database.engine.dialect.name == "postgresql" else "?"
    # Ordering a growing table by its key with no condition walks it whole, index or not.
    walk = Statement("SELECT scheduled_job.id FROM scheduled_job ORDER BY scheduled_job.id", ())
    fixed = Statement(f"SELECT bot_state.key FROM bot_state WHERE bot_state.key != {placeholder}", ("x",))

    assert [scan.table for scan in await full_scans(database, [walk])] == ["scheduled_job"]
    assert await full_scans(database, [fixed]) == []


async def test_checker_reports_an_index_whose_first_column_the_query_skips(database: Database):
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TABLE plan_probe (id INTEGER PRIMARY KEY, guild_id BIGINT NOT NULL, note VARCHAR(40))"
            )
        )
        await connection.execute(
            text("CREATE INDEX ix_plan_probe_guild_id_note ON plan_probe (guild_id, note)")
        )
    placeholder = "$1" if database.engine.dialect.name == "postgresql" else "?"
    # Both databases can answer from the index, but only by reading all of it: the note is its second column.
    skipped = Statement(f"SELECT plan_probe.id FROM plan_probe WHERE plan_probe.note = {placeholder}", ("x",))

    assert [scan.table for scan in await full_scans(database, [skipped])] == ["plan_probe"]
