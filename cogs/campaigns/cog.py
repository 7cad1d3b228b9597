"""`/campaign`: coordinated media campaigns, their sign-up cards, waitlist offers, reminders and roll calls."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit import record_action
from bot.checks import ensure_organizer, organizer_only
from bot.coalesce import Coalescer
from bot.core import CoalitionBot
from bot.errors import NotFound, UserFacingError
from bot.pacing import pace_dm
from bot.replies import defer, reply, truncate
from cogs.campaigns import rules, views
from db import campaigns, disciplines
from db.campaigns import Campaign, CampaignRefused, Offer
from db.jobs import ScheduledJob

log = logging.getLogger(__name__)

# A rush of clicks becomes at most one card edit per campaign in this many seconds.
# Pause between DMs sent in bulk (reminders, invitations, nudges), well under Discord's limits.
DEFAULT_NUDGE_MINUTES = 60
DEFAULT_ROLLCALL_MINUTES = 180


def _now() -> datetime:
    return discord.utils.utcnow()


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the campaign layer's refusals into messages for the member."""
    try:
        yield
    except (CampaignRefused, rules.CampaignRuleError) as exc:
        raise UserFacingError(getattr(exc, "message", None) or str(exc)) from exc


def _check_url(url: str | None, what: str) -> str | None:
    if url is None or not url.strip():
        return None
    cleaned = url.strip()
    if not cleaned.lower().startswith(("https://", "http://")) or len(cleaned) > 500 or " " in cleaned:
        raise UserFacingError(
            f"The {what} must be a web address starting with https:// (500 characters at most)."
        )
    return cleaned


