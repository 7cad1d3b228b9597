"""`/poll`: organizer polls with secret or named ballots, role limits, quorum, departments and ranked choice."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Sequence
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record_action
from bot.checks import is_organizer, organizer_only
from bot.coalesce import Coalescer
from bot.core import CoalitionBot
from bot.errors import NotFound, UserFacingError
from bot.replies import defer, reply, truncate
from bot.scheduler import RETRY_DELAYS
from cogs.polls import chart, rules, tally, views
from db import jobs, members
from db import polls as store
from db.jobs import ScheduledJob
from db.polls import Poll

log = logging.getLogger(__name__)

CLOSE_JOB = "poll.close"
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


def close_key(poll_id: int) -> str:
    return f"poll.close:{poll_id}"


def _csv_cell(value: object) -> str:
    # A cell starting with = + - @ (or a tab or carriage return) would run as a formula in a spreadsheet.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@app_commands.guild_only()
class PollsCog(commands.GroupCog, group_name="poll", group_description="Polls the coalition can decide with"):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.edits = Coalescer()

    async def cog_load(self) -> None:
        self.bot.scheduler.register(CLOSE_JOB, self.run_close_job)
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.edits.cancel_all()
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)

    # ------------------------------------------------------------------------- commands

    @app_commands.command(name="create")
    @app_commands.describe(
        question="What the coalition is deciding",
        options="2 to 25 options separated by |, like: Yes | No | Abstain",
        closes="When voting ends: a duration like 2d or 3h, or a UTC time like 2026-12-01 17:00",
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
        closes: app_commands.Range[str, 1, 40],
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
        now = discord.utils.utcnow()
        try:
            labels = rules.parse_options(options)
            closes_at = rules.parse_closing_time(closes, now)
        except rules.PollRuleError as error:
            raise UserFacingError(str(error)) from error
        if kind not in rules.KINDS or one_per_department not in rules.DEPARTMENT_MODES:
            raise UserFacingError("Please pick the poll kind and department rule from the suggestions.")
        limit = 1
        if kind == "multiple":
            limit = max_choices or len(labels)
            if not 2 <= limit <= len(labels):
                raise UserFacingError(
                    f"For a multiple-choice poll, max_choices must be between 2 and the number of options ({len(labels)})."
                )
        elif kind == "ranked":
            limit = len(labels)
        if role is not None and role.is_default():
            role = None  # @everyone: no limit
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
        await defer(interaction)
        async with self.bot.database.session() as session:
            poll = await store.create_poll(
                session,
                guild_id=interaction.guild.id,
                created_by=interaction.user.id,
                question=question.strip(),
                options=labels,
                kind=kind,
                max_choices=limit,
                secret=secret,
                live_results=results == "live",
                closes_at=closes_at,
                now=now,
                role_id=role.id if role else None,
                quorum=quorum,
                department_mode=one_per_department,
            )
        assert poll.id is not None
        outcome = tally.outcome(poll.kind, len(labels), [], poll.quorum) if poll.live_results else None
        try:
            message = await target.send(embed=views.poll_embed(poll, outcome), view=views.voting_view(poll))
        except discord.HTTPException as error:
            async with self.bot.database.session() as session:
                stale = await session.get(Poll, poll.id)
                if stale is not None:
                    await session.delete(stale)
            raise UserFacingError(
                f"I could not post the poll in {target.mention} ({error.text or error.status})."
            ) from error
        async with self.bot.database.session() as session:
            await store.set_message(session, poll.id, target.id, message.id)
        await self.bot.scheduler.schedule(
            CLOSE_JOB,
            close_key(poll.id),
            closes_at,
            payload={"poll_id": poll.id},
            guild_id=interaction.guild.id,
        )
        await reply(
            interaction,
            f"Poll #{poll.id} is up in {message.jump_url}. It closes "
            f"{discord.utils.format_dt(closes_at, 'F')} ({discord.utils.format_dt(closes_at, 'R')}).",
            ephemeral=True,
        )
        await record_action(
            self.bot,
            interaction.guild.id,
            interaction.user.id,
            "poll.create",
            f"#{poll.id}: {truncate(poll.question, 200)}",
        )

    @app_commands.command(name="close")
    @app_commands.describe(poll="The poll to close now")
    @organizer_only()
    async def close(self, interaction: discord.Interaction, poll: str) -> None:
        """Close a poll now and post its results (organizers)."""
        assert interaction.guild_id is not None
        found = await self._poll_from_option(interaction.guild_id, poll)
        if not found.is_open:
            raise UserFacingError(f"Poll #{found.id} is already closed.")
        await defer(interaction)
        assert found.id is not None
        key = close_key(found.id)
        try:
            await self.close_and_announce(found.id, closed_by=interaction.user.id)
        except discord.HTTPException as error:
            # The poll is closed; its durable close job (still pending) posts the results, soon.
            log.warning(
                "Could not post the results of poll %s; the close job retries", found.id, exc_info=True
            )
            retry_at = discord.utils.utcnow() + RETRY_DELAYS[0]
            async with self.bot.database.session() as session:
                moved = await jobs.reschedule(session, key, retry_at)
            if moved:
                # Scheduling the existing key changes nothing but wakes the scheduler for the sooner time.
                await self.bot.scheduler.schedule(CLOSE_JOB, key, retry_at, payload={"poll_id": found.id})
            await reply(
                interaction,
                f"Poll #{found.id} is closed, but I could not post its results yet "
                f"({error.text or error.status}). I will try again {discord.utils.format_dt(retry_at, 'R')}.",
                ephemeral=True,
            )
        else:
            # Only now: until the results are posted, the job is what retries them.
            await self.bot.scheduler.cancel(key)
            await reply(
                interaction,
                f"Poll #{found.id} is closed and its results are on the poll message.",
                ephemeral=True,
            )
        await record_action(self.bot, interaction.guild_id, interaction.user.id, "poll.close", f"#{found.id}")

    @app_commands.command(name="results")
    @app_commands.describe(poll="The poll whose results to show")
    async def results(self, interaction: discord.Interaction, poll: str) -> None:
        """Show a poll's results with a chart (live-results polls, closed polls, or organizers)."""
        assert interaction.guild_id is not None
        found = await self._poll_from_option(interaction.guild_id, poll)
        hidden = found.is_open and not found.live_results
        if hidden and not await is_organizer(self.bot, interaction.user, interaction.guild):
            raise UserFacingError(
                "The results of this poll stay hidden until it closes "
                f"{discord.utils.format_dt(found.closes_at, 'R')}."
            )
        await defer(interaction)
        outcome = await self._outcome(found)
        embed, file = await self._results_with_chart(found, outcome)
        note = (
            "Hidden from members until the poll closes." if found.is_open and not found.live_results else None
        )
        await interaction.followup.send(content=note, embed=embed, file=file, ephemeral=True)

    @app_commands.command(name="export")
    @app_commands.describe(poll="The poll to export as CSV")
    @organizer_only()
    async def export(self, interaction: discord.Interaction, poll: str) -> None:
        """Export a poll as CSV: totals, and each ballot with its voter for named polls (organizers)."""
        assert interaction.guild is not None
        found = await self._poll_from_option(interaction.guild.id, poll)
        assert found.id is not None
        await defer(interaction)
        outcome = await self._outcome(found)
        files = [
            discord.File(
                io.BytesIO(self._totals_csv(found, outcome).encode()), filename=f"poll-{found.id}-totals.csv"
            )
        ]
        if not found.secret:
            async with self.bot.database.session() as session:
                ballots = await store.named_ballots(session, found.id)
            files.append(
                discord.File(
                    io.BytesIO(self._ballots_csv(interaction.guild, found, ballots).encode()),
                    filename=f"poll-{found.id}-ballots.csv",
                )
            )
            note = f"Poll #{found.id}: totals and each ballot with its voter."
        else:
            note = f"Poll #{found.id} is secret, so the export has totals only."
        await interaction.followup.send(note, files=files, ephemeral=True)
        await record_action(
            self.bot, interaction.guild.id, interaction.user.id, "poll.export", f"#{found.id}"
        )

    @app_commands.command(name="list")
    async def list_polls(self, interaction: discord.Interaction) -> None:
        """List this server's open polls and the latest closed ones."""
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            found = await store.list_polls(session, interaction.guild_id, limit=15)
        if not found:
            await reply(interaction, "There are no polls in this server yet.", ephemeral=True)
            return
        lines = []
        for poll in found:
            when = discord.utils.format_dt(poll.closed_at or poll.closes_at, "R")
            state = f"open, closes {when}" if poll.is_open else f"closed {when}"
            link = (
                f" · [go to poll](https://discord.com/channels/{poll.guild_id}/{poll.channel_id}/{poll.message_id})"
                if poll.message_id
                else ""
            )
            question = truncate(discord.utils.escape_markdown(poll.question), 120)
            lines.append(f"**#{poll.id}** {question} ({state}){link}")
        embed = discord.Embed(
            title="Polls", description=truncate("\n".join(lines), 4000), colour=views.OPEN_COLOUR
        )
        await reply(interaction, embed=embed, ephemeral=True)

    @close.autocomplete("poll")
    @results.autocomplete("poll")
    @export.autocomplete("poll")
    async def poll_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.database.session() as session:
            found = await store.list_polls(session, interaction.guild_id, limit=100)
        typed = current.casefold().lstrip("#")
        choices = []
        for poll in found:
            if typed and typed not in poll.question.casefold() and typed != str(poll.id):
                continue
            state = "open" if poll.is_open else "closed"
            choices.append(
                app_commands.Choice(
                    name=truncate(f"#{poll.id} {poll.question} ({state})", 100), value=str(poll.id)
                )
            )
        return choices[:25]

    # ------------------------------------------------------------------------- voting

    async def _open_poll_for_voter(
        self, session: AsyncSession, interaction: discord.Interaction, poll_id: int
    ) -> Poll:
        """Reload the poll and check that this member may vote in it now, or say why not."""
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            raise UserFacingError("Polls are voted on inside the server.")
        poll = await store.get_poll(session, interaction.guild_id, poll_id)
        if poll is None:
            raise NotFound("This poll does not exist in this server (any more); your vote was not recorded.")
        now = discord.utils.utcnow()
        if not poll.is_open or now >= poll.closes_at:
            when = poll.closed_at or poll.closes_at
            raise UserFacingError(
                f"This poll closed {discord.utils.format_dt(when, 'R')}; votes are no longer accepted."
            )
        if poll.role_id and interaction.user.get_role(poll.role_id) is None:
            raise UserFacingError(
                f"Only members with the <@&{poll.role_id}> role may vote in this poll, and you do not have it, "
                "so your vote was not recorded. Ask an organizer if you think you should."
            )
        return poll

    async def _organization_of(self, session: AsyncSession, poll: Poll, user_id: int) -> str | None:
        if poll.department_mode == "off":
            return None
        profile = await members.get_profile(session, poll.guild_id, user_id)
        if profile is None or not profile.organization_key:
            raise UserFacingError(
                "This poll counts one ballot per health department, so I need to know yours: set your "
                "organization with `/profile edit`, then vote again."
            )
        return profile.organization_key

    async def cast_vote(
        self, interaction: discord.Interaction, poll_id: int, choices: Sequence[int], *, edit: bool = False
    ) -> None:
        """Record (or replace) the member's ballot, tell them, and refresh live results."""
        # Live counts are redrawn once the votes arriving together have all been recorded.
        with self.edits.busy(poll_id):
            await self._cast_vote(interaction, poll_id, choices, edit=edit)

    async def _cast_vote(
        self, interaction: discord.Interaction, poll_id: int, choices: Sequence[int], *, edit: bool
    ) -> None:
        now = discord.utils.utcnow()
        for attempt in range(2):
            try:
                # One unit of work: the checks and the ballot see the same poll row.
                async with self.bot.database.session() as session:
                    poll = await self._open_poll_for_voter(session, interaction, poll_id)
                    try:
                        ballot = rules.check_ballot(poll.kind, len(poll.options), poll.max_choices, choices)
                    except rules.PollRuleError as error:
                        raise UserFacingError(str(error)) from error
                    organization = await self._organization_of(session, poll, interaction.user.id)
                    result = await store.cast_ballot(
                        session, poll, interaction.user.id, ballot, now, organization_key=organization
                    )
                break
            except store.PollClosed as error:
                raise UserFacingError(
                    "This poll closed a moment ago; votes are no longer accepted, so yours was not recorded."
                ) from error
            except store.DepartmentAlreadyVoted as error:
                raise UserFacingError(
                    "Someone from your health department has already voted in this poll, and it takes one "
                    "ballot per department, so your vote was not recorded."
                ) from error
            except store.BallotConflict:
                # Another click for the same member or department landed at the same moment: try once more.
                if attempt:
                    raise
        verb = "changed to" if result.changed else "recorded"
        lines = [f"Your vote is {verb}: {views.choices_text(poll, ballot)}."]
        if result.replaced_department:
            lines.append("It replaces the ballot your health department had cast earlier.")
        lines.append(
            f"You can change it until the poll closes {discord.utils.format_dt(poll.closes_at, 'R')}."
        )
        if poll.secret:
            lines.append("The ballot is secret: once the poll closes it cannot be tied to you.")
        text = truncate(" ".join(lines), 2000)
        if edit:
            await interaction.response.edit_message(content=text, view=None)
        else:
            await interaction.response.send_message(text, ephemeral=True)
        if poll.live_results:
            self.edits.request(poll_id, lambda: self._edit_live_message(poll_id, poll.guild_id))

    async def show_ranking(
        self, interaction: discord.Interaction, poll_id: int, picks: Sequence[int], *, first: bool = False
    ) -> None:
        """Show the next ranking step (a new private message on the first step, an edit afterwards)."""
        async with self.bot.database.session() as session:
            poll = await self._open_poll_for_voter(session, interaction, poll_id)
            # Say so now rather than after the whole ranking.
            await self._organization_of(session, poll, interaction.user.id)
            current = await store.ballot_of(session, poll, interaction.user.id) if first else None
        if poll.kind != "ranked":
            raise UserFacingError("This poll is not a ranked-choice poll.")
        if len(set(picks)) != len(picks) or any(not 0 <= index < len(poll.options) for index in picks):
            raise UserFacingError("That ranking does not match this poll. Please start again from the poll.")
        content = views.ranking_prompt(poll, picks, current)
        view = views.ranking_view(poll, picks)
        if first:
            await interaction.response.send_message(content, view=view, ephemeral=True)
        else:
            await interaction.response.edit_message(content=content, view=view)

    async def _edit_live_message(self, poll_id: int, guild_id: int) -> None:
        async with self.bot.database.session() as session:
            poll = await store.get_poll(session, guild_id, poll_id)
            if poll is None or not poll.is_open or poll.message_id is None:
                return
            ballots = await store.ballot_choices(session, poll_id)
        outcome = tally.outcome(poll.kind, len(poll.options), ballots, poll.quorum)
        message = self._poll_message(poll)
        if message is None:
            return
        try:
            await message.edit(embed=views.poll_embed(poll, outcome))
        except discord.HTTPException:
            log.warning("Could not refresh live results of poll %s", poll_id, exc_info=True)

    # ------------------------------------------------------------------------- closing

    async def run_close_job(self, job: ScheduledJob) -> None:
        poll_id = int(job.payload.get("poll_id", 0))
        await self.close_and_announce(poll_id, closed_by=None)

    async def close_and_announce(self, poll_id: int, *, closed_by: int | None) -> None:
        """Close the poll once, then write the results and chart to its message (retried until done)."""
        now = discord.utils.utcnow()
        async with self.bot.database.session() as session:
            closed = await store.close_poll(session, poll_id, now, closed_by)
            poll = await session.get(Poll, poll_id, populate_existing=True)
        if poll is None:
            log.info("Poll %s no longer exists; nothing to close", poll_id)
            return
        if closed:
            log.info("Closed poll %s in guild %s", poll_id, poll.guild_id)
        if poll.announced_at is not None:
            return
        outcome = await self._outcome(poll)
        embed, file = await self._results_with_chart(poll, outcome)
        message = self._poll_message(poll)
        posted = False
        if message is not None:
            try:
                await message.edit(embed=embed, attachments=[file], view=None)
                posted = True
            except discord.NotFound:
                log.info("The message of poll %s is gone; posting its results anew", poll_id)
        if not posted:
            channel = self.bot.get_channel(poll.channel_id or 0)
            if not isinstance(channel, discord.abc.Messageable):
                log.warning("Poll %s closed but its channel is gone; results not posted", poll_id)
            else:
                embed, file = await self._results_with_chart(poll, outcome)
                await channel.send(embed=embed, file=file)
        async with self.bot.database.session() as session:
            await store.mark_announced(session, poll_id, discord.utils.utcnow())

    def _poll_message(self, poll: Poll) -> discord.PartialMessage | None:
        if poll.channel_id is None or poll.message_id is None:
            return None
        channel = self.bot.get_channel(poll.channel_id)
        if not isinstance(channel, (discord.TextChannel, discord.Thread)):
            return None
        return channel.get_partial_message(poll.message_id)

    # ------------------------------------------------------------------------- results

    async def _poll_from_option(self, guild_id: int, value: str) -> Poll:
        text = value.strip().lstrip("#")
        if not text.isdigit():
            raise UserFacingError("Pick a poll from the suggestions (or type its number, like 12).")
        async with self.bot.database.session() as session:
            poll = await store.get_poll(session, guild_id, int(text))
        if poll is None:
            raise NotFound(f"There is no poll #{text} in this server.")
        return poll

    async def _outcome(self, poll: Poll) -> tally.Outcome:
        assert poll.id is not None
        async with self.bot.database.session() as session:
            ballots = await store.ballot_choices(session, poll.id)
        return tally.outcome(poll.kind, len(poll.options), ballots, poll.quorum)

    async def _results_with_chart(
        self, poll: Poll, outcome: tally.Outcome
    ) -> tuple[discord.Embed, discord.File]:
        title = poll.question if poll.kind != "ranked" else f"{poll.question} (final round)"
        png = await asyncio.to_thread(
            chart.render_results_chart, title, poll.options, outcome.counts, outcome.winners
        )
        filename = f"poll-{poll.id}-results.png"
        embed = views.poll_embed(poll, outcome)
        embed.set_image(url=f"attachment://{filename}")
        return embed, discord.File(io.BytesIO(png), filename=filename)

    def _totals_csv(self, poll: Poll, outcome: tally.Outcome) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if poll.kind == "ranked":
            rounds = outcome.rounds
            writer.writerow(["option", *(f"round {r.number}" for r in rounds), "eliminated in round"])
            for index, option in enumerate(poll.options):
                out = next((str(r.number) for r in rounds if r.eliminated == index), "")
                writer.writerow([_csv_cell(option), *(r.counts.get(index, "") for r in rounds), out])
            writer.writerow(["exhausted ballots", *(r.exhausted for r in rounds), ""])
        else:
            total = sum(outcome.counts)
            writer.writerow(["option", "votes", "share"])
            for index, option in enumerate(poll.options):
                writer.writerow(
                    [_csv_cell(option), outcome.counts[index], tally.percent(outcome.counts[index], total)]
                )
        writer.writerow(["ballots", outcome.ballots])
        if poll.quorum:
            writer.writerow(["quorum", poll.quorum, "met" if outcome.quorum_met else "not met"])
        winners = "; ".join(poll.options[index] for index in outcome.winners)
        writer.writerow(["winner", _csv_cell(winners)])
        return buffer.getvalue()

    def _ballots_csv(self, guild: discord.Guild, poll: Poll, ballots: Sequence[store.PollBallot]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["voter_id", "voter", "cast_at", "choices"])
        for ballot in ballots:
            member = guild.get_member(ballot.voter_id or 0)
            name = member.display_name if member else ""
            picked = " > " if poll.kind == "ranked" else "; "
            writer.writerow(
                [
                    ballot.voter_id or "",
                    _csv_cell(name),
                    ballot.cast_at.isoformat() if ballot.cast_at else "",
                    _csv_cell(picked.join(poll.options[index] for index in ballot.choices)),
                ]
            )
        return buffer.getvalue()
