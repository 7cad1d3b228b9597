"""`/poll`: organizer polls with secret or named ballots, role limits, quorum, departments and ranked choice."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_organizer, organizer_only
from bot.coalesce import Coalescer
from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.replies import defer, reply, truncate
from bot.timeparse import When
from cogs.polls import chart, export, rules, service, views
from cogs.polls.service import PollInfo, PollResults
from db.jobs import ScheduledJob

log = logging.getLogger(__name__)

KIND_CHOICES = [
    app_commands.Choice(name="Single choice", value="single"),
    app_commands.Choice(name="Multiple choice (up to N)", value="multiple"),
    app_commands.Choice(name="Ranked choice (instant runoff)", value="ranked"),
]
DEPARTMENT_CHOICES = [
    app_commands.Choice(name="Off: every member votes", value="off"),
    app_commands.Choice(name="One per department: a later ballot replaces", value="replace"),
    app_commands.Choice(name="One per department: later ballots refused", value="refuse"),
]
MISSING_SECRET = (
    "BALLOT_SECRET is not set, so organizers cannot create secret polls{open} until it is: "
    "set it in the environment or .env (see .env.example)."
)


@app_commands.guild_only()
class PollsCog(commands.GroupCog, group_name="poll", group_description="Polls the coalition can decide with"):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.edits = Coalescer()

    @property
    def ballot_secret(self) -> str | None:
        return self.bot.settings.ballot_secret

    async def cog_load(self) -> None:
        self.bot.scheduler.register(service.CLOSE_JOB, self.run_close_job)
        self.bot.scheduler.register(service.REFRESH_JOB, self.run_refresh_job)
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
        if not self.ballot_secret:
            waiting = await service.open_secret_polls(self.bot.app)
            open_polls = f", and the {waiting} open secret polls cannot take votes" if waiting else ""
            log.warning(MISSING_SECRET.format(open=open_polls))

    async def cog_unload(self) -> None:
        self.edits.cancel_all()
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)

    # ------------------------------------------------------------------------- commands

    @app_commands.command(name="create")
    @app_commands.describe(
        question="What the coalition is deciding",
        options="2 to 25 options separated by |, like: Yes | No | Abstain",
        closes="When voting ends: a duration like 2d or 3h, or a date and time like 2026-12-01 17:00",
        timezone="The time zone of the closing time, like America/Chicago or CT (default: UTC)",
        kind="Single choice, multiple choice (up to N) or ranked choice",
        max_choices="Multiple choice only: how many options each member may pick (default: all)",
        secret="Secret ballot (no one, not even organizers, can see who voted what once it closes)",
        results="Show results live as votes come in, or hide them until the poll closes",
        role="Only members with this role may vote",
        quorum="Ballots needed for the result to count",
        one_per_department="Count one ballot per health department (from members' profiles)",
        channel="Where to post the poll (default: the polls channel, or here)",
    )
    @app_commands.choices(kind=KIND_CHOICES, one_per_department=DEPARTMENT_CHOICES)
    @organizer_only()
    async def create(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, rules.QUESTION_MAX],
        options: app_commands.Range[str, 3, 2500],
        closes: When,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        kind: str = "single",
        max_choices: app_commands.Range[int, 1, rules.MAX_OPTIONS] | None = None,
        secret: bool = True,
        results: Literal["live", "hidden"] = "hidden",
        role: discord.Role | None = None,
        quorum: app_commands.Range[int, 1, 100000] | None = None,
        one_per_department: str = "off",
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Create a poll (organizers)."""
        assert interaction.guild is not None
        draft = service.draft_poll(
            question=question,
            options=options,
            closes_at=closes,
            now=discord.utils.utcnow(),
            kind=kind,
            max_choices=max_choices,
            secret=secret,
            live_results=results == "live",
            role_id=role.id if role is not None and not role.is_default() else None,  # @everyone: no limit
            quorum=quorum,
            department_mode=one_per_department,
            ballot_secret=self.ballot_secret,
        )
        # Before anything waits on the database (the channel setting, then the poll itself).
        await defer(interaction)
        target = await self._poll_channel(interaction, channel)
        created = await service.create_poll(
            self.bot.app,
            guild_id=interaction.guild.id,
            created_by=interaction.user.id,
            draft=draft,
            ballot_secret=self.ballot_secret,
        )
        poll = created.poll
        outcome = created.outcome if poll.live_results else None
        try:
            message = await target.send(embed=views.poll_embed(poll, outcome), view=views.voting_view(poll))
        except discord.HTTPException as error:
            await service.discard_poll(self.bot.app, poll_id=poll.id)
            raise UserFacingError(
                f"I could not post the poll in {target.mention} ({error.text or error.status})."
            ) from error
        await service.publish_poll(
            self.bot.app,
            poll_id=poll.id,
            channel_id=target.id,
            message_id=message.id,
            actor_id=interaction.user.id,
        )
        await reply(
            interaction,
            f"Poll #{poll.id} is up in {message.jump_url}. It closes "
            f"{discord.utils.format_dt(poll.closes_at, 'F')} ({discord.utils.format_dt(poll.closes_at, 'R')}).",
            ephemeral=True,
        )

    async def _poll_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None
    ) -> discord.TextChannel:
        """The channel to post in, if the bot may post a poll there; otherwise say what is missing."""
        assert interaction.guild is not None
        target = (
            channel or await self.bot.configured_channel(interaction.guild.id, "polls") or interaction.channel
        )
        if not isinstance(target, discord.TextChannel) or target.guild.id != interaction.guild.id:
            raise UserFacingError(
                "I can only post polls in a text channel of this server. Pick one with `channel`."
            )
        permissions = target.permissions_for(interaction.guild.me)
        if not (permissions.send_messages and permissions.embed_links and permissions.attach_files):
            raise UserFacingError(
                f"I cannot post a poll in {target.mention}: I need Send Messages, Embed Links and Attach Files there."
            )
        return target

    @app_commands.command(name="close")
    @app_commands.describe(poll="The poll to close now")
    @organizer_only()
    async def close(self, interaction: discord.Interaction, poll: str) -> None:
        """Close a poll now and post its results (organizers)."""
        assert interaction.guild_id is not None
        poll_id = service.parse_poll_ref(poll)
        await defer(interaction)
        closed = await service.close_poll_now(
            self.bot.app, guild_id=interaction.guild_id, poll_id=poll_id, closed_by=interaction.user.id
        )
        try:
            await self.announce(closed.results)
        except discord.HTTPException as error:
            # The poll is closed; its durable close job (still pending) posts the results, soon.
            log.warning(
                "Could not post the results of poll %s; the close job retries", poll_id, exc_info=True
            )
            retry_at = await service.retry_announcement(self.bot.app, poll_id=poll_id)
            await reply(
                interaction,
                f"Poll #{poll_id} is closed, but I could not post its results yet "
                f"({error.text or error.status}). I will try again {discord.utils.format_dt(retry_at, 'R')}.",
                ephemeral=True,
            )
            return
        await reply(
            interaction, f"Poll #{poll_id} is closed and its results are on the poll message.", ephemeral=True
        )

    @app_commands.command(name="results")
    @app_commands.describe(poll="The poll whose results to show")
    async def results(self, interaction: discord.Interaction, poll: str) -> None:
        """Show a poll's results with a chart (live-results polls, closed polls, or organizers)."""
        assert interaction.guild_id is not None
        poll_id = service.parse_poll_ref(poll)
        await defer(interaction)
        organizer = await is_organizer(self.bot, interaction.user, interaction.guild)
        shown = await service.poll_results(
            self.bot.app, guild_id=interaction.guild_id, poll_id=poll_id, organizer=organizer
        )
        embed, file = await self._results_with_chart(shown)
        hidden = shown.poll.is_open and not shown.poll.live_results
        note = "Hidden from members until the poll closes." if hidden else None
        await reply(interaction, note, embed=embed, file=file, ephemeral=True)

    @app_commands.command(name="export")
    @app_commands.describe(poll="The poll to export as CSV")
    @organizer_only()
    async def export(self, interaction: discord.Interaction, poll: str) -> None:
        """Export a poll as CSV: totals, and each ballot with its voter for named polls (organizers)."""
        assert interaction.guild is not None
        poll_id = service.parse_poll_ref(poll)
        await defer(interaction)
        found = await service.export_poll(
            self.bot.app, guild_id=interaction.guild.id, poll_id=poll_id, actor_id=interaction.user.id
        )
        info = found.results.poll
        totals = export.totals_csv(info, found.results.outcome)
        files = [discord.File(io.BytesIO(totals.encode()), filename=f"poll-{info.id}-totals.csv")]
        if info.secret:
            note = f"Poll #{info.id} is secret, so the export has totals only."
        else:
            guild = interaction.guild

            def name_of(user_id: int) -> str:
                member = guild.get_member(user_id)
                return member.display_name if member else ""

            ballots = export.ballots_csv(info, found.ballots, name_of)
            files.append(discord.File(io.BytesIO(ballots.encode()), filename=f"poll-{info.id}-ballots.csv"))
            note = f"Poll #{info.id}: totals and each ballot with its voter."
        await interaction.followup.send(note, files=files, ephemeral=True)

    @app_commands.command(name="list")
    async def list_polls(self, interaction: discord.Interaction) -> None:
        """List this server's open polls and the latest closed ones."""
        assert interaction.guild_id is not None
        await defer(interaction)
        found = await service.list_polls(self.bot.app, guild_id=interaction.guild_id, limit=15)
        if not found:
            await reply(interaction, "There are no polls in this server yet.", ephemeral=True)
            return
        embed = discord.Embed(
            title="Polls", description=truncate(views.poll_list(found), 4000), colour=views.OPEN_COLOUR
        )
        await reply(interaction, embed=embed, ephemeral=True)

    async def poll_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await service.list_polls(self.bot.app, guild_id=interaction.guild_id, limit=100)
        typed = current.casefold().lstrip("#")
        choices = []
        for poll in found:
            if typed and typed not in poll.question.casefold() and typed != str(poll.id):
                continue
            state = "open" if poll.is_open else "closed"
            name = truncate(f"#{poll.id} {poll.question} ({state})", 100)
            choices.append(app_commands.Choice(name=name, value=str(poll.id)))
        return choices[:25]

    close.autocomplete("poll")(poll_autocomplete)
    results.autocomplete("poll")(poll_autocomplete)
    export.autocomplete("poll")(poll_autocomplete)

    # ------------------------------------------------------------------------- voting

    @staticmethod
    def _voter(interaction: discord.Interaction) -> tuple[int, service.Voter]:
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            raise UserFacingError("Polls are voted on inside the server.")
        roles = [role.id for role in interaction.user.roles]
        return interaction.guild_id, service.voter_of(interaction.user.id, roles)

    async def cast_vote(
        self, interaction: discord.Interaction, poll_id: int, choices: Sequence[int], *, edit: bool = False
    ) -> None:
        """Acknowledge at once, record (or replace) the member's ballot, tell them, and refresh live results."""
        guild_id, voter = self._voter(interaction)
        # Answer first: whatever queue the vote then waits in, Discord's 3-second window is already met.
        acknowledged = await self._retry_once(
            interaction.response.defer
            if edit
            else partial(interaction.response.defer, ephemeral=True, thinking=True)
        )
        # Live counts are redrawn once the votes arriving together have all been recorded.
        with self.edits.busy(poll_id):
            result = await service.vote(
                self.bot.app,
                guild_id=guild_id,
                poll_id=poll_id,
                voter=voter,
                choices=choices,
                ballot_secret=self.ballot_secret,
            )
            text = views.vote_answer(result)
            answered = acknowledged and await self._retry_once(
                partial(interaction.edit_original_response, content=text, view=None)
                if edit
                else partial(interaction.followup.send, text, ephemeral=True)
            )
            if not answered:
                # The ballot is stored and the live counts still follow; only the confirmation could not be shown.
                log.warning("Vote of user %s stored, but its answer could not be sent", interaction.user.id)
            if result.poll.live_results:
                self.edits.request(poll_id, lambda: self._edit_live_message(poll_id, guild_id))

    @staticmethod
    async def _retry_once(send: Callable[[], Awaitable[object]]) -> bool:
        """Send one answer, trying once more when Discord refuses it; False when it could not be sent."""
        for attempt in range(2):
            try:
                await send()
                return True
            except discord.NotFound:
                return False  # the interaction expired: nothing reaches the member through it any more
            except discord.HTTPException:
                if attempt:
                    return False
        return False

    async def show_ranking(
        self, interaction: discord.Interaction, poll_id: int, picks: Sequence[int], *, first: bool = False
    ) -> None:
        """Show the next ranking step (a new private message on the first step, an edit afterwards)."""
        guild_id, voter = self._voter(interaction)
        # Answer first, as votes do: the step is read from the database only after Discord has its answer.
        if first:
            await interaction.response.defer(ephemeral=True, thinking=True)
        else:
            await interaction.response.defer()
        step = await service.ranking_step(
            self.bot.app,
            guild_id=guild_id,
            poll_id=poll_id,
            voter=voter,
            picks=picks,
            first=first,
            ballot_secret=self.ballot_secret,
        )
        content = views.ranking_prompt(step.poll, step.picks, step.current)
        view = views.ranking_view(step.poll, step.picks)
        if first:
            await interaction.followup.send(content, view=view, ephemeral=True)
        else:
            await interaction.edit_original_response(content=content, view=view)

    async def _edit_live_message(self, poll_id: int, guild_id: int) -> None:
        shown = await service.live_results(self.bot.app, guild_id=guild_id, poll_id=poll_id)
        message = self._poll_message(shown.poll) if shown is not None else None
        if shown is None or message is None:
            return
        try:
            await message.edit(embed=views.poll_embed(shown.poll, shown.outcome))
        except (discord.NotFound, discord.Forbidden):
            log.info("The message of poll %s is gone or out of reach; live results not refreshed", poll_id)
        except discord.HTTPException:
            # Refused for now (a 500, a rate limit): redraw again soon rather than wait for the next vote.
            retry_at = await service.schedule_live_refresh(self.bot.app, guild_id=guild_id, poll_id=poll_id)
            log.warning("Could not refresh live results of poll %s; trying again at %s", poll_id, retry_at)

    @commands.Cog.listener()
    async def on_member_forgotten(self, guild_id: int, deletion: Any) -> None:
        """A member deleted their data: their named ballots are gone, so live counts are redrawn."""
        for poll_id in deletion.polls_recounted:
            await self._edit_live_message(poll_id, guild_id)

    async def run_refresh_job(self, job: ScheduledJob) -> None:
        if job.guild_id is not None:
            await self._edit_live_message(int(job.payload.get("poll_id", 0)), job.guild_id)

    # ------------------------------------------------------------------------- closing

    async def run_close_job(self, job: ScheduledJob) -> None:
        closed = await service.close_due_poll(self.bot.app, poll_id=int(job.payload.get("poll_id", 0)))
        if closed is not None:
            await self.announce(closed.results)

    async def announce(self, shown: PollResults) -> None:
        """Write the results and chart to the poll's message, once (a new message if it is gone)."""
        poll = shown.poll
        if poll.announced_at is not None:
            return
        embed, file = await self._results_with_chart(shown)
        message = self._poll_message(poll)
        posted = False
        if message is not None:
            try:
                await message.edit(embed=embed, attachments=[file], view=None)
                posted = True
            except discord.NotFound:
                log.info("The message of poll %s is gone; posting its results anew", poll.id)
        if not posted:
            channel = self.bot.get_channel(poll.channel_id or 0)
            if not isinstance(channel, discord.abc.Messageable):
                log.warning("Poll %s closed but its channel is gone; results not posted", poll.id)
            else:
                embed, file = await self._results_with_chart(shown)
                await channel.send(embed=embed, file=file)
        await service.announced(self.bot.app, poll_id=poll.id)

    def _poll_message(self, poll: PollInfo) -> discord.PartialMessage | None:
        if poll.channel_id is None or poll.message_id is None:
            return None
        channel = self.bot.get_channel(poll.channel_id)
        if not isinstance(channel, (discord.TextChannel, discord.Thread)):
            return None
        return channel.get_partial_message(poll.message_id)

    async def _results_with_chart(self, shown: PollResults) -> tuple[discord.Embed, discord.File]:
        poll, outcome = shown.poll, shown.outcome
        title = poll.question if poll.kind != "ranked" else f"{poll.question} (final round)"
        png = await asyncio.to_thread(
            chart.render_results_chart, title, poll.options, outcome.counts, outcome.winners
        )
        filename = f"poll-{poll.id}-results.png"
        embed = views.poll_embed(poll, outcome)
        embed.set_image(url=f"attachment://{filename}")
        return embed, discord.File(io.BytesIO(png), filename=filename)
