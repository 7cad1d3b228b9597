from bot.core import CoalitionBot
from cogs.privacy.cog import PrivacyCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
