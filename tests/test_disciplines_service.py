"""Discipline and setup use cases, without Discord: one unit of work each, audited, typed results."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import NotFound, UserFacingError
from bot.scheduler import Scheduler
from bot.usecases import App, AuditNotice
from cogs.disciplines import service
from cogs.setup import service as setup_service
from db import members

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
GUILD = 222
ORGANIZER = 9


@pytest.fixture
def posted() -> list[AuditNotice]:
    return []


@pytest.fixture
def app(database, posted) -> App:
    async def sink(notice: AuditNotice) -> None:
        posted.append(notice)

    return App(database, Scheduler(database, now=lambda: NOW), audit_sink=sink, now=lambda: NOW)


async def test_catalog_is_seeded_once(app):
    first = await service.list_catalog(app, GUILD)
    again = await service.list_catalog(app, GUILD)

    assert [d.id for d in first] == [d.id for d in again]
    assert "Epidemiology" in [d.name for d in first]


async def test_catalog_edits_are_audited_after_commit(app, posted):
    created = await service.create(app, guild_id=GUILD, actor_id=ORGANIZER, name="  Housing   justice ")
    renamed = await service.rename(
        app, guild_id=GUILD, actor_id=ORGANIZER, name="housing justice", new_name="Housing"
    )
    deleted = await service.delete(app, guild_id=GUILD, actor_id=ORGANIZER, name="Housing")

    assert created.name == "Housing justice"
    assert (renamed.old_name, renamed.discipline.name) == ("Housing justice", "Housing")
    assert deleted.id == created.id
    assert [(n.action, n.detail) for n in posted] == [
        ("discipline.create", "Housing justice"),
        ("discipline.rename", "Housing justice → Housing"),
        ("discipline.delete", "Housing"),
    ]
    with pytest.raises(NotFound):
        await service.find(app, GUILD, "Housing")


async def test_a_refused_edit_writes_nothing(app, posted):
    await service.create(app, guild_id=GUILD, actor_id=ORGANIZER, name="Housing")

    with pytest.raises(UserFacingError, match="already a discipline"):
        await service.create(app, guild_id=GUILD, actor_id=ORGANIZER, name="housing!")
    with pytest.raises(UserFacingError, match="letters or digits"):
        await service.create(app, guild_id=GUILD, actor_id=ORGANIZER, name="!!!")

    assert [n.action for n in posted] == ["discipline.create"]


async def test_panel_picks_toggle_and_unknown_ids_are_ignored(app):
    catalog = {d.name: d.id for d in await service.list_catalog(app, GUILD)}

    first = await service.toggle_for_member(
        app, guild_id=GUILD, user_id=5, picked=[catalog["Labor"], catalog["Research"], 999_999]
    )
    second = await service.toggle_for_member(app, guild_id=GUILD, user_id=5, picked=[catalog["Labor"]])

    assert [d.name for d in first.added] == ["Labor", "Research"]
    assert [d.name for d in second.removed] == ["Labor"]
    assert await service.held_by(app, GUILD, 5) == {catalog["Research"]}
    with pytest.raises(NotFound):
        await service.toggle_for_member(app, guild_id=GUILD, user_id=5, picked=[999_999])


async def test_a_role_belongs_to_one_discipline(app, posted):
    catalog = {d.name: d.id for d in await service.list_catalog(app, GUILD)}
    assert await service.record_created_role(app, guild_id=GUILD, discipline_id=catalog["Labor"], role_id=77)

    with pytest.raises(UserFacingError, match="already belongs to another discipline"):
        await service.map_role(app, guild_id=GUILD, actor_id=ORGANIZER, name="Research", role_id=77)
    mapped = await service.map_role(app, guild_id=GUILD, actor_id=ORGANIZER, name="Research", role_id=78)

    assert mapped.discipline.role_id == 78
    assert (await service.current_role(app, GUILD, catalog["Labor"])).created_by_bot
    assert not (await service.current_role(app, GUILD, catalog["Research"])).created_by_bot
    assert await service.mapped_role_ids(app, GUILD) == {77, 78}
    assert await service.forget_role(app, guild_id=GUILD, role_id=77) == 1
    assert (await service.current_role(app, GUILD, catalog["Labor"])).role_id is None
    assert [n.action for n in posted] == ["discipline.map"]


async def test_directory_pages_are_clamped_to_the_pages_that_exist(app, database):
    labor = await service.find(app, GUILD, "Labor")
    for user_id in range(1, 4):
        async with database.session() as session:
            profile = await members.get_or_create_profile(session, GUILD, user_id, NOW)
            await members.update_profile(
                session, profile, NOW, display_name=f"M{user_id}", directory_opt_in=True
            )
        await service.add_to_member(app, guild_id=GUILD, user_id=user_id, name="Labor")

    page = await service.directory_page(app, guild_id=GUILD, discipline_id=labor.id, number=7, page_size=2)

    assert (page.number, page.count, page.total) == (1, 2, 3)
    assert [entry.display_name for entry in page.entries] == ["M3"]


async def test_panels_are_remembered_and_forgotten(app):
    await service.record_panel(
        app, guild_id=GUILD, actor_id=ORGANIZER, channel_id=1, message_id=10, channel_name="general"
    )
    await service.record_panel(
        app, guild_id=GUILD, actor_id=ORGANIZER, channel_id=2, message_id=20, channel_name="lobby"
    )

    assert await service.forget_panels(app, guild_id=GUILD, message_ids={10}) == 1
    panels, catalog = await service.posted_panels(app, GUILD)

    assert [(p.channel_id, p.message_id) for p in panels] == [(2, 20)]
    assert catalog


async def test_setup_changes_return_what_was_audited(app, posted):
    said = await setup_service.set_channel(
        app, guild_id=GUILD, actor_id=ORGANIZER, purpose="announcements", channel_id=55
    )
    await setup_service.set_role(app, guild_id=GUILD, actor_id=ORGANIZER, purpose="member", role_id=66)
    settings = await setup_service.settings(app, GUILD)

    assert said == "The announcements channel is now <#55>."
    assert (settings.channel_id("announcements"), settings.role_id("member")) == (55, 66)
    assert [n.detail for n in posted] == [said, "The member role is now <@&66>."]
