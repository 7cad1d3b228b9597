"""A shared bench harness: a SimCord world, a bare bot that only acknowledges, and simultaneous clicks.

The API (used by the campaign burst bench and test, and meant for the polls bench too):

- `await open_world(bot, members=200)` -> `World`: starts SimCord around `bot` with a guild, an
  organizer (Manage Server), a `#campaigns` and a `#general` channel and `members` plain members.
  `await world.close()` shuts it down (one live world per event loop).
- `BareBot()`: a discord.py client that answers every component interaction with a deferred update (and
  every slash command with a one-line ephemeral message) and does nothing else: the baseline every figure
  is divided by. `post_button(world, custom_id)` puts a
  message with one button in `#general` for it (written straight into SimCord, as the bare bot has no
  commands); `post_buttons(env, channel_id, custom_ids)` does the same in any channel.
- `click_payload(env, actor, message, custom_id)`: a raw INTERACTION_CREATE payload for `actor` clicking
  the button `custom_id` on `message`, built the way SimCord's actors build theirs (with
  `forge_from=` the button's id in the copied message is replaced, to simulate a forged custom_id).
- `await burst(env, clicks)`: emit every payload at once, then settle once; returns a `BurstResult`
  with the SimCord interaction records (`.answered` counts those that got a response) and the wall time.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from simcord import interactions as sim_interactions
from simcord.backend import serializers
from simcord.enums import ComponentType, InteractionType
from simcord.env import Env
from simcord.results import InteractionResult

from bot.core import CoalitionBot
from bot.settings import Settings
from db import migrate
from db.engine import Database


@dataclass
class World:
    env: Env
    guild: Any
    organizer: Any
    campaigns: Any
    general: Any
    members: list[Any] = field(default_factory=list)

    async def close(self) -> None:
        await self.env.shutdown()


async def open_world(
    bot: discord.Client, *, members: int = 200, settle_timeout: float | None = None
) -> World:
    """Start SimCord around `bot` with a small server and `members` members."""
    env = Env(bot, settle_timeout=settle_timeout) if settle_timeout else Env(bot)
    await env.start()
    guild = env.create_guild("Bench coalition")
    general = guild.create_text_channel("general")
    campaigns = guild.create_text_channel("campaigns")
    organizers = guild.create_role("Organizers", permissions=discord.Permissions(manage_guild=True))
    organizer = guild.add_member(env.create_user("organizer"), roles=[organizers])
    people = [guild.add_member(env.create_user(f"member{index:04d}")) for index in range(members)]
    await env.settle()
    return World(env, guild, organizer, campaigns, general, people)


async def open_coalition_world(workdir: Path, name: str, members: int) -> tuple[World, Database, list[Any]]:
    """The coalition bot on a fresh migrated SQLite file in `workdir`, and `members` newcomers who joined.

    Joins run the bot's onboarding for each newcomer, so they land in batches before any burst starts.
    """
    url = f"sqlite+aiosqlite:///{workdir / name}"
    database = Database(url)
    await migrate.upgrade(database)
    bot = CoalitionBot(Settings(discord_token=None, database_url=url), database)
    world = await open_world(bot, members=0, settle_timeout=600)
    people = []
    for index in range(members):
        people.append(world.guild.add_member(world.env.create_user(f"member{index:04d}")))
        if index % 20 == 19:
            await world.env.settle()
    await world.env.settle()
    return world, database, people


class BareBot(discord.Client):
    """The baseline: acknowledges every click with a deferred update and every command with a line, nothing more."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        super().__init__(intents=intents or discord.Intents.default())
        self.acknowledged = 0

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type == discord.InteractionType.component:
            await interaction.response.defer()
            self.acknowledged += 1
        elif interaction.type == discord.InteractionType.application_command:
            await interaction.response.send_message("Done.", ephemeral=True)
            self.acknowledged += 1


def post_button(world: World, custom_id: str, label: str = "Sign up") -> Any:
    """Put a message from the bot with one button into #general (for the bare bot); returns the stored message."""
    return post_buttons(world.env, world.general.id, [custom_id], label=label)


