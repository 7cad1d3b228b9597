from bot.core import CoalitionBot
from cogs.setup.cog import SetupCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(SetupCog(bot))
