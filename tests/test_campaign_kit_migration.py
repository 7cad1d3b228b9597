"""Revision 0013 copies each campaign's old toolkit and talking-points links into its media kit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from db import migrate
from db.engine import Database


async def test_old_campaign_links_become_kit_entries(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(database, "0010_disciplines_panels")
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO campaign (id, guild_id, title, description, starts_at, ends_at, signup_deadline,"
                    " timezone, offer_window_hours, status, created_by, created_at) VALUES (7, 1, 'Heat week', '',"
                    " '2026-12-10 14:00:00', '2026-12-11 14:00:00', '2026-12-09 14:00:00', 'UTC', 24, 'open', 2,"
                    " '2026-12-01 14:00:00')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO campaign_link (campaign_id, title, url, kind) VALUES"
                    " (7, 'Toolkit', 'https://example.org/toolkit', 'toolkit'),"
                    " (7, 'Talking points', 'https://example.org/points', 'talking_points')"
                )
            )
        await migrate.upgrade(database)
        async with database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT campaign_id, kind, title, url FROM campaign_kit_item ORDER BY position, id")
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (7, "link", "Toolkit", "https://example.org/toolkit"),
            (7, "link", "Talking points", "https://example.org/points"),
        ]
    finally:
        await database.dispose()
