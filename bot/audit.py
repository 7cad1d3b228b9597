"""Write an organizer action to the audit log outside a use case (the rare action with no transaction)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CoalitionBot


async def record_action(
    bot: CoalitionBot, guild_id: int, actor_id: int | None, action: str, detail: str
) -> None:
    """Store the action in a unit of work of its own; it reaches the audit channel once committed."""
    async with bot.app.work() as work:
        await work.audit(guild_id, actor_id, action, detail)
