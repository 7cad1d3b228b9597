"""What members see of profiles: the profile card, the edit forms and the interests menu."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import discord
from discord.ext import commands

from bot.errors import UserFacingError
from bot.replies import truncate
from bot.ui import PersistentSelect
from cogs.onboarding import steps
from cogs.onboarding.views import COLOUR, SectionForm, interest_select, safe
from cogs.profiles.service import ProfileCard

if TYPE_CHECKING:
    from cogs.profiles.cog import ProfilesCog


def _cog(interaction: discord.Interaction) -> ProfilesCog:
    client = interaction.client
    cog = client.get_cog("Profiles") if isinstance(client, commands.Bot) else None
    if cog is None:
        raise UserFacingError("Profiles are not available right now; please try again in a minute.")
    return cast("ProfilesCog", cog)


def profile_embed(card: ProfileCard, *, title: str) -> discord.Embed:
    embed = discord.Embed(title=truncate(title, 256), colour=COLOUR)
    for name, value in card.summary_fields().items():
        embed.add_field(name=name, value=safe(value), inline=True)
    embed.add_field(
        name="Disciplines",
        value=truncate(", ".join(safe(n) for n in card.disciplines) or "none", 1024),
        inline=False,
    )
    interests = "\n".join(steps.interest_label(v) for v in card.interests)
    embed.add_field(name="Interests", value=truncate(interests or "none", 1024), inline=False)
    embed.add_field(name="Directory", value="listed" if card.listed else "not listed", inline=False)
    return embed


class ProfileEditForm(SectionForm, id="profiles:edit:{section:about|workplace}:{guild_id:int}"):
    """`/profile edit`'s form for one section; it still saves when submitted after a restart."""

    async def saved(self, interaction: discord.Interaction, clean: dict[str, str | None]) -> None:
        await _cog(interaction).on_form_saved(interaction, self.guild_id, clean)


class InterestsEdit(PersistentSelect, id="profiles:interests:{guild_id:int}"):
    """`/profile edit section:interests`: picks replace the member's interests."""

    def __init__(self, guild_id: int, chosen: Sequence[str] = ()) -> None:
        super().__init__(interest_select(self.make_id(guild_id=guild_id), chosen))
        self.guild_id = guild_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).on_interests_picked(interaction, self.guild_id, list(self.item.values))


def interests_view(guild_id: int, chosen: Sequence[str]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(InterestsEdit(guild_id, chosen))
    return view
