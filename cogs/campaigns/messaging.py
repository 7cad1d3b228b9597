"""The Discord side of campaigns that is not a reply: the live card and roll-call message, DMs, and the jobs.

Use cases decide and store; this module only posts, edits and DMs what they returned. A refused edit or a
closed DM never undoes what was stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import discord

from bot.coalesce import Coalescer
from bot.errors import UserFacingError
from bot.pacing import pace_dm
from bot.replies import truncate
from bot.scheduler import Scheduler
from cogs.campaigns import render, rules, views
from cogs.campaigns.kit_views import reminder_kit_lines
from cogs.campaigns.service import invitations, lifecycle, reminders, rollcalls, signups
from cogs.campaigns.service.common import (
    DEADLINE_JOB,
    NUDGE_JOB,
    OFFER_EXPIRY_JOB,
    OFFER_NOTICE_JOB,
    REMINDER_JOB,
    ROLLCALL_CLOSE_JOB,
)
from cogs.campaigns.service.invitations import InvitationPlan
from cogs.campaigns.service.results import Offer
from cogs.campaigns.service.rollcalls import RollCallOpened

if TYPE_CHECKING:
    from bot.core import CoalitionBot
    from db.jobs import ScheduledJob

log = logging.getLogger(__name__)

# A card edit Discord refused is tried again after these pauses, so the card is not left stale until the
# next click; after the last one it waits for the next change.
CARD_RETRY_SECONDS = (5, 30, 120, 600, 3600)


class Delivery(Enum):
    """How a DM went: sent, or the member is unreachable (closed DMs), or Discord failed (try again)."""

    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


def pinging(users: Sequence[int]) -> discord.AllowedMentions:
    """Mentions that ping exactly these members, and no role or @everyone."""
    return discord.AllowedMentions(users=[discord.Object(u) for u in users], roles=False, everyone=False)


class CampaignMessaging:
    """Posts, edits and DMs for campaigns; a rush of changes becomes one edit per message."""

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.app = bot.app
        self.edits = Coalescer()
        self._card_failures: dict[int, int] = {}
        self._retries: set[asyncio.Task[None]] = set()

    def cancel_all(self) -> None:
        self.edits.cancel_all()
        for task in list(self._retries):
            task.cancel()

    def register_jobs(self, scheduler: Scheduler) -> None:
        scheduler.register(REMINDER_JOB, self.on_reminder_job)
        scheduler.register(OFFER_EXPIRY_JOB, self.on_offer_expiry_job)
        scheduler.register(DEADLINE_JOB, self.on_deadline_job)
        scheduler.register(NUDGE_JOB, self.on_nudge_job)
        scheduler.register(ROLLCALL_CLOSE_JOB, self.on_rollcall_close_job)
        scheduler.register(OFFER_NOTICE_JOB, self.on_offer_notice_job)

    # ------------------------------------------------------------------------------ refreshes

    def refresh_card(self, campaign_id: int) -> None:
        """Ask for the card to be redrawn from the database once the current burst of sign-ups drains."""
        self.edits.request(("card", campaign_id), lambda: self._edit_card(campaign_id))

    def refresh_rollcall(self, rollcall_id: int) -> None:
        self.edits.request(("rollcall", rollcall_id), lambda: self._edit_rollcall(rollcall_id))

    def _message(self, channel_id: int, message_id: int) -> discord.PartialMessage | None:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(
            channel,
            (
                discord.TextChannel,
                discord.Thread,
                discord.VoiceChannel,
                discord.StageChannel,
                discord.DMChannel,
            ),
        ):
            return None
        return channel.get_partial_message(message_id)

    async def _edit_card(self, campaign_id: int) -> None:
        card = await lifecycle.load_card(self.app, campaign_id)
        if card is None or card.campaign.card_message_id is None or card.campaign.card_channel_id is None:
            return
        message = self._message(card.campaign.card_channel_id, card.campaign.card_message_id)
        if message is None:
            return
        now = discord.utils.utcnow()
        try:
            embed = views.card_embed(card, now=now)
            if card.campaign.cancel_reason is not None:
                embed = render.mark_cancelled(embed, card.campaign.cancel_reason)
            await message.edit(embed=embed, view=views.card_controls(card, now=now))
        except discord.NotFound:
            log.info("The card of campaign %s was deleted; it will not be updated", campaign_id)
        except discord.HTTPException as error:
            # One refused edit must not stop later refreshes of the card; Discord's own failures (5xx) are
            # tried again later rather than leaving the card stale until the next click.
            log.warning("Could not update the card of campaign %s", campaign_id, exc_info=True)
            if error.status >= 500 or error.status == 429:  # refused for now: try again
                self._retry_card_later(campaign_id)
        else:
            self._card_failures.pop(campaign_id, None)

    def _retry_card_later(self, campaign_id: int) -> None:
        failures = self._card_failures.get(campaign_id, 0)
        if failures >= len(CARD_RETRY_SECONDS):
            self._card_failures.pop(campaign_id, None)
            return
        self._card_failures[campaign_id] = failures + 1
        task = asyncio.create_task(self._refresh_card_after(campaign_id, CARD_RETRY_SECONDS[failures]))
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _refresh_card_after(self, campaign_id: int, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self.refresh_card(campaign_id)

    async def _edit_rollcall(self, rollcall_id: int) -> None:
        board = await rollcalls.rollcall_board(self.app, rollcall_id)
        if board is None:
            return
        message = self._message(board.channel_id, board.message_id)
        if message is None:
            return
        await message.edit(
            embed=views.rollcall_embed(board.campaign_title, board.answers, closed=board.closed),
            view=views.rollcall_controls(rollcall_id, closed=board.closed),
        )

    # ------------------------------------------------------------------------------------ DMs

    async def deliver(self, user_id: int, content: str | None = None, **kwargs: Any) -> Delivery:
        """DM a member, telling closed DMs (final) from Discord's own failures (worth another try)."""
        user = self.bot.get_user(user_id)
        try:
            if user is None:
                user = await self.bot.fetch_user(user_id)
            await user.send(content, **kwargs)
        except discord.HTTPException as error:
            if error.status >= 500 or error.status == 429:
                log.warning(
                    "Discord failed a DM to user %s (%s); it will be tried again", user_id, error.status
                )
                return Delivery.FAILED
            log.info("Could not DM user %s", user_id)
            return Delivery.UNREACHABLE
        return Delivery.SENT

    async def dm(self, user_id: int, content: str | None = None, **kwargs: Any) -> bool:
        """DM a member once; False when it did not arrive."""
        return await self.deliver(user_id, content, **kwargs) is Delivery.SENT

    async def dm_many(self, user_ids: Sequence[int], content: str) -> None:
        for attempted, user_id in enumerate(user_ids):
            await self.dm(user_id, content)
            await pace_dm(attempted + 1)

    async def send_offers(self, offers: Sequence[Offer]) -> None:
        """DM each offer with Accept / No thanks (its expiry was scheduled when it was made)."""
        for attempted, offer in enumerate(offers):
            await self._notify_offer(offer, attempt=0)
            self.refresh_card(offer.campaign_id)
            await pace_dm(attempted + 1)

    async def _notify_offer(self, offer: Offer, *, attempt: int) -> None:
        """DM the offer; closed DMs get the channel instead, and a failed DM is tried again later."""
        controls = views.offer_controls(offer.signup_id, offer.number)
        delivery = await self.deliver(offer.user_id, render.offer_text(offer), view=controls)
        if delivery is Delivery.SENT:
            return
        if delivery is Delivery.FAILED and await signups.retry_offer_notice(
            self.app, offer=offer, attempt=attempt + 1
        ):
            return
        await self._offer_fallback(offer)

    async def _offer_fallback(self, offer: Offer) -> None:
        """Closed DMs: tell the member in the campaigns channel, where `/campaign join` accepts the offer."""
        channel = await self.bot.configured_channel(offer.guild_id, "campaigns")
        if channel is None:
            return
        try:
            await channel.send(render.offer_fallback_text(offer), allowed_mentions=pinging([offer.user_id]))
        except discord.HTTPException:
            log.warning("Could not tell user %s about their offer", offer.user_id, exc_info=True)

    async def send_invitations(self, guild: discord.Guild, plan: InvitationPlan) -> tuple[int, int]:
        """DM each candidate still in the server once; return how many were reached and how many not."""
        sent = closed = 0
        for attempted, candidate in enumerate(plan.candidates):
            member = guild.get_member(candidate.id)
            if member is None or member.bot:
                continue
            if not await invitations.claim_invitation(
                self.app, campaign_id=plan.campaign.id, user_id=candidate.id, slot_id=candidate.slot_id
            ):
                continue
            embed = render.invite_embed(guild.name, plan.campaign, candidate)
            controls = views.invite_controls(
                guild.id, plan.campaign.id, candidate.slot_id, candidate.slot_name
            )
            try:
                await member.send(embed=embed, view=controls)
                sent += 1
            except discord.HTTPException:
                closed += 1
            await pace_dm(attempted + 1)
        return sent, closed

    # ---------------------------------------------------------------------------- roll calls

    async def post_rollcall(
        self, channel: discord.abc.Messageable | None, opened: RollCallOpened
    ) -> discord.Message:
        """Post the roll call (in a thread when possible), pinging the called members in small batches."""
        base: Any = channel
        card_channel = opened.campaign.card_channel_id
        if card_channel and (found := self.bot.get_channel(card_channel)) is not None:
            base = found
        target: Any = base
        if isinstance(base, discord.TextChannel):
            try:
                target = await base.create_thread(
                    name=truncate(f"Roll call: {opened.campaign.title}", 100),
                    type=discord.ChannelType.public_thread,
                )
            except discord.HTTPException:
                log.info("Could not open a roll-call thread in %s; posting in the channel", base.id)
        user_ids = [a.user_id for a in opened.answers]
        chunks = rules.mention_chunks(user_ids, render.rollcall_call(opened.campaign))
        first_text, first_users = chunks[0]
        try:
            message: discord.Message = await target.send(
                truncate(first_text, 2000),
                embed=views.rollcall_embed(opened.campaign.title, opened.answers, closed=False),
                view=views.rollcall_controls(opened.id, closed=False),
                allowed_mentions=pinging(first_users),
            )
        except discord.HTTPException as exc:
            # Nobody was asked, so leave no open roll call behind.
            await rollcalls.discard_rollcall(self.app, opened.id)
            log.warning("Could not post the roll call for campaign %s", opened.campaign.id, exc_info=True)
            raise UserFacingError(
                "Discord refused the roll-call message, so no roll call was started. "
                "Check that I can send messages and open threads there, then try again."
            ) from exc
        for text, users in chunks[1:]:
            try:
                await target.send(text, allowed_mentions=pinging(users))
            except discord.HTTPException:
                # The unpinged still appear in the roll call and get the nudge DM.
                log.warning(
                    "Could not post part of the roll call for campaign %s", opened.campaign.id, exc_info=True
                )
        return message

    async def close_rollcall(self, rollcall_id: int) -> str | None:
        """Close once, redraw the message and send the organizer the summary; None if already closed."""
        closed = await rollcalls.close_rollcall(self.app, rollcall_id)
        if closed is None:
            return None
        self.refresh_rollcall(rollcall_id)
        summary = render.rollcall_summary(closed)
        await self.dm(closed.created_by, summary)
        return summary

    # ---------------------------------------------------------------------------------- jobs

    async def on_reminder_job(self, job: ScheduledJob) -> None:
        due = await reminders.reminder_due(
            self.app, campaign_id=int(job.payload["campaign_id"]), hours=int(job.payload["hours"])
        )
        if due is None:
            return
        missed = 0
        kit_lines = await reminder_kit_lines(self.app, due.id)
        for attempted, recipient in enumerate(due.recipients):
            # Claimed before sending, so that two processes never both send it; released if Discord failed.
            if not await reminders.claim_reminder(
                self.app, campaign_id=due.id, user_id=recipient.user_id, hours=due.hours_before
            ):
                continue
            if (
                await self.deliver(recipient.user_id, render.reminder_text(due, recipient) + kit_lines)
                is Delivery.FAILED
            ):
                await reminders.release_reminder(
                    self.app, campaign_id=due.id, user_id=recipient.user_id, hours=due.hours_before
                )
                missed += 1
            await pace_dm(attempted + 1)
        attempt = int(job.payload.get("attempt", 0)) + 1
        if missed and not await reminders.retry_reminder(
            self.app, campaign_id=due.id, hours=due.hours_before, attempt=attempt
        ):
            log.warning(
                "Gave up on the %sh reminder of campaign %s for %d member(s)",
                due.hours_before,
                due.id,
                missed,
            )

    async def on_offer_notice_job(self, job: ScheduledJob) -> None:
        offer = await signups.open_offer(
            self.app, signup_id=int(job.payload["signup_id"]), number=int(job.payload["number"])
        )
        if offer is not None:
            await self._notify_offer(offer, attempt=int(job.payload["attempt"]))

    async def on_offer_expiry_job(self, job: ScheduledJob) -> None:
        expiry = await signups.expire_offer(
            self.app, signup_id=int(job.payload["signup_id"]), number=int(job.payload["number"])
        )
        if expiry.lapsed_user_id is not None:
            await self.dm(expiry.lapsed_user_id, render.OFFER_LAPSED)
        if expiry.campaign_id is not None:
            self.refresh_card(expiry.campaign_id)
        await self.send_offers(expiry.offers)

    async def on_deadline_job(self, job: ScheduledJob) -> None:
        self.refresh_card(int(job.payload["campaign_id"]))

    async def on_nudge_job(self, job: ScheduledJob) -> None:
        nudge = await rollcalls.nudge_due(self.app, int(job.payload["rollcall_id"]))
        if nudge is None:
            return
        for attempted, user_id in enumerate(nudge.silent_user_ids):
            if not await rollcalls.claim_nudge(self.app, rollcall_id=nudge.id, user_id=user_id):
                continue
            await self.dm(user_id, render.nudge_text(nudge))
            await pace_dm(attempted + 1)

    async def on_rollcall_close_job(self, job: ScheduledJob) -> None:
        await self.close_rollcall(int(job.payload["rollcall_id"]))
