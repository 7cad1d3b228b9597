from bot.core import CoalitionBot
from cogs.help.cog import HelpCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(HelpCog(bot))
