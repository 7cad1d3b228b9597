"""Onboarding: the guided flow in DMs (or ephemerally from the welcome channel), nudges, and its funnel."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_organizer, organizer_only
from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.pacing import pace_dm
from bot.replies import defer, reply, truncate
from cogs.disciplines import roles as role_tools
from cogs.onboarding import nudges, service, steps, views
from cogs.onboarding.flow import FlowSteps, find_member
from cogs.onboarding.service import CatalogEntry

if TYPE_CHECKING:
    from db.jobs import ScheduledJob

log = logging.getLogger(__name__)

NO_RESOURCES = (
    "There are no resources in the library yet; organizers are adding them, and `/resources search` "
    "will find them once they are in."
)
NO_NEW_RESOURCES = (
    "No new resources in the library for you this time; `/resources search` finds everything in it."
)
PICKS_UNAVAILABLE = (
    "Your onboarding is complete. I could not fetch your resource picks right now; "
    "`/resources search` works any time."
)


class OnboardingCog(FlowSteps, commands.Cog, name="Onboarding"):
    onboarding = app_commands.Group(
        name="onboarding",
        description="How newcomers are getting on",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        # Newcomers waiting for their welcome DM: a wave of joins is paced like any other bulk DM.
        self._welcomes: deque[discord.Member] = deque()
        self._welcoming: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
        self.bot.scheduler.register(service.REMINDER_KIND, self.send_reminder)
        self.bot.scheduler.register(service.FOLLOW_UP_KIND, self.send_follow_up)
        self.bot.scheduler.register(service.DELIVERY_KIND, self.deliver_later)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)
        if self._welcoming is not None:
            self._welcoming.cancel()

    # ------------------------------------------------------------------------------ entry points

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        # Queued at once, so that a wave of joins is seen as one and paced like any other bulk DM.
        self._welcomes.append(member)
        if self._welcoming is None or self._welcoming.done():
            self._welcoming = asyncio.create_task(self._welcome_arrivals(), name="onboarding-welcomes")

    async def _welcome_arrivals(self) -> None:
        """Welcome each queued newcomer by DM, pausing after every few while more are waiting."""
        sent = 0
        while self._welcomes:
            member = self._welcomes.popleft()
            try:
                sent += await self.welcome(member, sent)
            except Exception:
                log.exception("Could not welcome member %s of guild %s", member.id, member.guild.id)
            if not self._welcomes:
                sent = 0  # a lone join later starts a new burst; only a wave waits

    async def welcome(self, member: discord.Member, sent_so_far: int) -> int:
        """Open the flow for a newcomer, or give a returning finished member their roles; DMs sent (0 or 1)."""
        finished = await service.record_join(self.bot.app, guild_id=member.guild.id, user_id=member.id)
        if finished:
            # Coming back after finishing: give the roles back instead of starting over.
            await self.restore_roles(member)
            return 0
        await pace_dm(sent_so_far)
        await self.open_in_dm(member)
        return 1

    @app_commands.command(name="onboard")
    @app_commands.guild_only()
    async def onboard(self, interaction: discord.Interaction) -> None:
        """Start or resume your onboarding: profile, disciplines and interests."""
        member = interaction.user
        if interaction.guild is None or not isinstance(member, discord.Member):
            raise UserFacingError("That command only works inside a server, not in DMs.")
        await defer(interaction)
        if await service.is_finished(self.bot.app, guild_id=interaction.guild.id, user_id=member.id):
            await reply(
                interaction,
                "You have already finished onboarding. Change your details with `/profile edit` and your "
                "disciplines with `/discipline add` or `/discipline remove`.",
                ephemeral=True,
            )
            return
        if await self.open_in_dm(member, notify_channel=False):
            await reply(
                interaction, "I sent your next onboarding step to your direct messages.", ephemeral=True
            )
            return
        await self.show_current(
            interaction, interaction.guild.id, note="I could not DM you, so let's continue here."
        )

    async def start_here(self, interaction: discord.Interaction, guild_id: int) -> None:
        """The welcome channel's Start button: the flow as ephemeral messages in that channel."""
        if interaction.guild is None or interaction.guild.id != guild_id:
            raise UserFacingError("That Start button belongs to another server.")
        if await service.is_finished(self.bot.app, guild_id=guild_id, user_id=interaction.user.id):
            await interaction.response.send_message(
                "You have already finished onboarding; `/profile view` shows what you told me.",
                ephemeral=True,
            )
            return
        await self.show_current(interaction, guild_id)

    async def open_in_dm(self, member: discord.Member, *, notify_channel: bool = True) -> bool:
        """Send the member's current step by DM; on closed DMs point them to the welcome channel once."""
        guild_id = member.guild.id
        state = await service.begin(self.bot.app, guild_id=guild_id, user_id=member.id)
        try:
            await member.send(**self.render(state))
        except discord.HTTPException as error:
            if not isinstance(error, discord.Forbidden):
                log.warning("Could not DM member %s of guild %s", member.id, guild_id, exc_info=True)
            await service.note_dm(self.bot.app, guild_id=guild_id, user_id=member.id, closed=True)
            if notify_channel:
                await self.point_to_welcome_channel(member)
            return False
        await service.note_dm(self.bot.app, guild_id=guild_id, user_id=member.id, closed=False)
        return True

    async def point_to_welcome_channel(self, member: discord.Member) -> None:
        """Say once, publicly but with nothing private, that the member can continue with Start."""
        channel = await self.bot.configured_channel(member.guild.id, "welcome")
        if channel is None:
            log.info(
                "Member %s has closed DMs and guild %s has no welcome channel", member.id, member.guild.id
            )
            return
        if not await service.claim_dm_notice(self.bot.app, guild_id=member.guild.id, user_id=member.id):
            return
        try:
            await channel.send(
                f"Welcome, {member.mention}! I couldn't DM you, so press **Start** here to get set up; "
                "only you will see the steps.",
                view=views.start_view(member.guild.id),
                allowed_mentions=discord.AllowedMentions(users=[member], everyone=False, roles=False),
            )
        except discord.HTTPException:
            log.warning("Could not post in the welcome channel of guild %s", member.guild.id, exc_info=True)

    @onboarding.command(name="stats")
    @organizer_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        """Show the onboarding funnel: joined, started, where people stopped, finished."""
        if interaction.guild_id is None:
            raise UserFacingError("That command only works inside a server, not in DMs.")
        await defer(interaction)
        counts = await service.funnel(self.bot.app, guild_id=interaction.guild_id)
        known, finished = counts.known, counts.finished
        width = max(len(row.label) for row in counts.rows)
        lines = [f"{row.label:<{width}} {steps.bar(row.count, known)} {row.count}" for row in counts.rows]
        embed = discord.Embed(
            title="Onboarding funnel",
            description="```\n" + "\n".join(lines) + "\n```",
            colour=views.COLOUR,
        )
        rate = f"{finished * 100 // known}%" if known else "—"
        embed.set_footer(
            text=f"{finished} of {known} finished ({rate}). 'Stopped at' counts unfinished flows."
        )
        await reply(interaction, embed=embed, ephemeral=True)

    # ------------------------------------------------------------------------------- completion

    async def finish(self, interaction: discord.Interaction, guild_id: int) -> None:
        """Record completion, answer, then give the roles, introduce the member and send resources.

        What finishing owes the member happens whether or not the answer could be sent (a 500, an expired
        interaction): without an answer, the member hears the rest by DM, and the durable job retries
        whatever Discord refused.
        """
        guild, member = await self.resolve(interaction, guild_id)
        await defer(interaction, ephemeral=interaction.guild_id is not None)  # answer first
        done = await service.finish(self.bot.app, guild_id=guild_id, user_id=member.id)
        text = (
            f"🎉 You're all set, and welcome to {discord.utils.escape_markdown(guild.name)}! "
            "`/profile view` shows your profile and `/help` lists what you can do."
        )
        try:
            await reply(interaction, text, ephemeral=interaction.guild_id is not None)
            answered: discord.Interaction | None = interaction
        except discord.HTTPException:
            log.warning(
                "Could not answer the Confirm of member %s in guild %s", member.id, guild_id, exc_info=True
            )
            answered = None
        await self.deliver(guild, member, done.disciplines, answered)

    async def deliver_later(self, job: ScheduledJob) -> None:
        """The delivery job: what finishing owes a member, when the moment of Confirm could not do it all."""
        guild_id, user_id = int(job.guild_id or 0), int(job.payload["user_id"])
        guild = self.bot.get_guild(guild_id)
        member = await find_member(guild, user_id) if guild else None
        if guild is None or member is None:
            return
        held = await service.held_disciplines(self.bot.app, guild_id=guild_id, user_id=user_id)
        if not await self.deliver(guild, member, held, None):
            await nudges.retry(self.bot.app, job)

    async def deliver(
        self,
        guild: discord.Guild,
        member: discord.Member,
        disciplines: Sequence[CatalogEntry],
        answered: discord.Interaction | None,
    ) -> bool:
        """Roles, introduction and resource picks; True when nothing is left to retry."""
        problems = await self.grant_roles(guild, member, disciplines)
        if problems:
            await role_tools.tell_organizers(self.bot, guild.id, member, problems)
            try:
                await self.tell_member(member, answered, role_tools.MEMBER_NOTICE)
            except discord.HTTPException:
                log.info("Could not tell member %s of guild %s about their roles", member.id, guild.id)
        introduced = await self.introduce(guild, member)
        picked = await self.send_welcome_picks(member, answered)
        if introduced and picked:
            await service.delivered(self.bot.app, guild_id=guild.id, user_id=member.id)
        return introduced and picked

    async def tell_member(
        self, member: discord.Member, answered: discord.Interaction | None, text: str
    ) -> None:
        """Say something after the answer: as a followup when there was one, else by DM."""
        if answered is not None:
            await answered.followup.send(text, ephemeral=answered.guild_id is not None)
        else:
            await member.send(text)

    async def grant_roles(
        self, guild: discord.Guild, member: discord.Member, disciplines: Sequence[CatalogEntry]
    ) -> list[str]:
        """Give the member role and the discipline roles; return the problems organizers must fix."""
        config = await self.bot.guild_config(guild.id)
        wanted: list[discord.Role] = []
        problems: list[str] = []
        if config.member_role_id is not None:
            role = guild.get_role(config.member_role_id)
            if role is None:
                problems.append(
                    "The member role set with `/setup role` no longer exists. Fix: run `/setup role purpose:member` "
                    "with an existing role."
                )
            else:
                wanted.append(role)
        for entry in disciplines:
            role, problem = await role_tools.ensure_discipline_role(self.bot, guild, entry)
            if problem:
                problems.append(problem)
            if role is not None:
                wanted.append(role)
        problems += await role_tools.give_roles(guild, member, wanted, reason="Finished coalition onboarding")
        return problems

    async def restore_roles(self, member: discord.Member) -> None:
        held = await service.held_disciplines(self.bot.app, guild_id=member.guild.id, user_id=member.id)
        problems = await self.grant_roles(member.guild, member, held)
        if problems:
            await role_tools.tell_organizers(self.bot, member.guild.id, member, problems)

    async def introduce(self, guild: discord.Guild, member: discord.Member) -> bool:
        """Post the introduction of a listed member once; False when Discord refused it for now."""
        channel = await self.bot.configured_channel(guild.id, "introductions")
        if channel is None:
            return True
        card = await service.claim_introduction(self.bot.app, guild_id=guild.id, user_id=member.id)
        if card is None:
            return True
        try:
            await channel.send(views.introduction(card), allowed_mentions=discord.AllowedMentions.none())
        except discord.Forbidden:
            log.warning("Not allowed to post an introduction in guild %s", guild.id, exc_info=True)
        except discord.HTTPException:
            log.warning("Could not post an introduction in guild %s; will retry", guild.id, exc_info=True)
            await service.release(self.bot.app, guild_id=guild.id, user_id=member.id, flag="introduced_at")
            return False
        return True

    async def send_welcome_picks(self, member: discord.Member, answered: discord.Interaction | None) -> bool:
        """Send three resources that fit, once; False when Discord refused it for now."""
        guild_id = member.guild.id
        if not await service.claim_welcome_picks(self.bot.app, guild_id=guild_id, user_id=member.id):
            return True
        try:
            picks = await service.pick_resources(self.bot.app, guild_id=guild_id, user_id=member.id)
        except Exception:
            # Onboarding is already recorded and the roles given: a library hiccup must not look like failure.
            log.exception(
                "Could not pick resources for member %s of guild %s after onboarding", member.id, guild_id
            )
            picks, text = (), PICKS_UNAVAILABLE
        else:
            text = (
                "Three resources picked for you:\n" + views.resource_lines(picks) if picks else NO_RESOURCES
            )
        try:
            await self.tell_member(member, answered, truncate(text, 2000))
        except discord.Forbidden:
            log.info("Member %s of guild %s has closed DMs; no resource picks", member.id, guild_id)
            return True
        except discord.HTTPException:
            log.warning("Could not send resource picks to %s in guild %s; will retry", member.id, guild_id)
            await service.release(self.bot.app, guild_id=guild_id, user_id=member.id, flag="picks_sent_at")
            return False
        await service.remember_sent(
            self.bot.app, guild_id=guild_id, user_id=member.id, resource_ids=[p.id for p in picks]
        )
        return True

    # ----------------------------------------------------------------------------------- nudges

    async def send_reminder(self, job: ScheduledJob) -> None:
        """One DM to a member whose flow has stalled for a day; never for one who finished or never started."""
        guild_id, user_id = int(job.guild_id or 0), int(job.payload["user_id"])
        guild = self.bot.get_guild(guild_id)
        member = await find_member(guild, user_id) if guild else None
        if guild is None or member is None:
            return
        arrived = guild.me.joined_at if guild.me else None
        state = await nudges.claim_reminder(
            self.bot.app,
            guild_id=guild_id,
            user_id=user_id,
            organizer=await is_organizer(self.bot, member, guild),
            joined_before_bot=bool(member.joined_at and arrived and member.joined_at < arrived),
        )
        if state is None:
            return
        note = (
            "👋 Your onboarding is waiting for you; it takes a couple of minutes. Here is where you stopped:"
        )
        try:
            await member.send(**self.render(state, note=note))
        except discord.Forbidden:
            log.info("Member %s of guild %s has closed DMs; no reminder", user_id, guild_id)
        except discord.HTTPException:
            log.warning("Discord refused the reminder to %s in guild %s; retrying later", user_id, guild_id)
            await nudges.retry(self.bot.app, job, release_flag="reminder_sent_at")

    async def send_follow_up(self, job: ScheduledJob) -> None:
        """Day 7 and day 30 after onboarding: new resources and open campaign places that fit."""
        guild_id, user_id, day = int(job.guild_id or 0), int(job.payload["user_id"]), int(job.payload["day"])
        guild = self.bot.get_guild(guild_id)
        member = await find_member(guild, user_id) if guild else None
        if guild is None or member is None:
            return
        if not await nudges.claim_follow_up(self.bot.app, guild_id=guild_id, user_id=user_id, day=day):
            return
        parts = [
            f"Hello again from {discord.utils.escape_markdown(guild.name)}! {day} days in, here is what fits your work."
        ]
        # The follow-up is already claimed as sent: a failing lookup must cost its section, not the message.
        picks: tuple[service.ResourcePick, ...] = ()
        try:
            picks = await service.pick_resources(self.bot.app, guild_id=guild_id, user_id=user_id)
            parts.append("**Resources**\n" + (views.resource_lines(picks) if picks else NO_NEW_RESOURCES))
        except Exception:
            log.exception(
                "Could not pick resources for the day-%d follow-up of %s in guild %s", day, user_id, guild_id
            )
        parts.append(await self.places_section(guild_id, user_id, day))
        try:
            await member.send(truncate("\n\n".join(parts), 2000))
        except discord.Forbidden:
            log.info("Member %s of guild %s has closed DMs; no day-%d follow-up", user_id, guild_id, day)
            return
        except discord.HTTPException:
            log.warning("Discord refused the day-%d follow-up to %s; retrying later", day, user_id)
            await nudges.retry(self.bot.app, job, release_flag=nudges.follow_up_flag(day))
            return
        ids = [pick.id for pick in picks]
        await service.remember_sent(self.bot.app, guild_id=guild_id, user_id=user_id, resource_ids=ids)

    async def places_section(self, guild_id: int, user_id: int, day: int) -> str:
        try:
            places = await nudges.open_places(self.bot.app, guild_id=guild_id, user_id=user_id)
        except Exception:
            log.exception("Could not list open campaign places for the day-%d follow-up of %s", day, user_id)
            places = ()
        if not places:
            return "No campaign has open places right now; organizers announce new ones in the campaigns channel."
        lines = [
            f"• {views.safe(p.campaign_title)}: {views.safe(p.slot_name)} ({p.free} place{'s' if p.free != 1 else ''} open)"
            for p in places
        ]
        return "**Campaigns looking for people**\n" + "\n".join(lines) + "\nSign up with `/campaign join`."
