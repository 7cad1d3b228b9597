"""Small helpers for SimCord tests."""

from __future__ import annotations

from typing import Any


def let_everyone_see(env: Any, guild: Any, command: str) -> None:
    """Do what a server admin does in Integrations settings: let @everyone see an organizer command.

    Discord hides commands with default permissions from members; an admin can widen that, which is why
    organizer commands also check at run time. Tests use this to prove the run-time check holds.
    """
    found = env.backend.find_command(command, guild.id)
    assert found is not None, f"/{command} is not registered"
    # The @everyone role's id is the guild's id.
    env.backend.set_command_permissions(
        guild.id, int(found["id"]), [{"id": str(guild.id), "type": 1, "permission": True}]
    )


def last_bot_message(env: Any, channel: Any) -> Any:
    """The newest message the bot posted in a channel (as SimCord stores it), or None."""
    bot_id = env.bot.user.id
    messages = [m for m in env.backend.messages.get(channel.id, {}).values() if m.author_id == bot_id]
    return max(messages, key=lambda m: m.id) if messages else None
