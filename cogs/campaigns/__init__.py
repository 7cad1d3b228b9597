from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CoalitionBot


async def setup(bot: CoalitionBot) -> None:
    # Imported here so that `cogs.campaigns.rules` stays importable without loading Discord code.
    from cogs.campaigns.cog import CampaignsCog

    await bot.add_cog(CampaignsCog(bot))
