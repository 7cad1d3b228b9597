"""`/campaign template save|list|delete`: campaign templates (organizers).

A base of the campaigns cog (`cog.py` lists it), so the `template` group joins `/campaign`.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import organizer_only
from bot.core import CoalitionBot
from bot.replies import defer, reply, truncate
from bot.usecases import App
from cogs.campaigns.kit_commands import campaign_choices
from cogs.campaigns.service import templates
from cogs.campaigns.service.results import CampaignInfo


async def template_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """This server's templates whose name contains what was typed."""
    cog = interaction.client.get_cog("Campaigns") if isinstance(interaction.client, commands.Bot) else None
    if interaction.guild_id is None or not isinstance(cog, TemplateCommands):
        return []
    found = await templates.list_templates(cog.app, guild_id=interaction.guild_id, search=current)
    return [app_commands.Choice(name=truncate(t.name, 100), value=str(t.id)) for t in found[:25]]


class TemplateCommands(commands.Cog):
    """The template commands (a base of the campaigns cog, never loaded alone)."""

    bot: CoalitionBot
    app: App
    template = app_commands.Group(
        name="template", description="Save and reuse campaign templates (organizers)"
    )

    @template.command(name="save")
    @app_commands.describe(campaign="The campaign to copy", name="The template's name")
    @app_commands.autocomplete(campaign=campaign_choices)
    @organizer_only()
    async def template_save(self, interaction: discord.Interaction, campaign: str, name: str) -> None:
        """Save a campaign's slots, capacities, needs and kit as a template (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        saved = await templates.save_template(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=campaign,
            name=name,
        )
        await reply(
            interaction,
            f"Saved the template **{saved.name}** ({saved.slots} slot(s), {saved.kit_entries} kit entries). "
            "Use it with `/campaign create template:`.",
            ephemeral=True,
        )

    @template.command(name="list")
    @organizer_only()
    async def template_list(self, interaction: discord.Interaction) -> None:
        """List this server's campaign templates (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        found = await templates.list_templates(self.app, guild_id=interaction.guild_id)
        if not found:
            await reply(
                interaction, "No templates yet: save one with `/campaign template save`.", ephemeral=True
            )
            return
        lines = [f"• **{t.name}**: {t.slots} slot(s), {t.kit_entries} kit entries" for t in found]
        await reply(interaction, truncate("\n".join(lines), 2000), ephemeral=True)

    @template.command(name="delete")
    @app_commands.describe(name="The template to delete")
    @app_commands.autocomplete(name=template_choices)
    @organizer_only()
    async def template_delete(self, interaction: discord.Interaction, name: str) -> None:
        """Delete a campaign template; campaigns made from it stay (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        gone = await templates.delete_template(
            self.app, guild_id=interaction.guild_id, actor_id=interaction.user.id, template=name
        )
        await reply(interaction, f"Deleted the template **{gone.name}**.", ephemeral=True)


def render_series(created: tuple[CampaignInfo, ...]) -> str:
    """The answer to a series created at once: each occurrence and its start."""
    lines = [f"Created {len(created)} campaigns, each with its own card to post (`/campaign post`):"]
    lines += [f"• **{c.title}** (#{c.id}), {discord.utils.format_dt(c.starts_at, 'F')}" for c in created]
    return truncate("\n".join(lines), 2000)
