"""What `/setup check` finds wrong with a server's configuration, as sentences an organizer can act on."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from cogs.setup.service import GuildSettings
from db.guilds import CHANNEL_PURPOSES, ROLE_PURPOSES

# What the bot needs in each configured channel.
CHANNEL_NEEDS = ("view_channel", "send_messages", "embed_links", "attach_files")


@dataclass(frozen=True, slots=True)
class Finding:
    problem: str
    fix: str


def diagnose(
    guild: discord.Guild,
    config: GuildSettings,
    *,
    members_intent: bool,
    managed_role_ids: set[int] | None = None,
) -> list[Finding]:
    """Every problem in the configuration; an empty list means all is well."""
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
    for purpose in CHANNEL_PURPOSES:
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
        permissions = channel.permissions_for(me)
        missing = [name.replace("_", " ") for name in CHANNEL_NEEDS if not getattr(permissions, name)]
        if missing:
            findings.append(
                Finding(
                    f"I cannot post properly in #{channel.name} (the {purpose} channel): missing {', '.join(missing)}.",
                    f"Channel settings → Permissions → my role → allow {', '.join(missing)}.",
                )
            )
    for role_purpose in ROLE_PURPOSES:
        role_id = config.role_id(role_purpose)
        if role_id is None:
            continue
        role = guild.get_role(role_id)
        if role is None:
            findings.append(
                Finding(
                    f"The {role_purpose} role no longer exists.",
                    f"Pick another with `/setup role {role_purpose}`.",
                )
            )
        elif role_purpose == "member" and role >= me.top_role:
            findings.append(_above_me(role, me))
    for role_id in sorted(managed_role_ids or ()):
        role = guild.get_role(role_id)
        if role is not None and role >= me.top_role:
            findings.append(_above_me(role, me))
    return findings


def _above_me(role: discord.Role, me: discord.Member) -> Finding:
    return Finding(
        f"The role @{role.name} is at or above my highest role (@{me.top_role.name}), so I cannot give it.",
        f"Server Settings → Roles → drag my role above @{role.name}.",
    )
