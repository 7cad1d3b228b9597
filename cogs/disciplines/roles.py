"""Discipline roles in Discord: which roles are safe to hand out, making them, giving and taking them, and
telling organizers the exact fix when Discord will not let the bot.

The bot hands out only roles it created for the catalog, or roles an organizer mapped on purpose with
`/discipline map`; it never adopts a role because it shares a discipline's name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

import discord

from cogs.disciplines import service

if TYPE_CHECKING:
    from bot.core import CoalitionBot

log = logging.getLogger(__name__)

MEMBER_NOTICE = (
    "I could not give you every role just now; the organizers have been told how to fix it, "
    "and nothing else is needed from you."
)


# Powers no role handed out by the bot may carry: a member must never gain them by tagging a discipline.
POWERS = discord.Permissions.elevated() | discord.Permissions(mention_everyone=True, administrator=True)
# The same, granted in one channel by an overwrite: moderation there is still moderation.
CHANNEL_POWERS = POWERS | discord.Permissions(
    manage_events=True, mute_members=True, deafen_members=True, move_members=True, priority_speaker=True
)


class NamedDiscipline(Protocol):
    """What role making needs of a discipline (a catalog row or a service result)."""

    @property
    def id(self) -> int | None: ...

    @property
    def name(self) -> str: ...


def carries_powers(role: discord.Role) -> bool:
    """True when the role grants moderation or administration powers."""
    return bool(role.permissions.value & POWERS.value)


def elevations(guild: discord.Guild, role: discord.Role) -> list[str]:
    """Where a channel overwrite lifts this role above @everyone: a private channel it opens, or powers there."""
    found: list[str] = []
    for channel in guild.channels:
        overwrite = channel.overwrites_for(role)
        allow, _deny = overwrite.pair()
        if allow.value & CHANNEL_POWERS.value:
            powers = ", ".join(name.replace("_", " ") for name, on in (allow & CHANNEL_POWERS) if on)
            found.append(f"it grants {powers} in #{channel.name}")
        elif overwrite.view_channel and not channel.permissions_for(guild.default_role).view_channel:
            found.append(f"it opens the private channel #{channel.name}")
    return found


def role_problem(guild: discord.Guild, role: discord.Role) -> str | None:
    """Why the bot cannot give this role, as a fix an organizer can follow; None when it can."""
    me = guild.me
    if carries_powers(role):
        return (
            f"The role **{role.name}** carries moderation or administration permissions, so I will not hand it "
            "out. Fix: remove those permissions from it, or map the discipline to another role."
        )
    if not me.guild_permissions.manage_roles:
        return (
            f"I need the **Manage Roles** permission to give the role **{role.name}**. Fix: Server Settings → "
            f"Roles → **{me.top_role.name}** → turn on Manage Roles."
        )
    if role.managed or role.is_default():
        return f"**{role.name}** is managed by Discord or an integration, so nobody can give it. Fix: choose another role."
    if role >= me.top_role:
        return (
            f"The role **{role.name}** is above my highest role **{me.top_role.name}**, so Discord does not let me "
            f"give it. Fix: Server Settings → Roles, drag **{me.top_role.name}** above **{role.name}**."
        )
    return None


def mapping_problem(guild: discord.Guild, role: discord.Role, configured: set[int | None]) -> str | None:
    """Why an organizer may not map a discipline to this role; None when members may safely get it."""
    if role.id in configured:
        return (
            f"{role.mention} is this server's member or organizer role (`/setup role`); a discipline needs a role "
            "of its own."
        )
    raised = elevations(guild, role)
    if raised:
        return (
            f"I will not hand out {role.mention}: "
            + "; ".join(raised)
            + ". Anyone tagging the discipline would "
            "get that. Fix: remove those channel permissions from the role, or let me create a role "
            "(leave the discipline unmapped)."
        )
    return role_problem(guild, role)


async def ensure_discipline_role(
    bot: CoalitionBot, guild: discord.Guild, discipline: NamedDiscipline
) -> tuple[discord.Role | None, str | None]:
    """The discipline's role: the one mapped to it, else a new one the bot creates (never a look-alike)."""
    # Two members picking a new discipline at once must not create two roles for it.
    lock = _role_locks.setdefault((guild.id, discipline.id or 0), asyncio.Lock())
    async with lock:
        return await _ensure_discipline_role(bot, guild, discipline)


