from bot.core import CoalitionBot
from cogs.onboarding.cog import OnboardingCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(OnboardingCog(bot))
