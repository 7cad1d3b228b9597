"""`/setup`: where the bot posts, which roles mean what, the code of conduct, and a health check."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ensure_organizer, organizer_only
from bot.core import CoalitionBot
from bot.replies import defer, reply, truncate
from bot.ui import PersistentModal
from cogs.setup import service
from cogs.setup.diagnosis import Finding, diagnose
from db.guilds import ALL_CHANNEL_PURPOSES, CODE_OF_CONDUCT_MAX, ROLE_PURPOSES

log = logging.getLogger(__name__)

ChannelChoice = Literal["welcome", "introductions", "campaigns", "polls", "review", "audit", "announcements"]
RoleChoice = Literal["member", "organizer"]


class CodeOfConductModal(PersistentModal, id="setup:code_of_conduct:{guild_id:int}", title="Code of conduct"):
    """The code of conduct form; it still saves when submitted after a restart (it can take a while to write)."""

    text: discord.ui.TextInput[CodeOfConductModal] = discord.ui.TextInput(
        label="The code new members agree to",
        custom_id="setup:code_of_conduct:text",
        style=discord.TextStyle.paragraph,
        max_length=CODE_OF_CONDUCT_MAX,
        min_length=20,
    )

    def __init__(self, guild_id: int, current: str | None = None) -> None:
        super().__init__(custom_id=self.make_id(guild_id=guild_id))
        self.guild_id = guild_id
        if current:
            self.text.default = current

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # The form may be rebuilt from its id after a restart: check the server and the organizer again.
        if interaction.guild_id != self.guild_id:
            raise app_commands.NoPrivateMessage()
        await defer(interaction)
        await ensure_organizer(interaction)
        bot = interaction.client
        if not isinstance(bot, CoalitionBot):
            raise TypeError("the code of conduct form runs on the coalition bot")
        length = await service.save_code_of_conduct(
            bot.app, guild_id=self.guild_id, actor_id=interaction.user.id, text=self.text.value.strip()
        )
        await reply(
            interaction,
            f"Saved the code of conduct ({length} characters). New members see it during onboarding.",
            ephemeral=True,
        )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SetupCog(
    commands.GroupCog, group_name="setup", group_description="Configure the coalition bot for this server"
):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    @app_commands.command(name="show")
    @organizer_only()
    async def show(self, interaction: discord.Interaction) -> None:
        """Show this server's channels, roles and code of conduct."""
        await defer(interaction)
        config = await service.settings(self.bot.app, _guild(interaction).id)
        embed = discord.Embed(title="Coalition bot settings", colour=discord.Colour.blurple())
        channels = "\n".join(
            f"**{purpose}**: {_mention(config.channel_id(purpose), '#')}" for purpose in ALL_CHANNEL_PURPOSES
        )
        roles = "\n".join(
            f"**{purpose}**: {_mention(config.role_id(purpose), '@&')}" for purpose in ROLE_PURPOSES
        )
        embed.add_field(name="Channels", value=channels, inline=False)
        embed.add_field(name="Roles", value=roles, inline=False)
        coc = (
            truncate(config.code_of_conduct, 1000)
            if config.code_of_conduct
            else "not set (`/setup code-of-conduct`)"
        )
        embed.add_field(name="Code of conduct", value=coc, inline=False)
        embed.set_footer(text="Run /setup check to find anything that would stop the bot from working.")
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="channel")
    @app_commands.describe(purpose="What the channel is for", channel="The channel; leave empty to unset")
    @organizer_only()
    async def channel(
        self,
        interaction: discord.Interaction,
        purpose: ChannelChoice,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Choose where the bot posts welcomes, introductions, campaigns, polls, reviews, audit, announcements."""
        await defer(interaction)
        guild = _guild(interaction)
        if channel is not None:
            refusal = channel_refusal(guild, purpose, channel)
            if refusal is not None:
                await reply(interaction, refusal, ephemeral=True)
                return
        said = await service.set_channel(
            self.bot.app,
            guild_id=guild.id,
            actor_id=interaction.user.id,
            purpose=purpose,
            channel_id=channel.id if channel else None,
        )
        await reply(interaction, said, ephemeral=True)

    @app_commands.command(name="role")
    @app_commands.describe(purpose="What the role means", role="The role; leave empty to unset")
    @organizer_only()
    async def role(
        self, interaction: discord.Interaction, purpose: RoleChoice, role: discord.Role | None = None
    ) -> None:
        """Choose the member role (given after onboarding) or the organizer role."""
        await defer(interaction)
        guild = _guild(interaction)
        if role is not None and (role.is_default() or role.managed):
            await reply(
                interaction,
                f"{role.mention} is managed by Discord or an integration; pick an ordinary role.",
                ephemeral=True,
            )
            return
        note = ""
        if role is not None and purpose == "member" and role >= guild.me.top_role:
            note = f" Note: it is above my highest role, so I cannot give it until my role is moved above {role.mention}."
        said = await service.set_role(
            self.bot.app,
            guild_id=guild.id,
            actor_id=interaction.user.id,
            purpose=purpose,
            role_id=role.id if role else None,
            note=note,
        )
        await reply(interaction, said, ephemeral=True)

    @app_commands.command(name="code-of-conduct")
    @organizer_only()
    async def code_of_conduct(self, interaction: discord.Interaction) -> None:
        """Write or edit the code of conduct that new members agree to."""
        guild = _guild(interaction)
        config = await service.settings(self.bot.app, guild.id)
        await interaction.response.send_modal(CodeOfConductModal(guild.id, config.code_of_conduct))

    @app_commands.command(name="welcome-post")
    @organizer_only()
    async def welcome_post(self, interaction: discord.Interaction) -> None:
        """Post the onboarding Start button in the welcome channel."""
        await defer(interaction)
        from cogs.onboarding.views import start_view  # onboarding owns the button

        guild = _guild(interaction)
        channel = await self.bot.configured_channel(guild.id, "welcome")
        if channel is None:
            await reply(
                interaction,
                "Set the welcome channel first with `/setup channel purpose:welcome`.",
                ephemeral=True,
            )
            return
        embed = discord.Embed(
            title=f"Welcome to {guild.name}",
            description="New here? Press **Start** to set up your profile and disciplines (about 3 minutes). "
            "Only you will see the steps.",
            colour=discord.Colour.blurple(),
        )
        await channel.send(embed=embed, view=start_view(guild.id))
        said = await service.record_welcome_post(
            self.bot.app, guild_id=guild.id, actor_id=interaction.user.id, channel_id=channel.id
        )
        await reply(interaction, said, ephemeral=True)

    @app_commands.command(name="check")
    @organizer_only()
    async def check(self, interaction: discord.Interaction) -> None:
        """Find anything in the configuration that would stop the bot from working."""
        await defer(interaction)
        guild = _guild(interaction)
        inputs = await service.check_inputs(self.bot.app, guild.id)
        findings = diagnose(
            guild,
            inputs.settings,
            members_intent=self.bot.intents.members,
            managed_role_ids=set(inputs.discipline_role_ids),
            mapped_role_ids=set(inputs.mapped_role_ids),
        )
        await reply(interaction, embed=check_embed(findings), ephemeral=True)


def channel_refusal(guild: discord.Guild, purpose: ChannelChoice, channel: discord.TextChannel) -> str | None:
    """Why this channel cannot serve the purpose, as a fix; None when it can."""
    permissions = channel.permissions_for(guild.me)
    if not (permissions.view_channel and permissions.send_messages):
        return (
            f"I cannot post in {channel.mention}. Give my role View Channel and Send Messages there, "
            "then run this again."
        )
    if purpose == "announcements" and not channel.is_news():
        return (
            f"{channel.mention} is not an announcement channel, so servers that follow it would receive nothing. "
            "Make it one (Channel settings → Overview → Announcement Channel, in a Community server), or pick "
            "an announcement channel."
        )
    return None


def check_embed(findings: list[Finding]) -> discord.Embed:
    """Problems first (the title counts them), then advice; "All clear" when nothing stops the bot."""
    problems = [finding for finding in findings if not finding.advice]
    if not problems:
        embed = discord.Embed(
            title="All clear",
            description="I can post where I should and give the roles I should."
            + (" A few things are worth a look:" if findings else ""),
            colour=discord.Colour.green(),
        )
    else:
        embed = discord.Embed(
            title=f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found",
            colour=discord.Colour.orange(),
        )
    for finding in findings[:25]:
        embed.add_field(
            name=truncate(("Worth a look: " if finding.advice else "") + finding.problem, 256),
            value=truncate(f"Fix: {finding.fix}", 1024),
            inline=False,
        )
    return embed


def _guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


def _mention(snowflake: int | None, prefix: str) -> str:
    return f"<{prefix}{snowflake}>" if snowflake else "not set"
