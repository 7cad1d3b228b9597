"""The media kit as members see it, the organizers' form for its words, and its lines in reminders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.replies import truncate
from bot.ui import PersistentModal
from bot.usecases import App
from cogs.campaigns.service import kit as kit_service
from cogs.campaigns.service.kit import Kit
from db.campaigns.kit import HASHTAGS_MAX, KIT_TEXT_MAX

if TYPE_CHECKING:
    from cogs.campaigns.kit_commands import KitCommands

REMINDER_KIT_MAX = 600  # the kit's share of a reminder DM (2000 characters in all)


def _cog(interaction: discord.Interaction) -> KitCommands:
    from cogs.campaigns.kit_commands import KitCommands  # the cog imports this module
    from cogs.campaigns.views import COG_NAME

    client = interaction.client
    cog = client.get_cog(COG_NAME) if isinstance(client, commands.Bot) else None
    if not isinstance(cog, KitCommands):
        raise RuntimeError("the Campaigns cog is not loaded")
    return cog


def _entries(kit: Kit) -> str:
    return "\n".join(f"• [{truncate(e.title, 80)}]({e.url})" for e in kit.entries)


def kit_embed(kit: Kit) -> discord.Embed:
    """The kit: resources and links, talking points, key messages, hashtags."""
    embed = discord.Embed(title=truncate(f"Media kit: {kit.title}", 256), colour=discord.Colour.gold())
    if kit.empty:
        embed.description = "This kit is empty so far: organizers fill it with `/campaign kit-edit`."
    if kit.entries:
        embed.add_field(name="Resources", value=truncate(_entries(kit), 1024), inline=False)
    if kit.talking_points:
        embed.add_field(name="Talking points", value=truncate(kit.talking_points, 1024), inline=False)
    if kit.key_messages:
        embed.add_field(name="Key messages", value=truncate(kit.key_messages, 1024), inline=False)
    if kit.hashtags:
        embed.add_field(name="Hashtags", value=truncate(kit.hashtags, 1024), inline=False)
    embed.set_footer(text=f"Campaign #{kit.id}")
    return embed


async def reminder_kit_lines(app: App, campaign_id: int) -> str:
    """The kit's short form for a reminder DM ("" when the kit is empty)."""
    kit = await kit_service.reminder_kit(app, campaign_id=campaign_id)
    if kit is None or kit.empty:
        return ""
    lines = ["", "**Your media kit** (`/campaign kit` shows all of it):"]
    lines += [f"• {truncate(e.title, 60)}: <{e.url}>" for e in kit.entries[:5]]
    if kit.key_messages:
        lines.append("Key messages: " + truncate(kit.key_messages, 200))
    if kit.hashtags:
        lines.append("Hashtags: " + kit.hashtags)
    return truncate("\n".join(lines), REMINDER_KIT_MAX)


class KitWordsModal(PersistentModal, title="The media kit's words", id="campaign:kit-form:{campaign_id:int}"):
    """Talking points, hashtags and key messages, up to what a form holds."""

    talking_points: discord.ui.TextInput[KitWordsModal] = discord.ui.TextInput(
        label="Talking points",
        custom_id="campaign:kit:talking_points",
        style=discord.TextStyle.paragraph,
        max_length=KIT_TEXT_MAX,
        required=False,
    )
    key_messages: discord.ui.TextInput[KitWordsModal] = discord.ui.TextInput(
        label="Key messages",
        custom_id="campaign:kit:key_messages",
        style=discord.TextStyle.paragraph,
        max_length=KIT_TEXT_MAX,
        required=False,
    )
    hashtags: discord.ui.TextInput[KitWordsModal] = discord.ui.TextInput(
        label="Hashtags",
        custom_id="campaign:kit:hashtags",
        placeholder="#HeatSafety #CoolingCenters",
        max_length=HASHTAGS_MAX,
        required=False,
    )

    def __init__(self, campaign_id: int, current: Kit | None = None) -> None:
        super().__init__(custom_id=self.make_id(campaign_id=campaign_id))
        self.campaign_id = campaign_id
        if current is not None:
            self.talking_points.default = current.talking_points or None
            self.key_messages.default = current.key_messages or None
            self.hashtags.default = current.hashtags or None

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).save_kit_words(
            interaction,
            self.campaign_id,
            talking_points=self.talking_points.value or "",
            key_messages=self.key_messages.value or "",
            hashtags=self.hashtags.value or "",
        )
