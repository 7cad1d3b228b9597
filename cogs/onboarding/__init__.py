from bot.core import CoalitionBot


async def setup(bot: CoalitionBot) -> None:
    # Imported here: the profile and onboarding packages use each other's modules, never each other's setup.
    from cogs.onboarding.cog import OnboardingCog

    await bot.add_cog(OnboardingCog(bot))
