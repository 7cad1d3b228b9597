"""What the campaign buttons and selects do, and the member commands that share it (join, leave)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.ext import commands

from bot.checks import ensure_organizer
from bot.core import CoalitionBot
from bot.errors import NotFound
from bot.replies import defer, reply, truncate
from bot.usecases import App
from cogs.campaigns import render, views
from cogs.campaigns.messaging import CampaignMessaging
from cogs.campaigns.service import invitations, rollcalls, signups

log = logging.getLogger(__name__)


SlotKey = tuple[int, int, int]  # guild, campaign, slot: as the click named them, checked in the transaction
GROUP_LIMIT = 100  # sign-ups per transaction at most (SQLite's bound parameters stay far below its limit)


@dataclass(slots=True)
class SlotClicks:
    """Sign-up clicks on one slot waiting in this process for the transaction now running to end."""

    waiting: list[tuple[int, asyncio.Future[signups.SignUpResult]]] = field(default_factory=list)


async def answer_stored(interaction: discord.Interaction, text: str, *, ephemeral: bool = True) -> None:
    """Answer an action that is already stored; if Discord refuses the answer, the action still stands.

    Letting the error through would tell the member "something went wrong" about something that worked.
    """
    try:
        await reply(interaction, text, ephemeral=ephemeral)
    except discord.HTTPException:
        log.warning(
            "Stored the action of user %s but could not answer them", interaction.user.id, exc_info=True
        )


class MemberControls:
    """Mixed into the cog: sign up, withdraw, answer offers and roll calls, opt out of invitations."""

    bot: CoalitionBot
    app: App
    messaging: CampaignMessaging
    _slot_clicks: dict[SlotKey, SlotClicks]
    _click_tasks: set[asyncio.Task[None]]
    # Clicks on one slot that arrive while its transaction runs are stored together in the next one; 1 makes
    # it one transaction per click (`python -m bench.signup_burst` measures both).
    sign_ups_per_transaction = GROUP_LIMIT

    async def _sign_up(
        self, interaction: discord.Interaction, guild_id: int, campaign_id: int, slot_id: int
    ) -> None:
        # In line before anything else (so the waitlist keeps click order), then answer first: in a rush
        # every member waits on the slot's transaction, and Discord gives three seconds.
        stored = self._queue_click((guild_id, campaign_id, slot_id), interaction.user.id)
        await defer(interaction)
        with self.messaging.edits.busy(("card", campaign_id)):
            result = await stored
            # Stored: the card changes whether or not the answer below reaches the member.
            if not result.already:
                self.messaging.refresh_card(campaign_id)
            await answer_stored(interaction, render.sign_up_text(result))

    def _queue_click(self, key: SlotKey, user_id: int) -> asyncio.Future[signups.SignUpResult]:
        """Queue a sign-up behind the slot's running transaction; the clicks queued meanwhile go in its next one.

        One transaction of three statements for a whole rush instead of one per member.
        """
        future: asyncio.Future[signups.SignUpResult] = asyncio.get_running_loop().create_future()
        clicks = self._slot_clicks.get(key)
        if clicks is None:
            clicks = self._slot_clicks[key] = SlotClicks()
            task = asyncio.create_task(self._store_clicks(key, clicks), name=f"sign-ups:{key[2]}")
            self._click_tasks.add(task)
            task.add_done_callback(self._click_tasks.discard)
        clicks.waiting.append((user_id, future))
        return future

    async def _store_clicks(self, key: SlotKey, clicks: SlotClicks) -> None:
        """Store the slot's waiting clicks a group at a time until none are left."""
        guild_id, campaign_id, slot_id = key
        group: list[tuple[int, asyncio.Future[signups.SignUpResult]]] = []
        try:
            while clicks.waiting:
                group = clicks.waiting[: self.sign_ups_per_transaction]
                del clicks.waiting[: self.sign_ups_per_transaction]
                try:
                    results = await signups.sign_up_together(
                        self.app,
                        guild_id=guild_id,
                        campaign_id=campaign_id,
                        slot_id=slot_id,
                        user_ids=[user_id for user_id, _ in group],
                    )
                except Exception as error:  # every member of the group hears the same refusal or failure
                    for _, future in group:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(group, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._slot_clicks.pop(key, None)
            # Only when this task itself was stopped (a reload, a shutdown): nobody may wait forever.
            for _, future in [*group, *clicks.waiting]:
                if not future.done():
                    future.cancel()

    @commands.Cog.listener()
    async def on_member_forgotten(self, guild_id: int, deletion: Any) -> None:
        """A member deleted their data: the cards that named them now say "a former member"."""
        for campaign_id in deletion.campaigns_touched:
            self.messaging.refresh_card(campaign_id)

    async def join_from_button(
        self, interaction: discord.Interaction, campaign_id: int, slot_id: int
    ) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            # From an invitation DM: the campaign's own server, if the member still belongs to it.
            await defer(interaction)
            home = await signups.campaign_guild(self.app, campaign_id)
            guild = self.bot.get_guild(home) if home is not None else None
            if guild is None or guild.get_member(interaction.user.id) is None:
                raise NotFound("That campaign no longer exists, or you are no longer in its server.")
            guild_id = guild.id
        await self._sign_up(interaction, guild_id, campaign_id, slot_id)

    async def leave_from_button(self, interaction: discord.Interaction, campaign_id: int) -> None:
        assert interaction.guild_id is not None
        await defer(interaction)
        outcome = await signups.withdraw_from_campaign(
            self.app, guild_id=interaction.guild_id, user_id=interaction.user.id, campaign_id=campaign_id
        )
        if isinstance(outcome, signups.Withdrawal):
            await self._withdrew(interaction, outcome)
            return
        options = [
            discord.SelectOption(
                label=truncate(place.slot_name, 100), value=str(place.id), description=place.status
            )
            for place in outcome[:25]
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
        await defer(interaction)
        left = await signups.leave_slot(
            self.app,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            campaign_id=campaign_id,
            slot_id=slot_id,
        )
        await self._withdrew(interaction, left)

    async def _withdrew(self, interaction: discord.Interaction, left: signups.Withdrawal) -> None:
        """Stored: redraw the card, tell the member, and DM whoever the place is offered to."""
        self.messaging.refresh_card(left.campaign_id)
        await answer_stored(
            interaction,
            f"You withdrew from **{left.slot_name}** in **{left.campaign_title}**. Thanks for letting us know.",
        )
        await self.messaging.send_offers(left.offers)

    async def answer_offer(self, interaction: discord.Interaction, signup_id: int, accept: bool) -> None:
        await defer(interaction, ephemeral=False)
        answer = await signups.answer_offer(
            self.app, user_id=interaction.user.id, signup_id=signup_id, accept=accept
        )
        self.messaging.refresh_card(answer.campaign_id)
        if answer.accepted:
            text = f"Done: you're confirmed for **{answer.slot_name}** in **{answer.campaign_title}**. See you there!"
        else:
            text = "No problem: the place goes to the next person in line."
        await answer_stored(interaction, text, ephemeral=False)
        await self.messaging.send_offers(answer.offers)

    async def opt_out(self, interaction: discord.Interaction, guild_id: int) -> None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise NotFound("I am no longer in that server.")
        await defer(interaction)
        await invitations.opt_out(self.app, guild_id=guild_id, user_id=interaction.user.id)
        await reply(
            interaction,
            f"You won't get campaign invitations from {guild.name} any more. You can still join campaigns yourself.",
        )

    async def rollcall_button(self, interaction: discord.Interaction, rollcall_id: int, action: str) -> None:
        if action == "close":
            await defer(interaction)
            await rollcalls.rollcall_guild(self.app, guild_id=interaction.guild_id, rollcall_id=rollcall_id)
            await ensure_organizer(interaction)
            summary = await self.messaging.close_rollcall(rollcall_id)
            await reply(interaction, summary or "This roll call was already closed.", ephemeral=True)
            return
        if interaction.guild_id is None:
            raise NotFound("That roll call does not exist in this server.")
        await defer(interaction)
        answered = await rollcalls.answer_rollcall(
            self.app,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            rollcall_id=rollcall_id,
            ready=action == "ready",
        )
        self.messaging.refresh_rollcall(rollcall_id)
        if answered.declined:
            self.messaging.refresh_card(answered.campaign_id)
            await answer_stored(
                interaction, "Thanks for telling us. Your place goes to the next person in line."
            )
        else:
            await answer_stored(interaction, "Thanks! You're marked as ready.")
        await self.messaging.send_offers(answered.offers)
