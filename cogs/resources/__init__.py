from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CoalitionBot


async def setup(bot: CoalitionBot) -> None:
    from cogs.resources.cog import ResourcesCog

    await bot.add_cog(ResourcesCog(bot))
