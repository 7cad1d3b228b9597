"""What `/setup check` finds wrong with a server's configuration, as sentences an organizer can act on.

A finding is either a problem (something the bot cannot do as configured) or advice (the bot works, but
an organizer would want to know: a purpose not set yet, roll calls without threads, no Discord events,
or a code of conduct that gates nothing because @everyone can already talk).
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from cogs.disciplines.roles import elevations
from cogs.setup.service import GuildSettings
from db.guilds import ALL_CHANNEL_PURPOSES, CHANNEL_PURPOSES, ROLE_PURPOSES

# What the bot needs in each configured channel.
CHANNEL_NEEDS = ("view_channel", "send_messages", "embed_links", "attach_files")
# What a roll call needs in the campaigns channel to open its thread there.
THREAD_NEEDS = ("create_public_threads", "send_messages_in_threads")
CHANNELS_NAMED = 5


@dataclass(frozen=True, slots=True)
class Finding:
    problem: str
    fix: str
    advice: bool = False


def diagnose(
    guild: discord.Guild,
    config: GuildSettings,
    *,
    members_intent: bool,
    managed_role_ids: set[int] | None = None,
    mapped_role_ids: set[int] | None = None,
) -> list[Finding]:
    """Every problem in the configuration, then every piece of advice; an empty list means all is well."""
    findings = _permissions(guild, members_intent)
    findings += _channels(guild, config)
    findings += _roles(guild, config, managed_role_ids or set())
    findings += _lifted(guild, mapped_role_ids or set())
    findings += _unset(config)
    findings += _rollcall_threads(guild, config)
    findings += _ungated(guild, config)
    return sorted(findings, key=lambda finding: finding.advice)


def _permissions(guild: discord.Guild, members_intent: bool) -> list[Finding]:
    me = guild.me
    findings: list[Finding] = []
    if not members_intent:
        findings.append(
            Finding(
                "The Server Members privileged intent is not granted, so joins, leaves and role changes go unseen.",
                "In the Developer Portal, open the application → Bot → turn on Server Members Intent, then restart.",
            )
        )
    if not me.guild_permissions.manage_roles:
        findings.append(
            Finding(
                "I do not have the Manage Roles permission, so I cannot give member or discipline roles.",
                "Server Settings → Roles → my role → turn on Manage Roles.",
            )
        )
    if not me.guild_permissions.manage_events:
        findings.append(
            Finding(
                "I do not have the Manage Events permission, so campaigns cannot appear in the server's Events.",
                f"Server Settings → Roles → {me.top_role.name} → turn on Manage Events (campaigns work without it).",
                advice=True,
            )
        )
    return findings


def _channels(guild: discord.Guild, config: GuildSettings) -> list[Finding]:
    findings: list[Finding] = []
    for purpose in ALL_CHANNEL_PURPOSES:
        channel_id = config.channel_id(purpose)
        if channel_id is None:
            continue
        channel = guild.get_channel(channel_id)
        if channel is None:
            findings.append(
                Finding(
                    f"The {purpose} channel no longer exists.",
                    f"Pick another with `/setup channel {purpose}`.",
                )
            )
            continue
        permissions = channel.permissions_for(guild.me)
        missing = [name.replace("_", " ") for name in CHANNEL_NEEDS if not getattr(permissions, name)]
        if missing:
            findings.append(
                Finding(
                    f"I cannot post properly in #{channel.name} (the {purpose} channel): missing {', '.join(missing)}.",
                    f"Channel settings → Permissions → my role → allow {', '.join(missing)}.",
                )
            )
        if purpose == "announcements" and isinstance(channel, discord.TextChannel) and not channel.is_news():
            findings.append(
                Finding(
                    f"#{channel.name} (the announcements channel) is no longer an announcement channel, so "
                    "campaign calls posted there reach no following server.",
                    "Make it an announcement channel again, or pick one with `/setup channel purpose:announcements`.",
                    advice=True,
                )
            )
    return findings


def _roles(guild: discord.Guild, config: GuildSettings, managed_role_ids: set[int]) -> list[Finding]:
    me = guild.me
    findings: list[Finding] = []
    for purpose in ROLE_PURPOSES:
        role_id = config.role_id(purpose)
        if role_id is None:
            continue
        role = guild.get_role(role_id)
        if role is None:
            findings.append(
                Finding(
                    f"The {purpose} role no longer exists.", f"Pick another with `/setup role {purpose}`."
                )
            )
        elif purpose == "member" and role >= me.top_role:
            findings.append(_above_me(role, me))
    for role_id in sorted(managed_role_ids):
        role = guild.get_role(role_id)
        if role is not None and role >= me.top_role:
            findings.append(_above_me(role, me))
    return findings


def _lifted(guild: discord.Guild, mapped_role_ids: set[int]) -> list[Finding]:
    """Discipline roles an organizer mapped that a channel overwrite now lifts: the bot stopped handing them out."""
    findings: list[Finding] = []
    for role_id in sorted(mapped_role_ids):
        role = guild.get_role(role_id)
        raised = elevations(guild, role) if role is not None else []
        if role is not None and raised:
            findings.append(
                Finding(
                    f"I no longer hand out @{role.name} for its discipline: " + "; ".join(raised) + ".",
                    f"Remove those channel permissions from @{role.name}, or delete the role so that I create "
                    "a plain one.",
                )
            )
    return findings


def _unset(config: GuildSettings) -> list[Finding]:
    channels = [purpose for purpose in CHANNEL_PURPOSES if config.channel_id(purpose) is None]
    findings = [
        Finding(
            f"Not set yet: the {purpose} channel.",
            f"Run `/setup channel purpose:{purpose}` with the channel to use.",
            advice=True,
        )
        for purpose in channels
    ]
    if config.role_id("member") is None:
        findings.append(
            Finding(
                "Not set yet: the member role, so newcomers get no role when they finish onboarding.",
                "Run `/setup role purpose:member` with the role that unlocks the server.",
                advice=True,
            )
        )
    return findings


def _rollcall_threads(guild: discord.Guild, config: GuildSettings) -> list[Finding]:
    channel_id = config.channel_id("campaigns")
    channel = guild.get_channel(channel_id) if channel_id is not None else None
    if not isinstance(channel, discord.TextChannel):
        return []
    permissions = channel.permissions_for(guild.me)
    missing = [name.replace("_", " ") for name in THREAD_NEEDS if not getattr(permissions, name)]
    if not missing:
        return []
    return [
        Finding(
            f"I cannot open roll-call threads in #{channel.name} (the campaigns channel): missing "
            f"{', '.join(missing)}. Roll calls are then posted in the channel itself.",
            f"Channel settings → Permissions → my role → allow {', '.join(missing)}.",
            advice=True,
        )
    ]


def _ungated(guild: discord.Guild, config: GuildSettings) -> list[Finding]:
    """Channels where @everyone can talk although newcomers are meant to agree to the code of conduct first."""
    if not config.code_of_conduct:
        return []
    welcome_id = config.channel_id("welcome")
    everyone = guild.default_role
    open_channels = [
        channel
        for channel in sorted(guild.text_channels, key=lambda c: c.position)
        if channel.id != welcome_id
        and channel.permissions_for(everyone).view_channel
        and channel.permissions_for(everyone).send_messages
    ]
    if not open_channels:
        return []
    named = ", ".join(f"#{channel.name}" for channel in open_channels[:CHANNELS_NAMED])
    more = len(open_channels) - CHANNELS_NAMED
    named += f" and {more} more" if more > 0 else ""
    return [
        Finding(
            f"@everyone can already talk in {named}, so the code of conduct gates nothing: newcomers can post "
            "before they agree to it.",
            "Server Settings → Roles → @everyone → turn off Send Messages; turn it on for the member role "
            "(`/setup role purpose:member`), which members get once they agree.",
            advice=True,
        )
    ]


def _above_me(role: discord.Role, me: discord.Member) -> Finding:
    return Finding(
        f"The role @{role.name} is at or above my highest role (@{me.top_role.name}), so I cannot give it.",
        f"Server Settings → Roles → drag my role above @{role.name}.",
    )