_role_locks: dict[tuple[int, int], asyncio.Lock] = {}


async def _ensure_discipline_role(
    bot: CoalitionBot, guild: discord.Guild, discipline: NamedDiscipline
) -> tuple[discord.Role | None, str | None]:
    mapping = await service.current_role(bot.app, guild.id, discipline.id or 0)
    role = guild.get_role(mapping.role_id) if mapping.role_id is not None else None
    if role is not None:
        raised = [] if mapping.created_by_bot else elevations(guild, role)
        if raised:
            # An organizer's role (or one adopted by name long ago) that a channel overwrite now lifts: what
            # was refused at mapping time is refused at hand-out time too.
            return None, (
                f"I will not hand out **{role.name}** for **{discipline.name}**: "
                + "; ".join(raised)
                + ". Fix: "
                "remove those channel permissions from the role, or delete it so that I create a plain one."
            )
        return role, None
    if not guild.me.guild_permissions.manage_roles:
        return None, (
            f"I need the **Manage Roles** permission to create the role for **{discipline.name}**. Fix: "
            f"Server Settings → Roles → **{guild.me.top_role.name}** → turn on Manage Roles."
        )
    try:
        role = await guild.create_role(
            name=discipline.name, mentionable=False, reason="Discipline role for the coalition directory"
        )
    except discord.HTTPException as error:
        log.warning("Could not create the role for %s in guild %s", discipline.name, guild.id, exc_info=True)
        return None, f"I could not create a role for **{discipline.name}** ({error.text or error.status})."
    recorded = await service.record_created_role(
        bot.app, guild_id=guild.id, discipline_id=discipline.id or 0, role_id=role.id
    )
    if not recorded:
        return None, f"The role **{role.name}** already belongs to another discipline; rename one of them."
    return role, None


def look_alike(guild: discord.Guild, name: str, own_role_id: int | None) -> discord.Role | None:
    """A role other than the discipline's own that shares its name (organizers may want to map it)."""
    return discord.utils.find(
        lambda role: role.name.casefold() == name.casefold() and role.id != own_role_id, guild.roles
    )


async def give_roles(
    guild: discord.Guild, member: discord.Member, roles: Iterable[discord.Role], reason: str
) -> list[str]:
    """Add the roles the member lacks; return the problems (as fixes) for those Discord refused."""
    problems: list[str] = []
    grantable: list[discord.Role] = []
    for role in roles:
        if member.get_role(role.id) is not None:
            continue
        problem = role_problem(guild, role)
        if problem:
            problems.append(problem)
        else:
            grantable.append(role)
    if grantable:
        try:
            await member.add_roles(*grantable, reason=reason)
        except discord.HTTPException as error:
            log.warning("Adding roles failed in guild %s", guild.id, exc_info=True)
            names = ", ".join(f"**{role.name}**" for role in grantable)
            problems.append(
                f"Discord refused to give {names} ({error.text or error.status}). Fix: check that my role is above "
                "them and has Manage Roles, then run `/setup check`."
            )
    return problems


async def take_role(
    guild: discord.Guild, member: discord.Member, role: discord.Role, reason: str
) -> str | None:
    if member.get_role(role.id) is None:
        return None
    problem = role_problem(guild, role)
    if problem:
        return problem
    try:
        await member.remove_roles(role, reason=reason)
    except discord.HTTPException as error:
        return f"Discord refused to remove **{role.name}** ({error.text or error.status})."
    return None


async def tell_organizers(
    bot: CoalitionBot, guild_id: int, member: discord.abc.User, problems: list[str]
) -> None:
    """Write each role problem and its fix to the audit log and the audit channel."""
    await service.report_role_problems(bot.app, guild_id=guild_id, user_id=member.id, problems=problems)
