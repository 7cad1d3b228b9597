"""The library's use cases without Discord: one transaction each, audited, frozen typed results;
and storage that stands on its own (no feature imports, a frozen migration)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.errors import UserFacingError
from bot.scheduler import Scheduler
from bot.usecases import App, AuditNotice
from cogs.resources.service import catalog, curation
from cogs.resources.service.results import AddressTaken
from db import resources as store
from db.audit import AuditEntry

ROOT = Path(__file__).resolve().parents[1]
GUILD = 777


@pytest.fixture
def posted() -> list[AuditNotice]:
    return []


@pytest.fixture
def app(database, posted) -> App:
    async def sink(notice: AuditNotice) -> None:
        posted.append(notice)

    return App(database, Scheduler(database), audit_sink=sink)


async def _suggest(app: App, url: str = "https://example.org/heat") -> int:
    resource = await curation.suggest_resource(
        app,
        guild_id=GUILD,
        user_id=42,
        title="Heat toolkit",
        url=url,
        summary="Cooling centres.",
        kind="toolkit",
        area="6.d",
    )
    return resource.id


async def test_approving_returns_a_frozen_copy_and_audits_in_the_same_transaction(app, database, posted):
    resource_id = await _suggest(app)

    approved = await curation.approve_suggestion(app, guild_id=GUILD, actor_id=7, resource_id=resource_id)

    assert (approved.status, approved.reviewed_by, approved.links.areas) == ("approved", 7, ("6.d",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        approved.status = "pending"
    async with database.session() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.guild_id == GUILD)))
    assert actions == ["resources.approve"]
    assert [(n.action, n.actor_id) for n in posted] == [("resources.approve", 7)]


async def test_a_decided_suggestion_cannot_be_decided_again_and_nothing_more_is_audited(app, posted):
    resource_id = await _suggest(app)
    await curation.reject_suggestion(
        app, guild_id=GUILD, actor_id=7, resource_id=resource_id, reason="Off topic"
    )

    with pytest.raises(UserFacingError, match="already decided: not added"):
        await curation.approve_suggestion(app, guild_id=GUILD, actor_id=8, resource_id=resource_id)
    assert [n.action for n in posted] == ["resources.reject"]


async def test_a_suggestion_of_a_known_address_names_the_existing_entry(app):
    await _suggest(app)

    with pytest.raises(AddressTaken, match=r"already suggested as \*\*Heat toolkit\*\*"):
        await _suggest(app, url="http://EXAMPLE.org/heat/?utm_source=x")


async def test_an_unknown_resource_in_another_guild_is_not_found(app):
    resource_id = await _suggest(app)

    with pytest.raises(UserFacingError, match="no longer exists"):
        await curation.review_card(app, guild_id=GUILD + 1, resource_id=resource_id)


async def test_start_up_sync_brings_the_area_table_in_step_with_the_report(app, database):
    async with database.session() as session:
        area = await session.get(store.RecommendationArea, "7.b")
        area.title = "An older title"

    assert await catalog.sync_report(app) is True
    assert await catalog.sync_report(app) is False
    async with database.session() as session:
        area = await session.get(store.RecommendationArea, "7.b")
    assert area.title == "Secure work paid at a living wage"


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_storage_and_migrations_never_import_a_feature():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m.split(".")[0] == "cogs")
        for path in sorted((ROOT / "db").rglob("*.py"))
    }
    assert {path: found for path, found in offenders.items() if found} == {}


async def test_migration_0003_seeds_its_own_frozen_copy_of_the_areas(database):
    from importlib import import_module

    frozen = import_module("db.migrations.versions.0003_resources")
    async with database.session() as session:
        rows = list(
            await session.scalars(
                select(store.RecommendationArea).order_by(store.RecommendationArea.position)
            )
        )
    assert [(r.key, r.chapter_number, r.principle_id, r.title) for r in rows] == list(frozen.AREAS)
