from bot.core import CoalitionBot
from cogs.audit.cog import AuditCog


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(AuditCog(bot))
