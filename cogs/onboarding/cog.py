"""Onboarding: the guided flow in DMs (or ephemerally from the welcome channel), nudges, and its funnel."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import organizer_only
from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.replies import reply, truncate
from cogs.disciplines import roles as role_tools
from cogs.onboarding import steps, views
from cogs.onboarding.views import ProfileModal, StepContext
from db import disciplines as catalog
from db import jobs, members
from db import onboarding as progress_db
from db.guilds import get_config
from db.onboarding import OnboardingProgress

log = logging.getLogger(__name__)

REMINDER_KIND, FOLLOW_UP_KIND = "onboarding.reminder", "onboarding.followup"
NO_RESOURCES = (
    "There are no resources in the library yet; organizers are adding them, and `/resources search` "
    "will find them once they are in."
)
PICKS_UNAVAILABLE = (
    "Your onboarding is complete. I could not fetch your resource picks right now; "
    "`/resources search` works any time."
)


def reminder_key(guild_id: int, user_id: int) -> str:
    return f"onboarding.reminder:{guild_id}:{user_id}"


def follow_up_key(guild_id: int, user_id: int, day: int) -> str:
    return f"onboarding.followup:{guild_id}:{user_id}:{day}"


class OnboardingCog(commands.Cog, name="Onboarding"):
    onboarding = app_commands.Group(
        name="onboarding",
        description="How newcomers are getting on",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
        self.bot.scheduler.register(REMINDER_KIND, self.send_reminder)
        self.bot.scheduler.register(FOLLOW_UP_KIND, self.send_follow_up)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)

    # ------------------------------------------------------------------------------ entry points

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            progress = await progress_db.get_or_create_progress(
                session, member.guild.id, member.id, now, joined=True
            )
            await members.mark_returned(session, member.guild.id, member.id, now)
            finished = progress.finished
        if finished:
            # Coming back after finishing: give the roles back instead of starting over.
            await self.restore_roles(member)
            return
        await self.open_in_dm(member)

    @app_commands.command(name="onboard")
    @app_commands.guild_only()
    async def onboard(self, interaction: discord.Interaction) -> None:
        """Start or resume your onboarding: profile, disciplines and interests."""
        assert interaction.guild is not None
        assert isinstance(interaction.user, discord.Member)
        async with self.bot.database.session() as session:
            progress = await progress_db.get_or_create_progress(
                session, interaction.guild.id, interaction.user.id, discord.utils.utcnow()
            )
            finished = progress.finished
        if finished:
            await interaction.response.send_message(
                "You have already finished onboarding. Change your details with `/profile edit` and your "
                "disciplines with `/discipline add` or `/discipline remove`.",
                ephemeral=True,
            )
            return
        if await self.open_in_dm(interaction.user, notify_channel=False):
            await interaction.response.send_message(
                "I sent your next onboarding step to your direct messages.", ephemeral=True
            )
            return
        await self.show_current(
            interaction, interaction.guild.id, note="I could not DM you, so let's continue here."
        )

    async def start_here(self, interaction: discord.Interaction, guild_id: int) -> None:
        """The welcome channel's Start button: the flow as ephemeral messages in that channel."""
        if interaction.guild is None or interaction.guild.id != guild_id:
            raise UserFacingError("That Start button belongs to another server.")
        async with self.bot.database.session() as session:
            progress = await progress_db.get_or_create_progress(
                session, guild_id, interaction.user.id, discord.utils.utcnow()
            )
            finished = progress.finished
        if finished:
            await interaction.response.send_message(
                "You have already finished onboarding; `/profile view` shows what you told me.",
                ephemeral=True,
            )
            return
        await self.show_current(interaction, guild_id)

    async def open_in_dm(self, member: discord.Member, *, notify_channel: bool = True) -> bool:
        """Send the member's current step by DM; on closed DMs point them to the welcome channel once."""
        guild_id = member.guild.id
        await self.mark_started(guild_id, member.id)
        message = await self.step_message(guild_id, member.id)
        try:
            await member.send(**message)
        except discord.HTTPException as error:
            if not isinstance(error, discord.Forbidden):
                log.warning("Could not DM member %s of guild %s", member.id, guild_id, exc_info=True)
            async with self.bot.database.session() as session:
                await progress_db.set_dm_closed(session, guild_id, member.id, True)
            if notify_channel:
                await self.point_to_welcome_channel(member)
            return False
        async with self.bot.database.session() as session:
            await progress_db.set_dm_closed(session, guild_id, member.id, False)
        return True

    async def point_to_welcome_channel(self, member: discord.Member) -> None:
        """Say once, publicly but with nothing private, that the member can continue with Start."""
        channel = await self.bot.configured_channel(member.guild.id, "welcome")
        if channel is None:
            log.info(
                "Member %s has closed DMs and guild %s has no welcome channel", member.id, member.guild.id
            )
            return
        async with self.bot.database.session() as session:
            first_time = await progress_db.claim_once(
                session, member.guild.id, member.id, "dm_notice_sent_at", discord.utils.utcnow()
            )
        if not first_time:
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
        assert interaction.guild is not None
        async with self.bot.database.session() as session:
            known, started, finished, by_step = await progress_db.funnel_counts(session, interaction.guild.id)
        rows = steps.funnel(known, started, finished, by_step)
        width = max(len(row.label) for row in rows)
        lines = [f"{row.label:<{width}} {steps.bar(row.count, known)} {row.count}" for row in rows]
        embed = discord.Embed(
            title="Onboarding funnel",
            description="```\n" + "\n".join(lines) + "\n```",
            colour=views.COLOUR,
        )
        rate = f"{finished * 100 // known}%" if known else "—"
        embed.set_footer(
            text=f"{finished} of {known} finished ({rate}). 'Stopped at' counts unfinished flows."
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # -------------------------------------------------------------------------------- the steps

    async def resolve(
        self, interaction: discord.Interaction, guild_id: int
    ) -> tuple[discord.Guild, discord.Member]:
        """The guild named in a custom id, and the clicking user as its member (else a clear refusal)."""
        if interaction.guild_id is not None and interaction.guild_id != guild_id:
            raise UserFacingError("That button belongs to another server.")
        guild = self.bot.get_guild(guild_id)
        member = await find_member(guild, interaction.user.id) if guild else None
        if guild is None or member is None:
            raise UserFacingError(
                "I cannot find you in that server any more, so this onboarding cannot continue."
            )
        return guild, member

    async def mark_started(self, guild_id: int, user_id: int) -> None:
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            progress = await progress_db.get_or_create_progress(session, guild_id, user_id, now)
            if progress.finished:
                return
            first = progress.started_at is None
            await progress_db.start(session, progress, now)
        if first:
            await self.bot.scheduler.schedule(
                REMINDER_KIND,
                reminder_key(guild_id, user_id),
                now + steps.REMINDER_AFTER,
                payload={"user_id": user_id},
                guild_id=guild_id,
            )

    async def step_message(
        self, guild_id: int, user_id: int, *, page: int = 0, note: str | None = None
    ) -> dict[str, Any]:
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            progress = await progress_db.get_or_create_progress(session, guild_id, user_id, now)
            config = await get_config(session, guild_id)
            entries: list[tuple[int, str]] = []
            if progress.step in (steps.DISCIPLINES, steps.SUMMARY):
                entries = [(d.id, d.name) for d in await catalog.seed_defaults(session, guild_id, now)]  # type: ignore[misc]
            context = StepContext(
                guild_id=guild_id,
                guild_name=self._guild_name(guild_id),
                step=progress.step,
                answers=dict(progress.answers or {}),
                code_of_conduct=config.code_of_conduct,
                catalog=entries,
                page=page,
                note=note,
            )
        return views.render_step(context)

    def _guild_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild else "the coalition"

    async def show_current(
        self, interaction: discord.Interaction, guild_id: int, *, note: str | None = None, page: int = 0
    ) -> None:
        """Answer with the member's current step as a new message (ephemeral outside DMs)."""
        await self.mark_started(guild_id, interaction.user.id)
        message = await self.step_message(guild_id, interaction.user.id, note=note, page=page)
        await reply(interaction, **message, ephemeral=interaction.guild_id is not None)

    async def load(self, guild_id: int, user_id: int) -> OnboardingProgress | None:
        async with self.bot.database.session() as session:
            return await progress_db.get_progress(session, guild_id, user_id)

    async def save(self, guild_id: int, user_id: int, key: str, value: Any, *, next_step: str | None) -> None:
        """Store one answer as given and push the stalled-reminder back, in one unit of work."""
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            progress = await progress_db.get_or_create_progress(session, guild_id, user_id, now)
            await progress_db.save_answer(session, progress, key, value, now, next_step=next_step)
            await jobs.reschedule(session, reminder_key(guild_id, user_id), now + steps.REMINDER_AFTER)

    async def on_action(
        self, interaction: discord.Interaction, guild_id: int, action: str, arg: int | None
    ) -> None:
        await self.resolve(interaction, guild_id)
        user_id = interaction.user.id
        progress = await self.load(guild_id, user_id)
        if progress is None:
            await self.show_current(interaction, guild_id)
            return
        if progress.finished:
            await interaction.response.send_message(
                "You have already finished onboarding; `/profile edit` changes your details.",
                ephemeral=interaction.guild_id is not None,
            )
            return
        if not steps.action_fits(action, progress.step):
            # A button from an older message: show where the member really is, never redo a step.
            await self.show_current(interaction, guild_id, note="Here is where you left off.")
            return
        answers = dict(progress.answers or {})
        if action == "begin":
            await self.save(guild_id, user_id, steps.WELCOME, "seen", next_step=steps.CONDUCT)
        elif action == "agree":
            agreed = discord.utils.utcnow().isoformat()
            await self.save(guild_id, user_id, steps.CONDUCT, {"agreed_at": agreed}, next_step=steps.ABOUT)
        elif action in (steps.ABOUT, steps.WORKPLACE):
            await interaction.response.send_modal(
                self.profile_modal(guild_id, action, answers.get(action) or {})
            )
            return
        elif action == "discpage":
            message = await self.step_message(guild_id, user_id, page=arg or 0)
            await interaction.response.edit_message(**message)
            return
        elif action in ("discdone", "intdone"):
            # Only move on: the picks were saved as they were made, and rewriting them from the copy read
            # above could undo a pick saved a moment ago.
            current, following = (
                (steps.DISCIPLINES, steps.INTERESTS)
                if action == "discdone"
                else (steps.INTERESTS, steps.DIRECTORY)
            )
            async with self.bot.database.session() as session:
                fresh = await progress_db.get_progress(session, guild_id, user_id)
                if fresh is not None and fresh.step == current:
                    await progress_db.set_step(session, fresh, following, discord.utils.utcnow())
        elif action in ("diryes", "dirno"):
            await self.save(guild_id, user_id, steps.DIRECTORY, action == "diryes", next_step=steps.SUMMARY)
        elif action == "edit":
            async with self.bot.database.session() as session:
                fresh = await progress_db.get_progress(session, guild_id, user_id)
                assert fresh is not None
                await progress_db.set_step(session, fresh, steps.ABOUT, discord.utils.utcnow())
        elif action == "confirm":
            await self.finish(interaction, guild_id)
            return
        await self.show_current(interaction, guild_id)

    def profile_modal(self, guild_id: int, section: str, defaults: dict[str, Any]) -> ProfileModal:
        async def saved(interaction: discord.Interaction, clean: dict[str, str | None]) -> None:
            await self.resolve(interaction, guild_id)
            progress = await self.load(guild_id, interaction.user.id)
            if progress is None or progress.finished or progress.step != section:
                await self.show_current(interaction, guild_id, note="Here is where you left off.")
                return
            await self.save(guild_id, interaction.user.id, section, clean, next_step=steps.next_step(section))
            await self.show_current(interaction, guild_id, note="Saved.")

        title = steps.STEP_TITLES[section]
        fields = steps.PROFILE_SECTIONS[section]
        return ProfileModal(title, f"onboarding:modal:{section}:{guild_id}", fields, defaults, saved)

    async def on_disciplines_picked(
        self, interaction: discord.Interaction, guild_id: int, page: int, picked: list[str]
    ) -> None:
        await self.resolve(interaction, guild_id)
        progress = await self.load(guild_id, interaction.user.id)
        if progress is None or progress.finished or progress.step != steps.DISCIPLINES:
            await self.show_current(interaction, guild_id, note="Here is where you left off.")
            return
        async with self.bot.database.session() as session:
            entries = await catalog.seed_defaults(session, guild_id, discord.utils.utcnow())
        ids = [d.id for d in entries]
        page_ids = set(steps.pages(ids)[steps.clamp_page(page, len(steps.pages(ids)))])
        wanted = {int(value) for value in picked if value.isdigit()}
        chosen = {int(i) for i in progress.answers.get(steps.DISCIPLINES) or []} & set(ids)  # type: ignore[arg-type]
        chosen = steps.pick_on_page(chosen, page_ids, wanted)  # type: ignore[arg-type]
        await self.save(guild_id, interaction.user.id, steps.DISCIPLINES, sorted(chosen), next_step=None)
        await interaction.response.edit_message(
            **await self.step_message(guild_id, interaction.user.id, page=page)
        )

    async def on_interests_picked(
        self, interaction: discord.Interaction, guild_id: int, picked: list[str]
    ) -> None:
        await self.resolve(interaction, guild_id)
        progress = await self.load(guild_id, interaction.user.id)
        if progress is None or progress.finished or progress.step != steps.INTERESTS:
            await self.show_current(interaction, guild_id, note="Here is where you left off.")
            return
        await self.save(
            guild_id, interaction.user.id, steps.INTERESTS, steps.known_interests(picked), next_step=None
        )
        await interaction.response.edit_message(**await self.step_message(guild_id, interaction.user.id))

    # ------------------------------------------------------------------------------- completion

    async def finish(self, interaction: discord.Interaction, guild_id: int) -> None:
        """Store the profile, give the roles, introduce the member, send resources, record completion."""
        guild, member = await self.resolve(interaction, guild_id)
        private = interaction.guild_id is not None
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            if not await progress_db.claim_finish(session, guild_id, member.id, now):
                raise UserFacingError(
                    "You have already finished onboarding; `/profile edit` changes your details."
                )
            progress = await progress_db.get_progress(session, guild_id, member.id)
            assert progress is not None
            answers = dict(progress.answers or {})
            entries = await catalog.seed_defaults(session, guild_id, now)
            by_id = {d.id: d for d in entries}
            chosen = {int(i) for i in answers.get(steps.DISCIPLINES) or [] if int(i) in by_id}
            interests = steps.known_interests(answers.get(steps.INTERESTS) or [])
            profile = await members.get_or_create_profile(session, guild_id, member.id, now)
            await members.update_profile(
                session,
                profile,
                now,
                **(answers.get(steps.ABOUT) or {}),
                **(answers.get(steps.WORKPLACE) or {}),
                interests=interests,
                directory_opt_in=bool(answers.get(steps.DIRECTORY)),
                left_at=None,
            )
            # Disciplines tagged meanwhile with /discipline add or the panel are kept, not silently dropped.
            chosen |= await catalog.member_discipline_ids(session, guild_id, member.id) & set(by_id)
            await catalog.set_member_disciplines(session, guild_id, member.id, chosen, now)
            await jobs.cancel(session, reminder_key(guild_id, member.id))
            discipline_names = sorted(by_id[i].name for i in chosen)
        for day in steps.FOLLOW_UP_DAYS:
            await self.bot.scheduler.schedule(
                FOLLOW_UP_KIND,
                follow_up_key(guild_id, member.id, day),
                now + timedelta(days=day),
                payload={"user_id": member.id, "day": day},
                guild_id=guild_id,
            )
        await interaction.response.send_message(
            f"🎉 You're all set, and welcome to {discord.utils.escape_markdown(guild.name)}! "
            "`/profile view` shows your profile and `/help` lists what you can do.",
            ephemeral=private,
        )
        problems = await self.grant_roles(guild, member, chosen)
        if problems:
            await interaction.followup.send(role_tools.MEMBER_NOTICE, ephemeral=private)
            await role_tools.tell_organizers(self.bot, guild_id, member, problems)
        if profile.directory_opt_in:
            await self.introduce(guild, member, profile, discipline_names)
        try:
            picks = await self.pick_resources(guild_id, chosen, interests)
        except Exception:
            # Onboarding is already recorded and the roles given: a library hiccup must not look like failure.
            log.exception(
                "Could not pick resources for member %s of guild %s after onboarding", member.id, guild_id
            )
            await interaction.followup.send(PICKS_UNAVAILABLE, ephemeral=private)
            return
        text = "Three resources picked for you:\n" + views.resource_lines(picks) if picks else NO_RESOURCES
        await interaction.followup.send(truncate(text, 2000), ephemeral=private)

    async def grant_roles(
        self, guild: discord.Guild, member: discord.Member, discipline_ids: set[int]
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
        async with self.bot.database.session() as session:
            entries = [d for d in await catalog.list_disciplines(session, guild.id) if d.id in discipline_ids]
        for discipline in entries:
            role, problem = await role_tools.ensure_discipline_role(self.bot, guild, discipline)
            if problem:
                problems.append(problem)
            if role is not None:
                wanted.append(role)
        problems += await role_tools.give_roles(guild, member, wanted, reason="Finished coalition onboarding")
        return problems

    async def restore_roles(self, member: discord.Member) -> None:
        async with self.bot.database.session() as session:
            held = await catalog.member_discipline_ids(session, member.guild.id, member.id)
        problems = await self.grant_roles(member.guild, member, held)
        if problems:
            await role_tools.tell_organizers(self.bot, member.guild.id, member, problems)

    async def introduce(
        self, guild: discord.Guild, member: discord.Member, profile: Any, discipline_names: list[str]
    ) -> None:
        channel = await self.bot.configured_channel(guild.id, "introductions")
        if channel is None:
            return
        try:
            await channel.send(
                views.introduction(member.id, profile, discipline_names),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.warning("Could not post an introduction in guild %s", guild.id, exc_info=True)

    async def pick_resources(
        self, guild_id: int, discipline_ids: set[int], interests: list[str]
    ) -> list[Any]:
        """Resources for the member from the library, when that feature is installed."""
        pick = _optional("db.resources", "pick_resources")
        if pick is None:
            return []
        async with self.bot.database.session() as session:
            return list(
                await pick(session, guild_id, discipline_ids=discipline_ids, interests=interests, limit=3)
            )

    async def open_places(self, guild_id: int, discipline_ids: set[int]) -> list[Any]:
        find = _optional("db.campaigns", "open_places_for")
        if find is None:
            return []
        async with self.bot.database.session() as session:
            return list(
                await find(
                    session, guild_id, discipline_ids=discipline_ids, now=discord.utils.utcnow(), limit=3
                )
            )

    # ----------------------------------------------------------------------------------- nudges

    async def send_reminder(self, job: Any) -> None:
        """One DM to a member whose flow has stalled for a day; never for one who finished."""
        guild_id, user_id = job.guild_id, int(job.payload["user_id"])
        progress = await self.load(guild_id, user_id)
        guild = self.bot.get_guild(guild_id)
        member = await find_member(guild, user_id) if guild else None
        if progress is None or progress.finished or member is None:
            return
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            if not await progress_db.claim_once(session, guild_id, user_id, "reminder_sent_at", now):
                return
        message = await self.step_message(
            guild_id,
            user_id,
            note="👋 Your onboarding is waiting for you; it takes a couple of minutes. Here is where you stopped:",
        )
        try:
            await member.send(**message)
        except discord.Forbidden:
            log.info("Member %s of guild %s has closed DMs; no reminder", user_id, guild_id)

    async def send_follow_up(self, job: Any) -> None:
        """Day 7 and day 30 after onboarding: resources and open campaign places that fit."""
        guild_id, user_id, day = job.guild_id, int(job.payload["user_id"]), int(job.payload["day"])
        guild = self.bot.get_guild(guild_id)
        member = await find_member(guild, user_id) if guild else None
        if member is None or day not in steps.FOLLOW_UP_DAYS:
            return
        async with self.bot.database.session() as session:
            if not await progress_db.claim_once(
                session, guild_id, user_id, f"followup_{day}_sent_at", discord.utils.utcnow()
            ):
                return
            profile = await members.get_profile(session, guild_id, user_id)
            held = await catalog.member_discipline_ids(session, guild_id, user_id)
        interests = list(profile.interests or []) if profile else []
        parts = [
            f"Hello again from {discord.utils.escape_markdown(guild.name)}! {day} days in, here is what fits your work."
        ]  # type: ignore[union-attr]
        # The follow-up is already claimed as sent: a failing lookup must cost its section, not the message.
        try:
            picks = await self.pick_resources(guild_id, held, interests)
            parts.append("**Resources**\n" + (views.resource_lines(picks) if picks else NO_RESOURCES))
        except Exception:
            log.exception(
                "Could not pick resources for the day-%d follow-up of %s in guild %s", day, user_id, guild_id
            )
        try:
            places = await self.open_places(guild_id, held)
        except Exception:
            log.exception("Could not list open campaign places for the day-%d follow-up of %s", day, user_id)
            places = []
        if places:
            lines = [
                f"• {views.safe(p.campaign_title)}: {views.safe(p.slot_name)} ({p.free} place{'s' if p.free != 1 else ''} open)"
                for p in places
            ]
            parts.append(
                "**Campaigns looking for people**\n" + "\n".join(lines) + "\nSign up with `/campaign join`."
            )
        else:
            parts.append(
                "No campaign has open places right now; organizers announce new ones in the campaigns channel."
            )
        try:
            await member.send(truncate("\n\n".join(parts), 2000))
        except discord.Forbidden:
            log.info("Member %s of guild %s has closed DMs; no day-%d follow-up", user_id, guild_id, day)


async def find_member(guild: discord.Guild, user_id: int) -> discord.Member | None:
    """The member from the cache, or from Discord when the cache is not filled yet (just after a start)."""
    member = guild.get_member(user_id)
    if member is not None:
        return member
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        return None


def _optional(module: str, name: str) -> Any:
    """A function from another feature's module, or None when that feature is not installed."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