def post_buttons(
    env: Env, channel_id: int, custom_ids: Sequence[str], *, label: str = "Go", content: str = "Bench card"
) -> Any:
    """Put a message from the bot with one button per custom id (at most 25) into a channel; return it."""
    backend = env.backend
    buttons = [{"type": 2, "style": 1, "label": label, "custom_id": custom_id} for custom_id in custom_ids]
    rows = [{"type": 1, "components": buttons[start : start + 5]} for start in range(0, len(buttons), 5)]
    return backend.create_message(channel_id, backend.bot_user.id, content, components=rows)


def stored_message(env: Env, message: Any) -> Any:
    """The backend's copy of a message (accepts discord.Message, SimCord results or stored messages)."""
    channel_id = getattr(message, "channel_id", None) or message.channel.id
    return env.backend.get_message(channel_id, message.id)


def click_payload(
    env: Env, actor: Any, message: Any, custom_id: str, *, forge_from: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """A raw INTERACTION_CREATE payload for `actor` clicking `custom_id` on `message`."""
    stored = stored_message(env, message)
    backend = env.backend
    record, payload = sim_interactions.base_payload(
        backend,
        type=InteractionType.MESSAGE_COMPONENT,
        channel_id=stored.channel_id,
        guild_id=actor.guild.id,
        user_id=actor.id,
        data={"custom_id": custom_id, "component_type": ComponentType.BUTTON},
    )
    message_payload: dict[str, Any] = copy.deepcopy(dict(serializers.message_payload(backend, stored)))
    if forge_from is not None:
        _replace_custom_id(message_payload.get("components") or [], forge_from, custom_id)
    payload["message"] = message_payload
    record.source_message_id = stored.id
    return record, payload


def command_payload(
    env: Env, actor: Any, channel: Any, name: str, options: dict[str, str | int] | None = None
) -> tuple[Any, dict[str, Any]]:
    """A raw INTERACTION_CREATE payload for `actor` running the slash command `name` ("group sub") in `channel`."""
    backend = env.backend
    parts = name.split()
    root = backend.find_command(parts[0], actor.guild.id, type=1)
    typed: list[dict[str, Any]] = [
        {"type": 3 if isinstance(value, str) else 4, "name": key, "value": value}
        for key, value in (options or {}).items()
    ]
    # The innermost name is a subcommand (type 1), any name between it and the root a group (type 2).
    for depth, part in enumerate(reversed(parts[1:])):
        typed = [{"type": 1 if depth == 0 else 2, "name": part, "options": typed}]
    data: dict[str, Any] = {
        "id": root["id"] if root else str(backend.snowflake()),
        "name": parts[0],
        "type": 1,
        "options": typed,
    }
    if root and root.get("guild_id"):
        data["guild_id"] = root["guild_id"]
    return sim_interactions.base_payload(
        backend,
        type=InteractionType.APPLICATION_COMMAND,
        channel_id=channel.id,
        guild_id=actor.guild.id,
        user_id=actor.id,
        data=data,
    )


def _replace_custom_id(components: list[dict[str, Any]], old: str, new: str) -> None:
    for component in components:
        if component.get("custom_id") == old:
            component["custom_id"] = new
        _replace_custom_id(component.get("components") or [], old, new)


@dataclass
class BurstResult:
    results: list[InteractionResult]
    seconds: float

    @property
    def answered(self) -> int:
        return sum(1 for result in self.results if result.acknowledged)

    @property
    def per_second(self) -> float:
        return len(self.results) / self.seconds if self.seconds else float("inf")


async def burst(env: Env, clicks: Sequence[tuple[Any, dict[str, Any]]]) -> BurstResult:
    """Emit every interaction payload at once, then settle once."""
    started = time.perf_counter()
    for _record, payload in clicks:
        env.backend.emit("INTERACTION_CREATE", payload)
    await env.settle()
    seconds = time.perf_counter() - started
    return BurstResult([InteractionResult(env, record) for record, _ in clicks], seconds)
