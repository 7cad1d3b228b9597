"""Setup use cases: where the bot posts, which roles mean what, the code of conduct, and what a check needs.

Each function is one unit of work (`app.work()`) and returns frozen results; nothing here speaks Discord.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.text import CODE_OF_CONDUCT
from bot.usecases import App
from db import disciplines, guilds
from db.guilds import ALL_CHANNEL_PURPOSES, ROLE_PURPOSES, ChannelPurpose, GuildConfig, RolePurpose


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """A guild's configuration as the bot reads it: channel and role ids by purpose (None when unset)."""

    id: int
    channels: tuple[tuple[ChannelPurpose, int | None], ...]
    roles: tuple[tuple[RolePurpose, int | None], ...]
    code_of_conduct: str | None

    def channel_id(self, purpose: ChannelPurpose) -> int | None:
        return dict(self.channels).get(purpose)

    def role_id(self, purpose: RolePurpose) -> int | None:
        return dict(self.roles).get(purpose)


@dataclass(frozen=True, slots=True)
class CheckInputs:
    """What `/setup check` reads from the database: the settings and the roles the catalog hands out."""

    settings: GuildSettings
    discipline_role_ids: frozenset[int]
    # Roles an organizer mapped (or adopted by name long ago): checked for channel overwrites that lift them.
    mapped_role_ids: frozenset[int] = frozenset()


def _settings(config: GuildConfig) -> GuildSettings:
    return GuildSettings(
        id=config.guild_id,
        channels=tuple((purpose, config.channel_id(purpose)) for purpose in ALL_CHANNEL_PURPOSES),
        roles=tuple((purpose, config.role_id(purpose)) for purpose in ROLE_PURPOSES),
        code_of_conduct=config.code_of_conduct,
    )


async def settings(app: App, guild_id: int) -> GuildSettings:
    """The guild's configuration (every purpose unset for a guild never configured)."""
    async with app.work() as work:
        return _settings(await guilds.get_config(work.session, guild_id))


async def check_inputs(app: App, guild_id: int) -> CheckInputs:
    """The configuration and the catalog's roles, read together for `/setup check`."""
    async with app.work() as work:
        config = await guilds.get_config(work.session, guild_id)
        catalog = await disciplines.list_disciplines(work.session, guild_id)
        role_ids = frozenset(d.role_id for d in catalog if d.role_id is not None)
        mapped = frozenset(d.role_id for d in catalog if d.role_id is not None and d.role_origin != "created")
        return CheckInputs(_settings(config), role_ids, mapped)


async def set_channel(
    app: App, *, guild_id: int, actor_id: int, purpose: ChannelPurpose, channel_id: int | None
) -> str:
    """Set or unset the channel for a purpose; returns the sentence said to the organizer and audited."""
    said = (
        f"The {purpose} channel is now <#{channel_id}>."
        if channel_id is not None
        else f"The {purpose} channel is unset."
    )
    async with app.work() as work:
        await guilds.set_channel(work.session, guild_id, purpose, channel_id, work.now)
        await work.audit(guild_id, actor_id, "setup.channel", said)
    return said


async def set_role(
    app: App, *, guild_id: int, actor_id: int, purpose: RolePurpose, role_id: int | None, note: str = ""
) -> str:
    """Set or unset the role for a purpose; returns the sentence said to the organizer and audited."""
    said = (
        f"The {purpose} role is now <@&{role_id}>."
        if role_id is not None
        else f"The {purpose} role is unset."
    )
    said += note
    async with app.work() as work:
        await guilds.set_role(work.session, guild_id, purpose, role_id, work.now)
        await work.audit(guild_id, actor_id, "setup.role", said)
    return said


async def save_code_of_conduct(app: App, *, guild_id: int, actor_id: int, text: str) -> int:
    """Store the code of conduct new members agree to, cleaned (bot/text.py); returns its length."""
    text = CODE_OF_CONDUCT.clean(text)
    async with app.work() as work:
        await guilds.set_code_of_conduct(work.session, guild_id, text, work.now)
        await work.audit(guild_id, actor_id, "setup.code_of_conduct", f"{len(text)} characters")
    return len(text)


async def record_welcome_post(app: App, *, guild_id: int, actor_id: int, channel_id: int) -> str:
    """Audit that the Start button was posted; returns the sentence said to the organizer."""
    said = f"Posted the Start button in <#{channel_id}>."
    async with app.work() as work:
        await work.audit(guild_id, actor_id, "setup.welcome_post", said)
    return said