@app_commands.guild_only()
class CampaignsCog(
    commands.GroupCog,
    name=views.COG_NAME,
    group_name="campaign",
    group_description="Coordinated media campaigns: sign up, withdraw, roll calls",
):
    slot = app_commands.Group(name="slot", description="Add, edit or remove a campaign's roles (organizers)")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.edits = Coalescer()
        self._slot_locks: dict[int, asyncio.Lock] = {}

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
        self.bot.scheduler.register("campaign.reminder", self._on_reminder_job)
        self.bot.scheduler.register("campaign.offer_expiry", self._on_offer_expiry_job)
        self.bot.scheduler.register("campaign.deadline", self._on_deadline_job)
        self.bot.scheduler.register("campaign.rollcall_nudge", self._on_nudge_job)
        self.bot.scheduler.register("campaign.rollcall_close", self._on_rollcall_close_job)

    async def cog_unload(self) -> None:
        self.edits.cancel_all()
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)

    @contextlib.asynccontextmanager
    async def _slot_lock(self, slot_id: int) -> AsyncIterator[None]:
        lock = self._slot_locks.setdefault(slot_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
                self._slot_locks.pop(slot_id, None)

    # ------------------------------------------------------------------------- lookups

    async def _campaign(self, guild_id: int, text: str) -> Campaign:
        """The campaign picked in autocomplete (its id) or typed by title, in this server only."""
        async with self.bot.database.session() as session:
            campaign = None
            if text.strip().isdigit():
                campaign = await campaigns.get_campaign(session, guild_id, int(text))
            if campaign is None:
                found = await campaigns.list_campaigns(
                    session, guild_id, include_closed=True, search=text.strip()
                )
                exact = [c for c in found if c.title.casefold() == text.strip().casefold()]
                matches = exact or found
                if len(matches) > 1:
                    # Never guess between campaigns: an organizer could close or export the wrong one.
                    names = ", ".join(f"#{c.id} {truncate(c.title, 60)}" for c in matches[:5])
                    more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
                    raise UserFacingError(
                        f"Which one? Several campaigns match {truncate(text, 80)!r}: {names}{more}. "
                        "Pick it from the list as you type, or type its full title."
                    )
                campaign = matches[0] if matches else None
        if campaign is None:
            raise NotFound(f"I found no campaign called {truncate(text, 80)!r} in this server.")
        return campaign

    async def _slot(self, campaign: Campaign, text: str) -> campaigns.CampaignSlot:
        async with self.bot.database.session() as session:
            slot = await campaigns.find_slot(session, campaign.id, text)  # type: ignore[arg-type]
        if slot is None:
            raise NotFound(f"{campaign.title} has no slot called {truncate(text, 80)!r}.")
        return slot

    async def campaign_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        organizer_command = interaction.command is not None and interaction.command.name in (
            "close", "export", "rollcall", "post", "calendar", "add", "edit", "remove", "invite"
        )  # fmt: skip
        async with self.bot.database.session() as session:
            found = await campaigns.list_campaigns(
                session, interaction.guild_id, include_closed=organizer_command, search=current or None
            )
        return [app_commands.Choice(name=truncate(c.title, 100), value=str(c.id)) for c in found[:25]]

    async def slot_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        chosen = getattr(interaction.namespace, "campaign", None)
        if interaction.guild_id is None or not chosen:
            return []
        try:
            campaign = await self._campaign(interaction.guild_id, str(chosen))
        except UserFacingError:
            return []
        async with self.bot.database.session() as session:
            slots = await campaigns.slots_for(session, campaign.id)  # type: ignore[arg-type]
        wanted = current.casefold()
        return [
            app_commands.Choice(name=truncate(f"{s.name} ({s.taken}/{s.capacity})", 100), value=str(s.id))
            for s in slots
            if wanted in s.name.casefold()
        ][:25]

    # ------------------------------------------------------------------------ organizers

    @app_commands.command(name="create")
    @app_commands.describe(
        title="The campaign's name (up to 100 characters)",
        description="What the campaign is about and what people will do",
        start="When it starts, e.g. 2026-12-01 14:00 (in the time zone below)",
        end="When it ends, e.g. 2026-12-05 17:00",
        signup_deadline="When sign-ups close (no later than the start)",
        timezone="The time zone of those times, e.g. America/Chicago (default UTC)",
        toolkit_url="A toolkit for participants (https://...)",
        talking_points_url="Talking points for participants (https://...)",
        offer_window_hours="Hours a waitlisted member has to accept a freed place (default 24)",
    )
    @organizer_only()
    async def create(
        self,
        interaction: discord.Interaction,
        title: str,
        description: str,
        start: str,
        end: str,
        signup_deadline: str,
        timezone: str = "UTC",
        toolkit_url: str | None = None,
        talking_points_url: str | None = None,
        offer_window_hours: int = rules.DEFAULT_OFFER_HOURS,
    ) -> None:
        """Create a campaign (organizers)."""
        assert interaction.guild_id is not None
        now = _now()
        with refusals():
            clean_title = rules.check_title(title)
            if len(description) > rules.DESCRIPTION_MAX:
                raise rules.CampaignRuleError(f"Keep the description to {rules.DESCRIPTION_MAX} characters.")
            zone = rules.parse_zone(timezone)
            schedule = rules.check_schedule(
                rules.parse_local_time(start, zone, what="start"),
                rules.parse_local_time(end, zone, what="end"),
                rules.parse_local_time(signup_deadline, zone, what="sign-up deadline"),
                now,
            )
            rules.check_offer_hours(offer_window_hours)
        links = [
            (name, url, kind)
            for name, url, kind in (
                ("Toolkit", _check_url(toolkit_url, "toolkit link"), "toolkit"),
                ("Talking points", _check_url(talking_points_url, "talking points link"), "talking_points"),
            )
            if url
        ]
        async with self.bot.database.session() as session:
            campaign = await campaigns.create_campaign(
                session,
                guild_id=interaction.guild_id,
                title=clean_title,
                description=description.strip(),
                starts_at=schedule.starts_at,
                ends_at=schedule.ends_at,
                signup_deadline=schedule.signup_deadline,
                timezone=str(zone),
                created_by=interaction.user.id,
                now=now,
                offer_window_hours=offer_window_hours,
                links=links,  # type: ignore[arg-type]
            )
        for hours, due in rules.reminder_times(campaign.starts_at, now).items():
            await self.bot.scheduler.schedule(
                "campaign.reminder",
                f"campaign.reminder:{campaign.id}:{hours}",
                due,
                payload={"campaign_id": campaign.id, "hours": hours},
                guild_id=interaction.guild_id,
            )
        await self.bot.scheduler.schedule(
            "campaign.deadline",
            f"campaign.deadline:{campaign.id}",
            campaign.signup_deadline,
            payload={"campaign_id": campaign.id},
            guild_id=interaction.guild_id,
        )
        await reply(
            interaction,
            f"Created **{campaign.title}** (campaign #{campaign.id}), starting "
            f"{discord.utils.format_dt(campaign.starts_at, 'F')}. Next: add roles with `/campaign slot add`, "
            "then post the sign-up card with `/campaign post`.",
            ephemeral=True,
        )
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.create",
            f"#{campaign.id} {campaign.title}",
        )

    async def _needs(self, guild_id: int, text: str | None) -> dict[int, int]:
        with refusals():
            wanted = rules.parse_needs(text)
        if not wanted:
            return {}
        async with self.bot.database.session() as session:
            catalog = await disciplines.seed_defaults(session, guild_id, _now())
        by_name = {d.name: d.id for d in catalog}
        needs: dict[int, int] = {}
        for count, phrase in wanted:
            name = rules.match_discipline(phrase, list(by_name))
            if name is None:
                known = ", ".join(sorted(by_name))
                raise UserFacingError(
                    truncate(f"I do not know the discipline {phrase!r}. Disciplines here: {known}.", 1900)
                )
            needs[by_name[name]] = needs.get(by_name[name], 0) + count  # type: ignore[index]
        return needs

    @slot.command(name="add")
    @app_commands.describe(
        campaign="The campaign",
        name="The role, e.g. op-ed author",
        capacity="How many people (1 to 500)",
        needs='Disciplines needed, e.g. "2 epidemiologists, 1 nurse"',
    )
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def slot_add(
        self,
        interaction: discord.Interaction,
        campaign: str,
        name: str,
        capacity: int,
        needs: str | None = None,
    ) -> None:
        """Add a role with a capacity to a campaign (organizers)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        clean = " ".join(name.split())
        if not clean or len(clean) > rules.SLOT_NAME_MAX:
            raise UserFacingError(f"A slot name needs 1 to {rules.SLOT_NAME_MAX} characters.")
        with refusals():
            rules.check_capacity(capacity)
        need_map = await self._needs(interaction.guild_id, needs)
        async with self.bot.database.session() as session:
            if len(await campaigns.slots_for(session, found.id)) >= rules.SLOTS_MAX:  # type: ignore[arg-type]
                raise UserFacingError(f"A campaign can have at most {rules.SLOTS_MAX} slots.")
            with refusals():
                slot = await campaigns.add_slot(session, found, clean, capacity, need_map, _now())
        await reply(
            interaction, f"Added **{slot.name}** ({capacity} places) to **{found.title}**.", ephemeral=True
        )
        self.refresh_card(found.id)  # type: ignore[arg-type]
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.slot_add",
            f"#{found.id} {slot.name} ({capacity})",
        )

    @slot.command(name="edit")
    @app_commands.describe(
        campaign="The campaign",
        slot="The slot to change",
        name="A new name",
        capacity="A new capacity (1 to 500); a raise offers the new places to the waitlist",
        needs='Disciplines needed, e.g. "2 epidemiologists" ("none" to clear)',
    )
    @app_commands.autocomplete(campaign=campaign_autocomplete, slot=slot_autocomplete)
    @organizer_only()
    async def slot_edit(
        self,
        interaction: discord.Interaction,
        campaign: str,
        slot: str,
        name: str | None = None,
        capacity: int | None = None,
        needs: str | None = None,
    ) -> None:
        """Rename, resize or change the needs of a slot (organizers)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        target = await self._slot(found, slot)
        clean = " ".join(name.split()) if name else None
        if clean is not None and len(clean) > rules.SLOT_NAME_MAX:
            raise UserFacingError(f"A slot name needs 1 to {rules.SLOT_NAME_MAX} characters.")
        if capacity is not None:
            with refusals():
                rules.check_capacity(capacity)
        need_map = None
        if needs is not None:
            need_map = (
                {}
                if needs.strip().casefold() in ("none", "-", "")
                else await self._needs(interaction.guild_id, needs)
            )
        async with self.bot.database.session() as session:
            with refusals():
                offers = await campaigns.edit_slot(
                    session, found, target, _now(), name=clean, capacity=capacity, needs=need_map
                )
        extra = f" {len(offers)} new place(s) offered to the waitlist." if offers else ""
        await reply(
            interaction, f"Updated **{clean or target.name}** in **{found.title}**.{extra}", ephemeral=True
        )
        self.refresh_card(found.id)  # type: ignore[arg-type]
        await self.send_offers(offers)
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.slot_edit",
            f"#{found.id} {target.name}",
        )

    @slot.command(name="remove")
    @app_commands.describe(campaign="The campaign", slot="The slot to remove (its sign-ups are told)")
    @app_commands.autocomplete(campaign=campaign_autocomplete, slot=slot_autocomplete)
    @organizer_only()
    async def slot_remove(self, interaction: discord.Interaction, campaign: str, slot: str) -> None:
        """Remove a slot and end its sign-ups; members keep it in their history (organizers)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        target = await self._slot(found, slot)
        async with self.bot.database.session() as session:
            affected = await campaigns.remove_slot(session, target, _now())
        await reply(
            interaction,
            f"Removed **{target.name}** from **{found.title}** ({len(affected)} sign-ups ended).",
            ephemeral=True,
        )
        self.refresh_card(found.id)  # type: ignore[arg-type]
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.slot_remove",
            f"#{found.id} {target.name}",
        )
        await self._dm_many(
            affected,
            f"The role **{target.name}** in **{found.title}** was removed by the organizers, so your sign-up for it ended.",
        )

    @app_commands.command(name="post")
    @app_commands.describe(campaign="The campaign", channel="Where to post (default: the campaigns channel)")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def post(
        self, interaction: discord.Interaction, campaign: str, channel: discord.TextChannel | None = None
    ) -> None:
        """Post the live sign-up card (organizers)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        target = (
            channel
            or await self.bot.configured_channel(interaction.guild_id, "campaigns")
            or interaction.channel
        )
        async with self.bot.database.session() as session:
            view = await campaigns.campaign_view(session, found.id)  # type: ignore[arg-type]
        assert view is not None
        if not view.slots:
            raise UserFacingError("Add at least one role with `/campaign slot add` before posting the card.")
        now = _now()
        try:
            message = await target.send(  # type: ignore[union-attr]
                embed=views.card_embed(view, now=now), view=views.card_controls(view, now=now)
            )
        except discord.Forbidden as exc:
            raise UserFacingError(
                f"I cannot post in {target.mention}: please give me Send Messages there."
            ) from exc  # type: ignore[union-attr]
        async with self.bot.database.session() as session:
            await campaigns.set_card(session, found.id, message.channel.id, message.id)  # type: ignore[arg-type]
        await reply(
            interaction, f"Posted the sign-up card for **{found.title}**: {message.jump_url}", ephemeral=True
        )
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.post",
            f"#{found.id} in <#{message.channel.id}>",
        )

    @app_commands.command(name="close")
    @app_commands.describe(campaign="The campaign whose sign-ups close now")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def close(self, interaction: discord.Interaction, campaign: str) -> None:
        """Close a campaign's sign-ups and disable its card (organizers)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        async with self.bot.database.session() as session:
            closed = await campaigns.close_campaign(session, found, _now())
        if not closed:
            raise UserFacingError(f"**{found.title}** is already closed.")
        await reply(
            interaction,
            f"Closed sign-ups for **{found.title}**. Confirmed members still get their reminders.",
            ephemeral=True,
        )
        self.refresh_card(found.id)  # type: ignore[arg-type]
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.close",
            f"#{found.id} {found.title}",
        )

    @app_commands.command(name="export")
    @app_commands.describe(campaign="The campaign to export")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def export(self, interaction: discord.Interaction, campaign: str) -> None:
        """Download a campaign's sign-ups as a CSV file (organizers)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        async with self.bot.database.session() as session:
            rows = await campaigns.export_rows(session, found.id)  # type: ignore[arg-type]
        data = rules.build_csv(rows).encode()
        await reply(
            interaction,
            f"{len(rows)} sign-ups for **{found.title}**.",
            file=discord.File(io.BytesIO(data), filename=f"campaign-{found.id}-signups.csv"),
            ephemeral=True,
        )
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.export",
            f"#{found.id} ({len(rows)} rows)",
        )

    @app_commands.command(name="invite")
    @app_commands.describe(campaign="The campaign whose unfilled needs to fill")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def invite(self, interaction: discord.Interaction, campaign: str) -> None:
        """Invite members whose disciplines fit a slot's unfilled needs, by DM (organizers)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        if found.status != campaigns.OPEN or _now() >= found.signup_deadline:
            raise UserFacingError(f"Sign-ups for **{found.title}** are closed, so there is nobody to invite.")
        await defer(interaction)
        async with self.bot.database.session() as session:
            view = await campaigns.campaign_view(session, found.id)  # type: ignore[arg-type]
            assert view is not None
            wanted: dict[int, tuple[int, str]] = {}
            gaps = []
            for slot in view.slots:
                if slot.full:
                    continue
                for discipline_id, missing in rules.unfilled_needs(
                    slot.needs, slot.confirmed_disciplines
                ).items():
                    discipline = view.discipline_names.get(discipline_id, "member")
                    gaps.append(f"{slot.name}: {missing} {discipline}")
                    wanted.setdefault(discipline_id, (slot.id, discipline))
            candidates = await campaigns.invite_candidates(session, found, wanted)
        if not gaps:
            await reply(
                interaction, f"Every slot of **{found.title}** has the disciplines it needs.", ephemeral=True
            )
            return
        guild = interaction.guild
        assert guild is not None
        slot_names = {s.id: s.name for s in view.slots}
        sent = closed = 0
        for attempted, (user_id, slot_id, discipline) in enumerate(candidates):
            member = guild.get_member(user_id)
            if member is None or member.bot:
                continue
            async with self.bot.database.session() as session:
                if not await campaigns.record_invite(session, found.id, user_id, slot_id, _now()):  # type: ignore[arg-type]
                    continue
            embed = discord.Embed(
                title=truncate(f"You're invited: {found.title}", 256),
                description=truncate(
                    f"The slot **{slot_names[slot_id]}** still needs people in **{discipline}**, and your profile "
                    f"says that's you.\n\n{_card_times(found)}",
                    4000,
                ),
                colour=discord.Colour.green(),
            )
            embed.set_footer(text=f"From {guild.name}. You can stop these invitations with the button below.")
            try:
                await member.send(
                    embed=embed, view=views.invite_controls(guild.id, found.id, slot_id, slot_names[slot_id])
                )  # type: ignore[arg-type]
                sent += 1
            except discord.HTTPException:
                closed += 1
            await pace_dm(attempted + 1)
        lines = ["Unfilled needs: " + "; ".join(gaps), f"Invited {sent} member(s) by DM."]
        if closed:
            lines.append(f"{closed} member(s) could not be reached (DMs closed).")
        if not candidates:
            lines.append(
                "Nobody else fits: members who opted out of invitations or were invited before are skipped."
            )
        await reply(interaction, truncate("\n".join(lines), 2000), ephemeral=True)
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.invite",
            f"#{found.id}: {sent} invited",
        )

    @app_commands.command(name="rollcall")
    @app_commands.describe(
        campaign="The campaign",
        nudge_after_minutes="Minutes before the silent get one reminder (default 60)",
        close_after_minutes="Minutes before the roll call closes and you get the summary (default 180)",
    )
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def rollcall(
        self,
        interaction: discord.Interaction,
        campaign: str,
        nudge_after_minutes: app_commands.Range[int, 1, 10080] = DEFAULT_NUDGE_MINUTES,
        close_after_minutes: app_commands.Range[int, 2, 20160] = DEFAULT_ROLLCALL_MINUTES,
    ) -> None:
        """Ask the confirmed members whether they are ready (organizers)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        if nudge_after_minutes >= close_after_minutes:
            raise UserFacingError("The nudge has to come before the roll call closes.")
        now = _now()
        async with self.bot.database.session() as session:
            members = await campaigns.confirmed_members(session, found.id)  # type: ignore[arg-type]
        if not members:
            raise UserFacingError(f"**{found.title}** has no confirmed members to call yet.")
        await defer(interaction)
        async with self.bot.database.session() as session:
            call = await campaigns.create_rollcall(
                session,
                found,
                created_by=interaction.user.id,
                now=now,
                nudge_at=now + timedelta(minutes=nudge_after_minutes),
                closes_at=now + timedelta(minutes=close_after_minutes),
                members=members,
            )
            answers = await campaigns.rollcall_answers(session, call.id)  # type: ignore[arg-type]
        base = interaction.channel
        if (
            found.card_channel_id
            and (card_channel := self.bot.get_channel(found.card_channel_id)) is not None
        ):
            base = card_channel  # type: ignore[assignment]
        target: Any = base
        if isinstance(base, discord.TextChannel):
            try:
                target = await base.create_thread(
                    name=truncate(f"Roll call: {found.title}", 100), type=discord.ChannelType.public_thread
                )
            except discord.HTTPException:
                log.info("Could not open a roll-call thread in %s; posting in the channel", base.id)
        user_ids = [a.user_id for a in answers]
        chunks = rules.mention_chunks(
            user_ids, f"📣 Roll call for **{discord.utils.escape_markdown(found.title)}**, starting "
            f"{discord.utils.format_dt(found.starts_at, 'F')}. Are you ready?"
        )  # fmt: skip

        def pinging(users: list[int]) -> discord.AllowedMentions:
            return discord.AllowedMentions(
                users=[discord.Object(u) for u in users], roles=False, everyone=False
            )

        first_text, first_users = chunks[0]
        try:
            message = await target.send(
                truncate(first_text, 2000),
                embed=views.rollcall_embed(found.title, answers, closed=False),
                view=views.rollcall_controls(call.id, closed=False),  # type: ignore[arg-type]
                allowed_mentions=pinging(first_users),
            )
        except discord.HTTPException as exc:
            # Nobody was asked, so leave no open roll call behind.
            async with self.bot.database.session() as session:
                await campaigns.delete_rollcall(session, call.id)  # type: ignore[arg-type]
            log.warning("Could not post the roll call for campaign %s", found.id, exc_info=True)
            raise UserFacingError(
                "Discord refused the roll-call message, so no roll call was started. "
                "Check that I can send messages and open threads there, then try again."
            ) from exc
        for text, users in chunks[1:]:
            try:
                await target.send(text, allowed_mentions=pinging(users))
            except discord.HTTPException:
                # The unpinged still appear in the roll call and get the nudge DM.
                log.warning("Could not post part of the roll call for campaign %s", found.id, exc_info=True)
        async with self.bot.database.session() as session:
            await campaigns.set_rollcall_message(session, call.id, message.channel.id, message.id)  # type: ignore[arg-type]
        payload = {"rollcall_id": call.id}
        await self.bot.scheduler.schedule(
            "campaign.rollcall_nudge",
            f"campaign.rollcall_nudge:{call.id}",
            call.nudge_at,
            payload=payload,
            guild_id=found.guild_id,
        )
        await self.bot.scheduler.schedule(
            "campaign.rollcall_close",
            f"campaign.rollcall_close:{call.id}",
            call.closes_at,
            payload=payload,
            guild_id=found.guild_id,
        )
        await reply(
            interaction,
            f"Roll call posted for {len(user_ids)} confirmed member(s): {message.jump_url}. The silent get one nudge "
            f"{discord.utils.format_dt(call.nudge_at, 'R')}; it closes {discord.utils.format_dt(call.closes_at, 'R')}.",
            ephemeral=True,
        )
        await record_action(
            self.bot,
            interaction.guild_id,
            interaction.user.id,
            "campaign.rollcall",
            f"#{found.id} ({len(user_ids)} called)",
        )

    # --------------------------------------------------------------------------- members

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the campaigns open for sign-up."""
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            found = await campaigns.list_campaigns(session, interaction.guild_id)
            details = [await campaigns.campaign_view(session, c.id) for c in found[:10]]  # type: ignore[arg-type]
        if not found:
            await reply(interaction, "No campaigns are open for sign-up right now.", ephemeral=True)
            return
        embed = discord.Embed(title="Open campaigns", colour=discord.Colour.green())
        for detail in details:
            assert detail is not None
            c = detail.campaign
            slots = ", ".join(
                f"{s.name} {len(s.confirmed)}/{s.capacity}" + (" (full)" if s.full else "")
                for s in detail.slots
            )
            embed.add_field(
                name=truncate(f"#{c.id} {c.title}", 256),
                value=truncate(
                    f"{discord.utils.format_dt(c.starts_at, 'F')}, sign up by {discord.utils.format_dt(c.signup_deadline, 'R')}\n"
                    + (slots or "No roles yet"),
                    1024,
                ),
                inline=False,
            )
        if len(found) > 10:
            embed.set_footer(text=f"And {len(found) - 10} more: type in /campaign join to search them.")
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="mine")
    async def mine(self, interaction: discord.Interaction) -> None:
        """Show your campaign places, waitlist positions and history."""
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            history = await campaigns.member_history(session, interaction.guild_id, interaction.user.id)
        if not history:
            await reply(
                interaction,
                "You have not signed up for any campaign yet. `/campaign list` shows the open ones.",
                ephemeral=True,
            )
            return
        labels = {
            "confirmed": "✅ confirmed",
            "waitlisted": "⏳ waitlist",
            "offered": "🎟️ a place is offered to you: check your DMs",
            "withdrawn": "withdrew",
            "lapsed": "offer expired",
            "offer_declined": "declined the offer",
            "left": "left the server",
            "removed": "slot removed by the organizers",
        }
        current, past = [], []
        for row in history:
            status = labels.get(row.status, row.status)
            if row.position:
                status += f" #{row.position}"
            line = f"**{truncate(row.campaign_title, 80)}** · {row.slot_name}: {status} ({discord.utils.format_dt(row.starts_at, 'D')})"
            if row.attendance:
                line += f" · roll call: {row.attendance}"
            (current if row.status in campaigns.ACTIVE else past).append(line)
        embed = discord.Embed(title="Your campaigns", colour=discord.Colour.green())
        embed.description = truncate("\n".join(current) or "No current places.", 4000)
        if past:
            embed.add_field(name="History", value=truncate("\n".join(past), 1024), inline=False)
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="join")
    @app_commands.describe(campaign="The campaign", slot="The role you want")
    @app_commands.autocomplete(campaign=campaign_autocomplete, slot=slot_autocomplete)
    async def join(self, interaction: discord.Interaction, campaign: str, slot: str) -> None:
        """Sign up for a campaign role (or its waitlist when full)."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        target = await self._slot(found, slot)
        await self._sign_up(interaction, interaction.guild_id, found.id, target.id)  # type: ignore[arg-type]

    @app_commands.command(name="leave")
    @app_commands.describe(campaign="The campaign", slot="The role to give up (optional when you hold one)")
    @app_commands.autocomplete(campaign=campaign_autocomplete, slot=slot_autocomplete)
    async def leave(self, interaction: discord.Interaction, campaign: str, slot: str | None = None) -> None:
        """Withdraw from a campaign role or its waitlist."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        if slot is not None:
            target = await self._slot(found, slot)
            await self.leave_slot(interaction, found.id, target.id)  # type: ignore[arg-type]
        else:
            await self.leave_from_button(interaction, found.id)  # type: ignore[arg-type]

    @app_commands.command(name="calendar")
    @app_commands.describe(campaign="The campaign to add to your calendar")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    async def calendar(self, interaction: discord.Interaction, campaign: str) -> None:
        """Get the campaign's dates as a calendar (.ics) file."""
        assert interaction.guild_id is not None
        found = await self._campaign(interaction.guild_id, campaign)
        async with self.bot.database.session() as session:
            links = await campaigns.links_for(session, found.id)  # type: ignore[arg-type]
        text = rules.build_ics(
            uid=f"campaign-{found.id}-{found.guild_id}@coalition-bot",
            title=found.title,
            description=found.description,
            starts_at=found.starts_at,
            ends_at=found.ends_at,
            now=_now(),
            links=[(link.title, link.url) for link in links],
        )
        await reply(
            interaction,
            f"Here is **{found.title}** for your calendar.",
            file=discord.File(io.BytesIO(text.encode()), filename=f"campaign-{found.id}.ics"),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ buttons and flows

    async def _sign_up(
        self, interaction: discord.Interaction, guild_id: int, campaign_id: int, slot_id: int
    ) -> None:
        with self.edits.busy(("card", campaign_id)):
            await self._sign_up_while_busy(interaction, guild_id, campaign_id, slot_id)

    async def _sign_up_while_busy(
        self, interaction: discord.Interaction, guild_id: int, campaign_id: int, slot_id: int
    ) -> None:
        # The database decides who gets a place; queueing this process's sign-ups for one slot here
        # only spares SQLite's busy-wait (writers would otherwise poll for its single write lock).
        async with self._slot_lock(slot_id), self.bot.database.session() as session:
            with refusals():
                result = await campaigns.sign_up(
                    session,
                    guild_id=guild_id,
                    campaign_id=campaign_id,
                    slot_id=slot_id,
                    user_id=interaction.user.id,
                    now=_now(),
                )
        where = f"**{result.slot_name}** in **{result.campaign_title}**"
        if result.status == campaigns.CONFIRMED:
            text = (
                f"You are already confirmed for {where}."
                if result.already
                else f"You're in: confirmed for {where}. Thank you!"
            )
        elif result.status == campaigns.OFFERED:
            text = f"A place in {where} is offered to you: accept it from the DM I sent you."
        else:
            text = (
                f"{where} is full, so you're on the waitlist at position {result.position}. "
                "If a place frees up I'll offer it to you by DM."
            )
            if result.already:
                text = f"You are already on the waitlist for {where}, at position {result.position}."
        await reply(interaction, text, ephemeral=True)
        if not result.already:
            self.refresh_card(campaign_id)

    async def join_from_button(
        self, interaction: discord.Interaction, campaign_id: int, slot_id: int
    ) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            # From an invitation DM: the campaign's own server, if the member still belongs to it.
            async with self.bot.database.session() as session:
                campaign = await session.get(Campaign, campaign_id)
            guild = self.bot.get_guild(campaign.guild_id) if campaign else None
            if campaign is None or guild is None or guild.get_member(interaction.user.id) is None:
                raise NotFound("That campaign no longer exists, or you are no longer in its server.")
            guild_id = guild.id
        await self._sign_up(interaction, guild_id, campaign_id, slot_id)

    async def leave_from_button(self, interaction: discord.Interaction, campaign_id: int) -> None:
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            if await campaigns.get_campaign(session, interaction.guild_id, campaign_id) is None:
                raise NotFound("That campaign does not exist in this server (it may have been deleted).")
            held = await campaigns.member_signups(
                session, interaction.guild_id, interaction.user.id, campaign_id
            )
        if not held:
            raise UserFacingError("You have no place or waitlist spot in this campaign.")
        if len(held) == 1:
            await self.leave_slot(interaction, campaign_id, held[0][1].id)  # type: ignore[arg-type]
            return
        options = [
            discord.SelectOption(
                label=truncate(slot.name, 100), value=str(slot.id), description=signup.status
            )
            for signup, slot, _ in held[:25]
        ]
        picker = discord.ui.View(timeout=None)
        picker.add_item(views.LeavePick(campaign_id, options))
        await reply(
            interaction,
            "You hold several places in this campaign. Which one do you give up?",
            view=picker,
            ephemeral=True,
        )

    async def leave_slot(self, interaction: discord.Interaction, campaign_id: int, slot_id: int) -> None:
        assert interaction.guild_id is not None
        async with self.bot.database.session() as session:
            campaign = await campaigns.get_campaign(session, interaction.guild_id, campaign_id)
            slot = await campaigns.get_slot(session, campaign_id, slot_id) if campaign else None
            if campaign is None or slot is None:
                raise NotFound(
                    "That campaign or slot does not exist in this server (it may have been deleted)."
                )
            with refusals():
                signup, offers = await campaigns.withdraw(
                    session,
                    guild_id=interaction.guild_id,
                    slot_id=slot_id,
                    user_id=interaction.user.id,
                    now=_now(),
                )
        if signup is None:
            raise UserFacingError(f"You have no place or waitlist spot in **{slot.name}**.")
        await reply(
            interaction,
            f"You withdrew from **{slot.name}** in **{campaign.title}**. Thanks for letting us know.",
            ephemeral=True,
        )
        self.refresh_card(campaign_id)
        await self.send_offers(offers)

    async def answer_offer(self, interaction: discord.Interaction, signup_id: int, accept: bool) -> None:
        now = _now()
        async with self.bot.database.session() as session:
            with refusals():
                if accept:
                    signup, campaign, slot = await campaigns.accept_offer(
                        session, signup_id, interaction.user.id, now
                    )
                    offers: list[Offer] = []
                else:
                    offers = await campaigns.decline_offer(session, signup_id, interaction.user.id, now)
                    signup = await campaigns.get_signup(session, signup_id)  # type: ignore[assignment]
        assert signup is not None
        if accept:
            await reply(
                interaction,
                f"Done: you're confirmed for **{slot.name}** in **{campaign.title}**. See you there!",
            )
        else:
            await reply(interaction, "No problem: the place goes to the next person in line.")
        self.refresh_card(signup.campaign_id)
        await self.send_offers(offers)

    async def opt_out(self, interaction: discord.Interaction, guild_id: int) -> None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise NotFound("I am no longer in that server.")
        async with self.bot.database.session() as session:
            await campaigns.set_invite_opt_out(session, guild_id, interaction.user.id, _now())
        await reply(
            interaction,
            f"You won't get campaign invitations from {guild.name} any more. You can still join campaigns yourself.",
        )

    async def rollcall_button(self, interaction: discord.Interaction, rollcall_id: int, action: str) -> None:
        now = _now()
        async with self.bot.database.session() as session:
            call = await campaigns.get_rollcall(session, rollcall_id)
        if call is None or call.guild_id != interaction.guild_id:
            raise NotFound("That roll call does not exist in this server.")
        if action == "close":
            await ensure_organizer(interaction)
            summary = await self.close_rollcall(rollcall_id)
            await reply(interaction, summary or "This roll call was already closed.", ephemeral=True)
            return
        answer = campaigns.READY if action == "ready" else campaigns.DECLINED
        async with self.bot.database.session() as session:
            with refusals():
                await campaigns.answer_rollcall(session, rollcall_id, interaction.user.id, answer, now)
        offers: list[Offer] = []
        if answer == campaigns.DECLINED:
            async with self.bot.database.session() as session:
                for signup, slot, _campaign in await campaigns.member_signups(
                    session, call.guild_id, interaction.user.id, call.campaign_id
                ):
                    # The roll call is about places held; waitlist spots elsewhere stay theirs.
                    if signup.status != campaigns.CONFIRMED:
                        continue
                    _, freed = await campaigns.withdraw(
                        session,
                        guild_id=call.guild_id,
                        slot_id=slot.id,
                        user_id=interaction.user.id,
                        now=now,  # type: ignore[arg-type]
                    )
                    offers.extend(freed)
            await reply(
                interaction,
                "Thanks for telling us. Your place goes to the next person in line.",
                ephemeral=True,
            )
            self.refresh_card(call.campaign_id)
        else:
            await reply(interaction, "Thanks! You're marked as ready.", ephemeral=True)
        self.refresh_rollcall(rollcall_id)
        await self.send_offers(offers)

    # ------------------------------------------------------------------------- refreshes

    def refresh_card(self, campaign_id: int) -> None:
        """Ask for the card to be redrawn from the database once the current burst of sign-ups drains."""
        self.edits.request(("card", campaign_id), lambda: self._edit_card(campaign_id))

    def refresh_rollcall(self, rollcall_id: int) -> None:
        self.edits.request(("rollcall", rollcall_id), lambda: self._edit_rollcall(rollcall_id))

    async def _edit_card(self, campaign_id: int) -> None:
        async with self.bot.database.session() as session:
            view = await campaigns.campaign_view(session, campaign_id)
        if view is None or view.campaign.card_message_id is None or view.campaign.card_channel_id is None:
            return
        channel = self.bot.get_channel(view.campaign.card_channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        now = _now()
        try:
            await channel.get_partial_message(view.campaign.card_message_id).edit(  # type: ignore[attr-defined]
                embed=views.card_embed(view, now=now), view=views.card_controls(view, now=now)
            )
        except discord.NotFound:
            log.info("The card of campaign %s was deleted; it will not be updated", campaign_id)
        except discord.HTTPException:
            # One refused edit must not stop later refreshes of the card.
            log.warning("Could not update the card of campaign %s", campaign_id, exc_info=True)

    async def _edit_rollcall(self, rollcall_id: int) -> None:
        async with self.bot.database.session() as session:
            call = await campaigns.get_rollcall(session, rollcall_id)
            if call is None or call.message_id is None or call.channel_id is None:
                return
            campaign = await session.get(Campaign, call.campaign_id)
            answers = await campaigns.rollcall_answers(session, rollcall_id)
        channel = self.bot.get_channel(call.channel_id)
        if campaign is None or not isinstance(channel, discord.abc.Messageable):
            return
        closed = call.status != campaigns.OPEN
        await channel.get_partial_message(call.message_id).edit(  # type: ignore[attr-defined]
            embed=views.rollcall_embed(campaign.title, answers, closed=closed),
            view=views.rollcall_controls(rollcall_id, closed=closed),
        )

    # --------------------------------------------------------------------------- DMs

    async def _dm(self, user_id: int, content: str | None = None, **kwargs: Any) -> bool:
        """DM a member; False when their DMs are closed or they cannot be found."""
        user = self.bot.get_user(user_id)
        try:
            if user is None:
                user = await self.bot.fetch_user(user_id)
            await user.send(content, **kwargs)
        except discord.HTTPException:
            log.info("Could not DM user %s", user_id)
            return False
        return True

    async def _dm_many(self, user_ids: list[int], content: str) -> None:
        for attempted, user_id in enumerate(user_ids):
            await self._dm(user_id, content)
            await pace_dm(attempted + 1)

    async def send_offers(self, offers: list[Offer]) -> None:
        """DM each offer with Accept / No thanks and schedule its expiry."""
        for attempted, offer in enumerate(offers):
            await self.bot.scheduler.schedule(
                "campaign.offer_expiry",
                f"campaign.offer_expiry:{offer.signup_id}:{offer.number}",
                offer.expires_at,
                payload={"signup_id": offer.signup_id, "number": offer.number},
                guild_id=offer.guild_id,
            )
            text = (
                f"🎟️ A place opened up in **{offer.slot_name}** for **{offer.campaign_title}**, and you're first in line. "
                f"It's yours if you accept before {discord.utils.format_dt(offer.expires_at, 'F')} "
                f"({discord.utils.format_dt(offer.expires_at, 'R')}); after that it goes to the next person."
            )
            if not await self._dm(
                offer.user_id, text, view=views.offer_controls(offer.signup_id, offer.number)
            ):
                await self._offer_fallback(offer)
            self.refresh_card(offer.campaign_id)
            await pace_dm(attempted + 1)

    async def _offer_fallback(self, offer: Offer) -> None:
        """Closed DMs: tell the member in the campaigns channel, where `/campaign join` accepts the offer."""
        channel = await self.bot.configured_channel(offer.guild_id, "campaigns")
        if channel is None:
            return
        try:
            await channel.send(
                f"<@{offer.user_id}>, a place in **{offer.slot_name}** ({offer.campaign_title}) is offered to you until "
                f"{discord.utils.format_dt(offer.expires_at, 'F')}. I couldn't DM you: use `/campaign join` to accept it.",
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(offer.user_id)], roles=False, everyone=False
                ),
            )
        except discord.HTTPException:
            log.warning("Could not tell user %s about their offer", offer.user_id, exc_info=True)

    # ------------------------------------------------------------------------ scheduled

    async def _on_reminder_job(self, job: ScheduledJob) -> None:
        campaign_id, hours = int(job.payload["campaign_id"]), int(job.payload["hours"])
        async with self.bot.database.session() as session:
            campaign = await session.get(Campaign, campaign_id)
            if campaign is None:
                return
            members = await campaigns.confirmed_members(session, campaign_id)
            links = await campaigns.links_for(session, campaign_id)
        resources = "\n".join(f"• {link.title}: {link.url}" for link in links)
        for attempted, (user_id, slot_name) in enumerate(dict(members).items()):
            async with self.bot.database.session() as session:
                if not await campaigns.claim_reminder(session, campaign_id, user_id, hours, _now()):
                    continue
            text = (
                f"⏰ Reminder: **{campaign.title}** starts {discord.utils.format_dt(campaign.starts_at, 'F')} "
                f"({discord.utils.format_dt(campaign.starts_at, 'R')}). You're confirmed as **{slot_name}**."
            )
            if resources:
                text += f"\n\nYour toolkit and resources:\n{resources}"
            await self._dm(user_id, truncate(text, 2000))
            await pace_dm(attempted + 1)

    async def _on_offer_expiry_job(self, job: ScheduledJob) -> None:
        async with self.bot.database.session() as session:
            signup = await campaigns.get_signup(session, int(job.payload["signup_id"]))
            was_offered = signup is not None and signup.status == campaigns.OFFERED
            offers = await campaigns.expire_offer(
                session, int(job.payload["signup_id"]), int(job.payload["number"]), _now()
            )
        if signup is not None and was_offered and signup.status == campaigns.LAPSED:
            await self._dm(
                signup.user_id,
                "The place offered to you has gone to the next person in line, since the window to accept closed.",
            )
        if signup is not None:
            self.refresh_card(signup.campaign_id)
        await self.send_offers(offers)

    async def _on_deadline_job(self, job: ScheduledJob) -> None:
        self.refresh_card(int(job.payload["campaign_id"]))

    async def _on_nudge_job(self, job: ScheduledJob) -> None:
        rollcall_id = int(job.payload["rollcall_id"])
        async with self.bot.database.session() as session:
            call = await campaigns.get_rollcall(session, rollcall_id)
            if call is None or call.status != campaigns.OPEN:
                return
            campaign = await session.get(Campaign, call.campaign_id)
            answers = await campaigns.rollcall_answers(session, rollcall_id)
        assert campaign is not None
        link = f"https://discord.com/channels/{call.guild_id}/{call.channel_id}/{call.message_id}"
        for attempted, answer in enumerate(answers):
            if answer.answer != campaigns.PENDING:
                continue
            async with self.bot.database.session() as session:
                if not await campaigns.claim_nudge(session, rollcall_id, answer.user_id, _now()):
                    continue
            await self._dm(
                answer.user_id,
                f"👋 The roll call for **{campaign.title}** is waiting for your answer: are you ready, or can't you "
                f"make it? Answer here: {link}",
            )
            await pace_dm(attempted + 1)

    async def _on_rollcall_close_job(self, job: ScheduledJob) -> None:
        await self.close_rollcall(int(job.payload["rollcall_id"]))

    async def close_rollcall(self, rollcall_id: int) -> str | None:
        """Close once, store attendance, disable the buttons and send the organizer the summary."""
        async with self.bot.database.session() as session:
            if not await campaigns.close_rollcall(session, rollcall_id, _now()):
                return None
            call = await campaigns.get_rollcall(session, rollcall_id)
            assert call is not None
            campaign = await session.get(Campaign, call.campaign_id)
            answers = await campaigns.rollcall_answers(session, rollcall_id)
        await self.bot.scheduler.cancel(f"campaign.rollcall_close:{rollcall_id}")
        await self.bot.scheduler.cancel(f"campaign.rollcall_nudge:{rollcall_id}")
        self.refresh_rollcall(rollcall_id)
        title = campaign.title if campaign else "the campaign"
        groups = []
        for label, value in (
            ("Ready", campaigns.READY),
            ("Can't make it", campaigns.DECLINED),
            ("Silent", campaigns.SILENT),
        ):
            ids = [a.user_id for a in answers if a.answer == value]
            groups.append(f"**{label} ({len(ids)}):** " + (", ".join(f"<@{i}>" for i in ids) or "nobody"))
        summary = truncate(f"Roll call for **{title}** closed.\n" + "\n".join(groups), 2000)
        await self._dm(call.created_by, summary)
        return summary

    # ------------------------------------------------------------------------- listeners

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        async with self.bot.database.session() as session:
            held = await campaigns.member_signups(session, member.guild.id, member.id)
            offers = await campaigns.withdraw_everywhere(session, member.guild.id, member.id, _now())
        for campaign_id in {campaign.id for _, _, campaign in held}:
            self.refresh_card(campaign_id)  # type: ignore[arg-type]
        await self.send_offers(offers)


def _card_times(campaign: Campaign) -> str:
    return (
        f"Starts {discord.utils.format_dt(campaign.starts_at, 'F')}; "
        f"sign up by {discord.utils.format_dt(campaign.signup_deadline, 'F')}."
    )
