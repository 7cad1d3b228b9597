"""`/campaign`: coordinated media campaigns, their sign-up cards, waitlist offers, reminders and roll calls.

Each command parses what Discord gave, calls one use case (`cogs/campaigns/service/`) and renders the
answer; the card, the roll-call message and the DMs are `messaging.py`'s.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import organizer_only
from bot.core import CoalitionBot
from bot.errors import NotFound
from bot.replies import defer, reply, truncate
from bot.timeparse import parse_when, parse_zone
from cogs.campaigns import render, rules, views
from cogs.campaigns.changes_commands import CHANGE_ITEMS, CampaignChanges
from cogs.campaigns.controls import MemberControls
from cogs.campaigns.events import CampaignEvents
from cogs.campaigns.interest import INTEREST_ITEMS, CampaignInterest
from cogs.campaigns.kit_commands import KitCommands
from cogs.campaigns.messaging import CampaignMessaging
from cogs.campaigns.reach_commands import REACH_ITEMS, ReachCommands
from cogs.campaigns.service import exports, invitations, lifecycle, rollcalls, signups, templates
from cogs.campaigns.template_commands import TemplateCommands, render_series, template_choices

log = logging.getLogger(__name__)

DEFAULT_NUDGE_MINUTES = 60
DEFAULT_ROLLCALL_MINUTES = 180
# Commands whose campaign list includes closed campaigns (organizers look back at them).
LOOKS_BACK = ("close", "export", "rollcall", "post", "calendar", "add", "edit", "remove", "invite")


@app_commands.guild_only()
class CampaignsCog(
    CampaignChanges,
    CampaignInterest,
    MemberControls,
    ReachCommands,
    KitCommands,
    TemplateCommands,
    commands.GroupCog,
    name=views.COG_NAME,
    group_name="campaign",
    group_description="Coordinated media campaigns: sign up, withdraw, roll calls",
):
    slot = app_commands.Group(name="slot", description="Add, edit or remove a campaign's roles (organizers)")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.app = bot.app
        self.messaging = CampaignMessaging(bot)
        self.events = CampaignEvents(bot)
        self._slot_clicks = {}
        self._click_tasks = set()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*views.PERSISTENT_ITEMS, *CHANGE_ITEMS, *INTEREST_ITEMS, *REACH_ITEMS)
        self.messaging.register_jobs(self.bot.scheduler)
        self.events.register_jobs(self.bot.scheduler)

    async def cog_unload(self) -> None:
        self.messaging.cancel_all()
        self.bot.remove_dynamic_items(*views.PERSISTENT_ITEMS, *CHANGE_ITEMS, *INTEREST_ITEMS, *REACH_ITEMS)

    # --------------------------------------------------------------------------- autocomplete

    async def campaign_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        looks_back = interaction.command is not None and interaction.command.name in LOOKS_BACK
        found = await lifecycle.campaign_choices(
            self.app, guild_id=interaction.guild_id, search=current, include_closed=looks_back
        )
        return [app_commands.Choice(name=truncate(c.title, 100), value=str(c.id)) for c in found[:25]]

    async def slot_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        chosen = getattr(interaction.namespace, "campaign", None)
        if interaction.guild_id is None or not chosen:
            return []
        slots = await lifecycle.slot_choices(
            self.app, guild_id=interaction.guild_id, campaign=str(chosen), search=current
        )
        return [
            app_commands.Choice(name=truncate(f"{s.name} ({s.taken}/{s.capacity})", 100), value=str(s.id))
            for s in slots[:25]
        ]

    # ----------------------------------------------------------------------------- organizers

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
        template="Start from a saved template: its slots, capacities, needs and kit",
        repeat="Repeat the campaign weekly or monthly, each occurrence a campaign of its own",
        occurrences="How many campaigns in the series (2 to 12, default 4)",
    )
    @app_commands.autocomplete(template=template_choices)
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
        template: str | None = None,
        repeat: Literal["weekly", "monthly"] | None = None,
        occurrences: app_commands.Range[int, 2, 12] | None = None,
    ) -> None:
        """Create a campaign (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        # Campaign times are typed in the organizer's zone; everyone then sees Discord timestamps.
        zone = parse_zone(timezone)
        now = discord.utils.utcnow()
        created = await templates.create_campaigns(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            title=title,
            description=description,
            starts_at=parse_when(start, now=now, zone=zone, what="start"),
            ends_at=parse_when(end, now=now, zone=zone, what="end"),
            signup_deadline=parse_when(signup_deadline, now=now, zone=zone, what="sign-up deadline"),
            zone=zone,
            links={"toolkit": toolkit_url, "talking_points": talking_points_url},
            offer_window_hours=offer_window_hours,
            template=template,
            repeat=repeat,
            occurrences=occurrences,
        )
        campaign = created[0]
        if len(created) > 1:
            await reply(interaction, render_series(created), ephemeral=True)
            return
        await reply(
            interaction,
            f"Created **{campaign.title}** (campaign #{campaign.id}), starting "
            f"{discord.utils.format_dt(campaign.starts_at, 'F')}. Next: add roles with `/campaign slot add`, "
            "then post the sign-up card with `/campaign post`.",
            ephemeral=True,
        )

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
        await defer(interaction)
        assert interaction.guild_id is not None
        added = await lifecycle.add_slot(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=campaign,
            name=name,
            capacity=capacity,
            needs=needs,
        )
        await reply(
            interaction,
            f"Added **{added.slot.name}** ({capacity} places) to **{added.campaign.title}**.",
            ephemeral=True,
        )
        self.messaging.refresh_card(added.campaign.id)

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
        await defer(interaction)
        assert interaction.guild_id is not None
        edited = await lifecycle.edit_slot(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=campaign,
            slot=slot,
            name=name,
            capacity=capacity,
            needs=needs,
        )
        extra = f" {len(edited.offers)} new place(s) offered to the waitlist." if edited.offers else ""
        await reply(
            interaction,
            f"Updated **{edited.slot.name}** in **{edited.campaign.title}**.{extra}",
            ephemeral=True,
        )
        self.messaging.refresh_card(edited.campaign.id)
        await self.messaging.send_offers(edited.offers)

    @slot.command(name="remove")
    @app_commands.describe(campaign="The campaign", slot="The slot to remove (its sign-ups are told)")
    @app_commands.autocomplete(campaign=campaign_autocomplete, slot=slot_autocomplete)
    @organizer_only()
    async def slot_remove(self, interaction: discord.Interaction, campaign: str, slot: str) -> None:
        """Remove a slot and end its sign-ups; members keep it in their history (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        removed = await lifecycle.remove_slot(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=campaign,
            slot=slot,
        )
        title = removed.campaign.title
        await reply(
            interaction,
            f"Removed **{removed.slot_name}** from **{title}** ({len(removed.ended_user_ids)} sign-ups ended).",
            ephemeral=True,
        )
        self.messaging.refresh_card(removed.campaign.id)
        await self.messaging.dm_many(
            removed.ended_user_ids,
            f"The role **{removed.slot_name}** in **{title}** was removed by the organizers, "
            "so your sign-up for it ended.",
        )

    @app_commands.command(name="post")
    @app_commands.describe(campaign="The campaign", channel="Where to post (default: the campaigns channel)")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def post(
        self, interaction: discord.Interaction, campaign: str, channel: discord.TextChannel | None = None
    ) -> None:
        """Post the live sign-up card (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        card = await lifecycle.card_to_post(self.app, guild_id=interaction.guild_id, campaign=campaign)
        target = channel or await self.bot.configured_channel(interaction.guild_id, "campaigns")
        destination = target or interaction.channel
        if not isinstance(destination, discord.abc.Messageable):
            raise NotFound("I cannot tell where to post the card: pick a channel.")
        now = discord.utils.utcnow()
        try:
            message = await destination.send(
                embed=views.card_embed(card, now=now), view=views.card_controls(card, now=now)
            )
        except discord.Forbidden as exc:
            where = getattr(destination, "mention", "that channel")
            raise NotFound(f"I cannot post in {where}: please give me Send Messages there.") from exc
        await lifecycle.card_posted(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign_id=card.id,
            channel_id=message.channel.id,
            message_id=message.id,
        )
        notes = await self.campaign_posted(interaction, card.campaign, message)
        await reply(
            interaction,
            f"Posted the sign-up card for **{card.campaign.title}**: {message.jump_url}" + notes,
            ephemeral=True,
        )

    @app_commands.command(name="close")
    @app_commands.describe(campaign="The campaign whose sign-ups close now")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def close(self, interaction: discord.Interaction, campaign: str) -> None:
        """Close a campaign's sign-ups and disable its card (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        closed = await lifecycle.close_campaign(
            self.app, guild_id=interaction.guild_id, actor_id=interaction.user.id, campaign=campaign
        )
        await reply(
            interaction,
            f"Closed sign-ups for **{closed.title}**. Confirmed members still get their reminders.",
            ephemeral=True,
        )
        self.messaging.refresh_card(closed.id)

    @app_commands.command(name="export")
    @app_commands.describe(campaign="The campaign to export")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def export(self, interaction: discord.Interaction, campaign: str) -> None:
        """Download a campaign's sign-ups as a CSV file (organizers)."""
        assert interaction.guild is not None
        guild = interaction.guild
        await defer(interaction)

        def name_of(user_id: int) -> tuple[str | None, str | None]:
            # From the member cache: a member without a profile still gets a name and a username.
            member = guild.get_member(user_id)
            return (member.display_name, member.name) if member is not None else (None, None)

        export = await exports.export_signups(
            self.app, guild_id=guild.id, actor_id=interaction.user.id, campaign=campaign, name_of=name_of
        )
        posts_file = discord.File(io.BytesIO(export.posts_csv), filename=f"campaign-{export.id}-posts.csv")
        await reply(
            interaction,
            f"{export.rows} sign-ups and {export.posts} reported posts for **{export.title}**.",
            files=[discord.File(io.BytesIO(export.data), filename=export.filename), posts_file],
            ephemeral=True,
        )

    @app_commands.command(name="invite")
    @app_commands.describe(campaign="The campaign whose unfilled needs to fill")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    @organizer_only()
    async def invite(self, interaction: discord.Interaction, campaign: str) -> None:
        """Invite members whose disciplines fit a slot's unfilled needs, by DM (organizers)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        assert interaction.guild is not None
        plan = await invitations.plan_invitations(self.app, guild_id=interaction.guild_id, campaign=campaign)
        if not plan.gaps:
            await reply(
                interaction,
                f"Every slot of **{plan.campaign.title}** has the disciplines it needs.",
                ephemeral=True,
            )
            return
        sent, closed = await self.messaging.send_invitations(interaction.guild, plan)
        await reply(
            interaction, render.invite_report(plan.gaps, sent, closed, bool(plan.candidates)), ephemeral=True
        )
        await invitations.invitations_sent(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign_id=plan.id,
            sent=sent,
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
        await defer(interaction)
        assert interaction.guild_id is not None
        opened = await rollcalls.open_rollcall(
            self.app,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            campaign=campaign,
            nudge_after=timedelta(minutes=nudge_after_minutes),
            close_after=timedelta(minutes=close_after_minutes),
        )
        channel = interaction.channel if isinstance(interaction.channel, discord.abc.Messageable) else None
        message = await self.messaging.post_rollcall(channel, opened)
        await rollcalls.rollcall_posted(
            self.app,
            rollcall_id=opened.id,
            actor_id=interaction.user.id,
            channel_id=message.channel.id,
            message_id=message.id,
        )
        await reply(interaction, render.rollcall_started(opened, message.jump_url), ephemeral=True)

    # -------------------------------------------------------------------------------- members

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """List the campaigns open for sign-up."""
        await defer(interaction)
        assert interaction.guild_id is not None
        found = await lifecycle.open_campaigns(self.app, guild_id=interaction.guild_id)
        if not found.total:
            await reply(interaction, "No campaigns are open for sign-up right now.", ephemeral=True)
            return
        await reply(interaction, embed=render.open_campaigns_embed(found), ephemeral=True)

    @app_commands.command(name="mine")
    async def mine(self, interaction: discord.Interaction) -> None:
        """Show your campaign places, waitlist positions and history."""
        await defer(interaction)
        assert interaction.guild_id is not None
        history = await signups.history(self.app, guild_id=interaction.guild_id, user_id=interaction.user.id)
        if not history:
            await reply(
                interaction,
                "You have not signed up for any campaign yet. `/campaign list` shows the open ones.",
                ephemeral=True,
            )
            return
        await reply(interaction, embed=render.history_embed(history), ephemeral=True)

    @app_commands.command(name="join")
    @app_commands.describe(campaign="The campaign", slot="The role you want")
    @app_commands.autocomplete(campaign=campaign_autocomplete, slot=slot_autocomplete)
    async def join(self, interaction: discord.Interaction, campaign: str, slot: str) -> None:
        """Sign up for a campaign role (or its waitlist when full)."""
        await defer(interaction)
        assert interaction.guild_id is not None
        chosen = await signups.choose_slot(
            self.app, guild_id=interaction.guild_id, campaign=campaign, slot=slot
        )
        await self._sign_up(interaction, interaction.guild_id, chosen.campaign_id, chosen.id)

    @app_commands.command(name="leave")
    @app_commands.describe(campaign="The campaign", slot="The role to give up (optional when you hold one)")
    @app_commands.autocomplete(campaign=campaign_autocomplete, slot=slot_autocomplete)
    async def leave(self, interaction: discord.Interaction, campaign: str, slot: str | None = None) -> None:
        """Withdraw from a campaign role or its waitlist."""
        await defer(interaction)
        assert interaction.guild_id is not None
        if slot is not None:
            chosen = await signups.choose_slot(
                self.app, guild_id=interaction.guild_id, campaign=campaign, slot=slot
            )
            await self.leave_slot(interaction, chosen.campaign_id, chosen.id)
        else:
            campaign_id = await signups.choose_campaign(
                self.app, guild_id=interaction.guild_id, campaign=campaign
            )
            await self.leave_from_button(interaction, campaign_id)

    @app_commands.command(name="calendar")
    @app_commands.describe(campaign="The campaign to add to your calendar")
    @app_commands.autocomplete(campaign=campaign_autocomplete)
    async def calendar(self, interaction: discord.Interaction, campaign: str) -> None:
        """Get the campaign's dates as a calendar (.ics) file."""
        await defer(interaction)
        assert interaction.guild_id is not None
        found = await exports.calendar_file(self.app, guild_id=interaction.guild_id, campaign=campaign)
        await reply(
            interaction,
            f"Here is **{found.title}** for your calendar.",
            file=discord.File(io.BytesIO(found.data), filename=found.filename),
            ephemeral=True,
        )

    # ------------------------------------------------------------------------------ listeners

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        departure = await signups.member_left(self.app, guild_id=member.guild.id, user_id=member.id)
        for campaign_id in departure.campaign_ids:
            self.messaging.refresh_card(campaign_id)
        await self.messaging.send_offers(departure.offers)
