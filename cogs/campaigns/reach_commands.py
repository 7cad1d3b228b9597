"""`/campaign posted` and `/campaign reach`: members report what they published, organizers read the reach.

A mixin of the campaigns cog (`cog.py` lists it among its bases), so these commands join the `/campaign`
group while living apart from the sign-up commands.
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import organizer_only
from bot.core import CoalitionBot
from bot.replies import defer, reply, truncate
from bot.usecases import App
from cogs.campaigns import chart, platforms
from cogs.campaigns.reach_views import PostedButton, PostedModal, reach_embed
from cogs.campaigns.service import lifecycle
from cogs.campaigns.service import reach as reach_service

REACH_ITEMS = (PostedButton,)
NO_PINGS = discord.AllowedMentions.none()


class ReachCommands(commands.Cog):
    """The reach commands and the "I posted" form's handler (a base of the campaigns cog, never loaded alone)."""

    bot: CoalitionBot
    app: App

    async def reach_campaign_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await lifecycle.campaign_choices(
            self.app, guild_id=interaction.guild_id, search=current, include_closed=True
        )
        return [app_commands.Choice(name=truncate(c.title, 100), value=str(c.id)) for c in found[:25]]

    @app_commands.command(name="posted")
    @app_commands.describe(
        campaign="The campaign you posted for",
        url="The public link to what you published (https://...)",
        note="Anything organizers should know (optional)",
    )
    @app_commands.autocomplete(campaign=reach_campaign_autocomplete)
    async def posted(
        self,
        interaction: discord.Interaction,
        campaign: str,
        url: app_commands.Range[str, 1, 500],
        note: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """Report a post, article or video you published for a campaign."""
        await self.report_post(interaction, campaign, url, note)

    async def report_post(
        self, interaction: discord.Interaction, campaign: str, url: str, note: str | None
    ) -> None:
        """Record the post (from the command or the card's form) and thank the member."""
        assert interaction.guild_id is not None
        recorded = await reach_service.report_post(
            self.app,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            campaign=campaign,
            url=url,
            note=note,
        )
        where = platforms.LABELS.get(recorded.platform, "the web")
        await reply(
            interaction,
            f"Thank you! Your post on {where} for **{recorded.campaign_title}** is counted: <{recorded.url}>",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="reach")
    @app_commands.describe(campaign="The campaign whose reported posts to show")
    @app_commands.autocomplete(campaign=reach_campaign_autocomplete)
    @organizer_only()
    async def reach(self, interaction: discord.Interaction, campaign: str) -> None:
        """Show the posts members reported, per slot and platform, with a chart (organizers)."""
        assert interaction.guild_id is not None
        await defer(interaction)
        found = await reach_service.reach_of(self.app, guild_id=interaction.guild_id, campaign=campaign)
        if not found.posts:
            await reply(interaction, embed=reach_embed(found, chart_name=None), ephemeral=True)
            return
        labels = [platforms.LABELS.get(name, name) for name, _ in found.per_platform]
        counts = [count for _, count in found.per_platform]
        png = await asyncio.to_thread(chart.render_reach_chart, found.title, labels, counts)
        filename = f"campaign-{found.id}-reach.png"
        await reply(
            interaction,
            embed=reach_embed(found, chart_name=filename),
            file=discord.File(io.BytesIO(png), filename=filename),
            ephemeral=True,
        )


__all__ = ["REACH_ITEMS", "PostedModal", "ReachCommands"]
