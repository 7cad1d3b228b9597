"""The organizer check: Manage Server, or the organizer role set with `/setup role`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.errors import NotOrganizer

if TYPE_CHECKING:
    from bot.core import CoalitionBot

T = TypeVar("T")


async def is_organizer(
    bot: CoalitionBot, member: discord.abc.User | None, guild: discord.Guild | None
) -> bool:
    """True when the member may run organizer actions in this guild."""
    if guild is None or not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    config = await bot.guild_config(guild.id)
    return config.organizer_role_id is not None and member.get_role(config.organizer_role_id) is not None


async def ensure_organizer(interaction: discord.Interaction) -> None:
    """Raise NotOrganizer unless the caller is an organizer (for buttons and other non-command paths)."""
    if not await is_organizer(interaction.client, interaction.user, interaction.guild):  # type: ignore[arg-type]  # the client here is always the CoalitionBot
        raise NotOrganizer()


def organizer_only() -> Any:
    """Hide a command from non-managers by default and check at run time, since admins can widen who sees it."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        await ensure_organizer(interaction)
        return True

    def decorator(func: T) -> T:
        # Discord applies default permissions to top-level commands only; on a subcommand of a mixed
        # group (/campaign) the run-time check below is what guards it.
        func = app_commands.default_permissions(manage_guild=True)(func)
        func.__organizer_only__ = True  # type: ignore[attr-defined]  # read by /help
        return app_commands.check(predicate)(func)

    return decorator


def needs_organizer(command: app_commands.Command[Any, ..., Any]) -> bool:
    """True when the command is marked organizer-only (so /help hides it from members)."""
    return bool(getattr(command.callback, "__organizer_only__", False))
