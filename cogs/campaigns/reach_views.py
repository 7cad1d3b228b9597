"""The card's "I posted" button, its form, and the organizers' reach report."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.replies import truncate
from bot.ui import PersistentButton, PersistentModal
from cogs.campaigns import platforms
from cogs.campaigns.service.reach import Reach
from db.campaigns.reach import POST_NOTE_MAX, POST_URL_MAX

if TYPE_CHECKING:
    from cogs.campaigns.reach_commands import ReachCommands

NAMES_SHOWN = 40


def _cog(interaction: discord.Interaction) -> ReachCommands:
    from cogs.campaigns.reach_commands import ReachCommands  # the cog imports this module
    from cogs.campaigns.views import COG_NAME

    client = interaction.client
    cog = client.get_cog(COG_NAME) if isinstance(client, commands.Bot) else None
    if not isinstance(cog, ReachCommands):
        raise RuntimeError("the Campaigns cog is not loaded")
    return cog


class PostedButton(PersistentButton, id="campaign:posted:{campaign_id:int}"):
    """A confirmed member reports a post they published (opens the form)."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="I posted",
                emoji="📣",
                style=discord.ButtonStyle.primary,
                custom_id=self.make_id(campaign_id=campaign_id),
            )
        )
        self.campaign_id = campaign_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(PostedModal(self.campaign_id))


class PostedModal(
    PersistentModal, title="What did you publish?", id="campaign:posted-form:{campaign_id:int}"
):
    """The link of a published post and an optional note."""

    url: discord.ui.TextInput[PostedModal] = discord.ui.TextInput(
        label="Link to your post or article",
        custom_id="campaign:posted:url",
        placeholder="https://...",
        max_length=POST_URL_MAX,
    )
    note: discord.ui.TextInput[PostedModal] = discord.ui.TextInput(
        label="Note (optional)",
        custom_id="campaign:posted:note",
        max_length=POST_NOTE_MAX,
        required=False,
    )

    def __init__(self, campaign_id: int) -> None:
        super().__init__(custom_id=self.make_id(campaign_id=campaign_id))
        self.campaign_id = campaign_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).report_post(
            interaction, str(self.campaign_id), self.url.value, self.note.value
        )


def _lines(pairs: tuple[tuple[str, int], ...]) -> str:
    return "\n".join(f"{truncate(name, 80)}: **{count}**" for name, count in pairs) or "None yet"


def _mentions(user_ids: list[str]) -> str:
    shown = ", ".join(user_ids[:NAMES_SHOWN])
    more = f" and {len(user_ids) - NAMES_SHOWN} more" if len(user_ids) > NAMES_SHOWN else ""
    return truncate(shown + more, 1024) if user_ids else "Nobody"


def reach_embed(reach: Reach, *, chart_name: str | None) -> discord.Embed:
    """Posts per slot and per platform, who posted and who of the confirmed has not yet."""
    embed = discord.Embed(
        title=truncate(f"Reach: {reach.title}", 256),
        description=f"**{len(reach.posts)}** post(s) reported by **{len(reach.posters)}** member(s).",
        colour=discord.Colour.teal(),
    )
    per_platform = tuple((platforms.LABELS.get(name, name), count) for name, count in reach.per_platform)
    embed.add_field(name="Per slot", value=truncate(_lines(reach.per_slot), 1024), inline=True)
    embed.add_field(name="Per platform", value=truncate(_lines(per_platform), 1024), inline=True)
    posted = [f"<@{user_id}> ({count})" for user_id, count in reach.posters]
    embed.add_field(name=f"Posted ({len(posted)})", value=_mentions(posted), inline=False)
    waiting = [f"<@{user_id}>" for user_id in reach.not_yet]
    embed.add_field(
        name=f"Confirmed, not posted yet ({len(waiting)})", value=_mentions(waiting), inline=False
    )
    if chart_name:
        embed.set_image(url=f"attachment://{chart_name}")
    embed.set_footer(text=f"Campaign #{reach.id}")
    return embed
