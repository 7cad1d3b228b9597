from bot.core import CoalitionBot
from cogs.disciplines.cog import DisciplinesCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(DisciplinesCog(bot))
