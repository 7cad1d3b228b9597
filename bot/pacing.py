"""Pace DMs to many members so that a large send stays under Discord's limits and its anti-spam."""

from __future__ import annotations

import asyncio

DM_BURST = 5
DM_PAUSE_SECONDS = 1.0


async def pace_dm(sent_so_far: int) -> None:
    """Pause for a second after every few DMs; a handful goes out at once."""
    if sent_so_far and sent_so_far % DM_BURST == 0:
        await asyncio.sleep(DM_PAUSE_SECONDS)
