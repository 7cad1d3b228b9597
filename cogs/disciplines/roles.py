"""Giving and taking roles, and telling organizers the exact fix when Discord will not let the bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord

from bot.audit import record_action
from db import disciplines as catalog
from db.disciplines import Discipline

if TYPE_CHECKING:
    from bot.core import CoalitionBot

log = logging.getLogger(__name__)

MEMBER_NOTICE = (
    "I could not give you every role just now; the organizers have been told how to fix it, "
    "and nothing else is needed from you."
)


# Powers no role handed out by the bot may carry: a member must never gain them by tagging a discipline.
POWERS = discord.Permissions.elevated() | discord.Permissions(mention_everyone=True, administrator=True)


def carries_powers(role: discord.Role) -> bool:
    """True when the role grants moderation or administration powers."""
    return bool(role.permissions.value & POWERS.value)


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


async def ensure_discipline_role(
    bot: CoalitionBot, guild: discord.Guild, discipline: Discipline
) -> tuple[discord.Role | None, str | None]:
    """The discipline's role: the mapped one, else an existing plain role of the same name, else a new one."""
    # Two members picking a new discipline at once must not create two roles for it.
    lock = _role_locks.setdefault((guild.id, discipline.id or 0), asyncio.Lock())
    async with lock:
        return await _ensure_discipline_role(bot, guild, discipline)


_role_locks: dict[tuple[int, int], asyncio.Lock] = {}


async def _ensure_discipline_role(
    bot: CoalitionBot, guild: discord.Guild, discipline: Discipline
) -> tuple[discord.Role | None, str | None]:
    async with bot.database.session() as session:
        fresh = await catalog.get_discipline(session, guild.id, discipline.id or 0)
    role_id = fresh.role_id if fresh is not None else discipline.role_id
    if role_id is not None:
        role = guild.get_role(role_id)
        if role is not None:
            discipline.role_id = role.id
            return role, None
    config = await bot.guild_config(guild.id)
    configured = {config.member_role_id, config.organizer_role_id}
    # Only a plain role is adopted: a staff role that happens to share a discipline's name ("Leadership")
    # must never be handed to whoever tags that discipline.
    role = discord.utils.find(
        lambda r: (
            r.name.casefold() == discipline.name.casefold()
            and not r.managed
            and not r.is_default()
            and r.id not in configured
            and not carries_powers(r)
        ),
        guild.roles,
    )
    if role is None:
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
            log.warning(
                "Could not create the role for %s in guild %s", discipline.name, guild.id, exc_info=True
            )
            return (
                None,
                f"I could not create a role for **{discipline.name}** ({error.text or error.status}).",
            )
    async with bot.database.session() as session:
        fresh = await catalog.get_discipline(session, guild.id, discipline.id or 0)
        if fresh is None:
            return role, None
        if not await catalog.set_discipline_role(session, fresh, role.id):
            return (
                None,
                f"The role **{role.name}** already belongs to another discipline; rename one of them.",
            )
    discipline.role_id = role.id
    return role, None


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
    for problem in dict.fromkeys(problems):
        await record_action(
            bot, guild_id, None, "roles.failed", f"While giving roles to <@{member.id}>: {problem}"
        )
