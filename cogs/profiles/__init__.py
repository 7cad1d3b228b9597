from bot.core import CoalitionBot
from cogs.profiles.cog import ProfilesCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(ProfilesCog(bot))
