"""The Bot: loads every feature, syncs commands when they changed, and runs the scheduler."""

from __future__ import annotations

import hashlib
import json
import logging
import pkgutil
from typing import Any

import discord
from discord.ext import commands

import cogs
from bot.paginator import PageArrow
from bot.replies import truncate
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.tree import CoalitionTree
from bot.ui import answer_unclaimed
from bot.usecases import App, AuditNotice
from db import jobs, state
from db.engine import Database
from db.guilds import ChannelPurpose, GuildConfig, get_config

log = logging.getLogger(__name__)

# Text typed by members reaches many messages; nothing the bot sends may ping @everyone, @here or a role
# unless a feature asks for exactly the users it means (the roll call does).
SAFE_MENTIONS = discord.AllowedMentions(everyone=False, roles=False, users=False, replied_user=False)


def feature_extensions() -> list[str]:
    """Every feature package under cogs/, in a stable order."""
    return sorted(f"cogs.{info.name}" for info in pkgutil.iter_modules(cogs.__path__) if info.ispkg)


def intents(*, members: bool = True) -> discord.Intents:
    wanted = discord.Intents.default()
    # Privileged: joins, leaves and role changes drive onboarding and the directory. Without it the bot
    # still answers commands, and `/setup check` tells organizers to grant it.
    wanted.members = members
    wanted.message_content = False
    return wanted


class CoalitionBot(commands.Bot):
    def __init__(
        self, settings: Settings, database: Database, *, members_intent: bool = True, **options: Any
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(members=members_intent),
            allowed_mentions=SAFE_MENTIONS,
            tree_cls=CoalitionTree,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.database = database
        shards = (
            jobs.Shards(settings.shard_count, settings.shard_ids)
            if settings.shard_count is not None and settings.shard_ids is not None
            else None
        )
        self.scheduler = Scheduler(database, shards=shards)
        # What every feature's use cases run on (cogs/<feature>/service.py).
        self.app = App(database, self.scheduler, audit_sink=self.post_audit)

    async def setup_hook(self) -> None:
        # The paginator's arrows are shared by every feature's lists.
        self.add_dynamic_items(PageArrow)
        for extension in feature_extensions():
            await self.load_extension(extension)
        await self.sync_commands_if_changed()
        self.scheduler.start(before=self.wait_until_ready)

    async def close(self) -> None:
        await self.scheduler.stop()
        await super().close()

    async def sync_commands_if_changed(self) -> None:
        """Sync to DEV_GUILD_ID when set, globally otherwise, and only when the command set changed."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
        key = f"commands:{guild.id if guild else 'global'}:{self.application_id}"
        async with self.database.session() as session:
            if await state.get_value(session, key) == digest:
                log.info("Commands unchanged since the last sync; not syncing")
                return
        synced = await self.tree.sync(guild=guild)
        async with self.database.session() as session:
            await state.set_value(session, key, digest)
        log.info("Synced %d commands %s", len(synced), f"to guild {guild.id}" if guild else "globally")

    async def post_audit(self, notice: AuditNotice) -> None:
        """Post a committed organizer action to the audit channel, if one is set (pinging nobody)."""
        channel = await self.configured_channel(notice.guild_id, "audit")
        if channel is None:
            return
        actor = f"<@{notice.actor_id}>" if notice.actor_id else "the bot"
        try:
            await channel.send(
                truncate(f"**{notice.action}** by {actor}: {notice.detail}", 2000),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.warning("Could not post to the audit channel of guild %s", notice.guild_id, exc_info=True)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await answer_unclaimed(self, interaction)

    async def on_ready(self) -> None:
        log.info("Connected as %s in %d servers", self.user, len(self.guilds))

    async def guild_config(self, guild_id: int) -> GuildConfig:
        async with self.database.session() as session:
            return await get_config(session, guild_id)

    async def configured_channel(self, guild_id: int, purpose: ChannelPurpose) -> discord.TextChannel | None:
        """The guild's channel for this purpose, if it is set and still exists."""
        config = await self.guild_config(guild_id)
        channel_id = config.channel_id(purpose)
        guild = self.get_guild(guild_id)
        if channel_id is None or guild is None:
            return None
        channel = guild.get_channel(channel_id)
        return channel if isinstance(channel, discord.TextChannel) else None


class ShardedCoalitionBot(CoalitionBot, commands.AutoShardedBot):
    """The same bot on discord.py's sharded client: this process runs the shards SHARD_IDS of SHARD_COUNT."""


def build_bot(settings: Settings, database: Database, **options: Any) -> CoalitionBot:
    """The bot for these settings: sharded when SHARD_COUNT is set, a plain client otherwise."""
    if settings.shard_count is None:
        return CoalitionBot(settings, database, **options)
    return ShardedCoalitionBot(
        settings,
        database,
        shard_count=settings.shard_count,
        shard_ids=list(settings.shard_ids or range(settings.shard_count)),
        **options,
    )
