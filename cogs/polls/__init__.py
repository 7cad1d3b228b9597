from bot.core import CoalitionBot
from cogs.polls.cog import PollsCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(PollsCog(bot))
