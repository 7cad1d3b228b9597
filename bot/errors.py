"""Errors whose text is for the person who caused them, and how any interaction error is answered."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from db.engine import DatabaseBusy

log = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, something went wrong on our side. It has been logged for the organizers; please try again later."
)


class UserFacingError(Exception):
    """A mistake or refusal the member can act on; its message is shown to them, ephemerally."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserFacingError):
    """The thing asked for does not exist (any more) in this server."""


class NotOrganizer(app_commands.CheckFailure):
    """The caller is neither a Manage Server holder nor in the organizer role."""

    def __init__(self) -> None:
        super().__init__(
            "Only organizers can do that: you need Manage Server or the organizer role set with `/setup role`."
        )


def user_message(error: BaseException) -> str | None:
    """The text to show for an expected error, or None when the error is a bug to log."""
    original = error
    while isinstance(original, (app_commands.CommandInvokeError, app_commands.TransformerError)) and (
        original.__cause__ is not None or getattr(original, "original", None) is not None
    ):
        if isinstance(original, app_commands.TransformerError):
            if isinstance(original.__cause__, UserFacingError):
                return original.__cause__.message
            return f"I could not understand {original.value!r} for that option. Please pick one of the suggestions."
        original = getattr(original, "original", None) or original.__cause__  # type: ignore[assignment]  # the chain narrows to BaseException
    if isinstance(original, UserFacingError):
        return original.message
    if isinstance(original, DatabaseBusy):
        return original.message
    if isinstance(original, app_commands.NoPrivateMessage):
        return "That command only works inside a server, not in DMs."
    if isinstance(original, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {original.retry_after:.0f} seconds."
    if isinstance(original, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in original.missing_permissions)
        return (
            f"I am missing the {missing} permission here. An organizer can fix it; `/setup check` shows how."
        )
    if isinstance(original, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in original.missing_permissions)
        return f"You need the {missing} permission for that."
    if isinstance(original, app_commands.CheckFailure):
        return str(original) or "You cannot use that command here."
    return None


def is_user_facing(error: BaseException) -> bool:
    return user_message(error) is not None


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Show an expected error to the member, or log a bug with its context and apologise."""
    from bot.replies import reply

    text = user_message(error)
    if text is None:
        command = interaction.command.qualified_name if interaction.command else None
        custom_id = (interaction.data or {}).get("custom_id") if interaction.data else None
        log.error(
            "Interaction failed: command=%s component=%s guild=%s user=%s",
            command,
            custom_id,
            interaction.guild_id,
            interaction.user.id if interaction.user else None,
            exc_info=error,
        )
        text = APOLOGY
    try:
        await reply(interaction, text, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not tell user %s about an error", interaction.user.id, exc_info=True)
