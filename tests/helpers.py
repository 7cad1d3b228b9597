"""Small helpers for SimCord tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import discord
from sqlalchemy import event


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


TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


class StatementCounter:
    """Statements the bot's engine runs, per transaction, in the order the transactions began.

    Transaction control (BEGIN, SAVEPOINT…) is left out: PostgreSQL's driver does not send it as a statement.
    """

    def __init__(self, coalition: Any) -> None:
        self.transactions: list[list[str]] = []
        self.engine = coalition.bot.database.engine.sync_engine
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "before_cursor_execute", self._count)

    def _begin(self, *_args: object) -> None:
        self.transactions.append([])

    def _count(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.split(None, 1)[0].upper() in TRANSACTION_CONTROL:
            return
        if not self.transactions:
            self.transactions.append([])
        self.transactions[-1].append(statement)

    def take(self) -> list[int]:
        """Statements per transaction since the last call."""
        counted, self.transactions = self.transactions, []
        return [len(statements) for statements in counted if statements]


def in_days(days: float) -> str:
    """A time `days` from now, as an organizer types it."""
    return (discord.utils.utcnow() + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


async def post_card_and_poll(coalition: Any) -> Any:
    """Campaign #1 with one single-place slot, its card posted, and a two-option poll: the hot paths' world."""
    organizer, general = coalition.organizer, coalition.general
    await organizer.slash(
        general,
        "campaign create",
        title="Heat safety week",
        description="Op-eds on extreme heat.",
        start=in_days(10),
        end=in_days(11),
        signup_deadline=in_days(9),
        timezone="UTC",
    )
    await organizer.slash(general, "campaign slot add", campaign="1", name="Op-ed author", capacity=1)
    await organizer.slash(general, "campaign post", campaign="1")
    await organizer.slash(
        general, "poll create", question="Which first?", options="Parks | Transit", closes="2d"
    )
    return coalition
