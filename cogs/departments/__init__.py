from bot.core import CoalitionBot
from cogs.departments.cog import DepartmentsCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(DepartmentsCog(bot))
