"""Roll calls: ask the confirmed members whether they are ready, record answers, nudge once, close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import NotFound, UserFacingError
from bot.usecases import App
from cogs.campaigns.service.common import (
    NUDGE_JOB,
    ROLLCALL_CLOSE_JOB,
    find_campaign,
    refusals,
    rerun_if_changed,
    schedule_offer_expiries,
)
from cogs.campaigns.service.results import CampaignInfo, Offer, campaign_info
from db import campaigns
from db.campaigns import Campaign, stored_id
from db.campaigns.reach import count_posts


@dataclass(frozen=True, slots=True)
class Answer:
    user_id: int
    answer: str


@dataclass(frozen=True, slots=True)
class RollCallOpened:
    """A roll call stored before its message is posted: whom it calls and when it nudges and closes."""

    id: int
    campaign: CampaignInfo
    answers: tuple[Answer, ...]
    nudge_at: datetime
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class RollCallBoard:
    """What the roll-call message shows."""

    id: int
    campaign_title: str
    channel_id: int
    message_id: int
    answers: tuple[Answer, ...]
    closed: bool


@dataclass(frozen=True, slots=True)
class RollCallAnswered:
    id: int
    campaign_id: int
    declined: bool
    offers: tuple[Offer, ...]


@dataclass(frozen=True, slots=True)
class RollCallClosed:
    """A roll call just closed: the attendance for the organizer who opened it."""

    id: int
    campaign_title: str
    created_by: int
    answers: tuple[Answer, ...]
    posts: int = 0  # posts the campaign's members reported so far

    def who(self, answer: str) -> list[int]:
        return [a.user_id for a in self.answers if a.answer == answer]


@dataclass(frozen=True, slots=True)
class Nudge:
    """The members still silent when the nudge is due, and where the roll call is."""

    id: int
    campaign_title: str
    link: str
    silent_user_ids: tuple[int, ...]


def _answers(rows: list[campaigns.RollCallAnswer]) -> tuple[Answer, ...]:
    return tuple(Answer(row.user_id, row.answer) for row in rows)


async def open_rollcall(
    app: App, *, guild_id: int, actor_id: int, campaign: str, nudge_after: timedelta, close_after: timedelta
) -> RollCallOpened:
    """Store a roll call for the campaign's confirmed members (its message is posted next)."""
    if nudge_after >= close_after:
        raise UserFacingError("The nudge has to come before the roll call closes.")
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        members = await campaigns.confirmed_members(work.session, stored_id(found))
        if not members:
            raise UserFacingError(f"**{found.title}** has no confirmed members to call yet.")
        call = await campaigns.create_rollcall(
            work.session,
            found,
            created_by=actor_id,
            now=work.now,
            nudge_at=work.now + nudge_after,
            closes_at=work.now + close_after,
            members=members,
        )
        answers = await campaigns.rollcall_answers(work.session, stored_id(call))
        return RollCallOpened(
            stored_id(call), campaign_info(found), _answers(answers), call.nudge_at, call.closes_at
        )


async def discard_rollcall(app: App, rollcall_id: int) -> None:
    """Forget a roll call whose message Discord refused: nobody was asked."""
    async with app.work() as work:
        await campaigns.delete_rollcall(work.session, rollcall_id)


async def rollcall_posted(
    app: App, *, rollcall_id: int, actor_id: int, channel_id: int, message_id: int
) -> None:
    """Remember the roll call's message, schedule its nudge and its close, and audit it."""
    async with app.work() as work:
        call = await campaigns.get_rollcall(work.session, rollcall_id)
        if call is None:
            raise NotFound("That roll call no longer exists.")
        await campaigns.set_rollcall_message(work.session, rollcall_id, channel_id, message_id)
        payload = {"rollcall_id": rollcall_id}
        await work.schedule(
            NUDGE_JOB, f"{NUDGE_JOB}:{rollcall_id}", call.nudge_at, payload=payload, guild_id=call.guild_id
        )
        await work.schedule(
            ROLLCALL_CLOSE_JOB,
            f"{ROLLCALL_CLOSE_JOB}:{rollcall_id}",
            call.closes_at,
            payload=payload,
            guild_id=call.guild_id,
        )
        called = len(await campaigns.rollcall_answers(work.session, rollcall_id))
        await work.audit(
            call.guild_id, actor_id, "campaign.rollcall", f"#{call.campaign_id} ({called} called)"
        )


async def rollcall_guild(app: App, *, guild_id: int | None, rollcall_id: int) -> int:
    """The roll call's campaign id, if the roll call belongs to this server."""
    async with app.work() as work:
        call = await campaigns.get_rollcall(work.session, rollcall_id)
        if call is None or call.guild_id != guild_id:
            raise NotFound("That roll call does not exist in this server.")
        return call.campaign_id


@rerun_if_changed
async def answer_rollcall(
    app: App, *, guild_id: int, user_id: int, rollcall_id: int, ready: bool
) -> RollCallAnswered:
    """Record a member's answer; "can't make it" gives up the places they hold (waitlist spots stay)."""
    async with app.work() as work:
        call = await campaigns.get_rollcall(work.session, rollcall_id)
        if call is None or call.guild_id != guild_id:
            raise NotFound("That roll call does not exist in this server.")
        answer = campaigns.READY if ready else campaigns.DECLINED
        with refusals():
            await campaigns.answer_rollcall(work.session, rollcall_id, user_id, answer, work.now)
        offers: list[Offer] = []
        if not ready:
            held = await campaigns.member_signups(work.session, guild_id, user_id, call.campaign_id)
            for signup, slot, _campaign in held:
                # The roll call is about places held; waitlist spots elsewhere stay theirs.
                if signup.status != campaigns.CONFIRMED:
                    continue
                _, freed = await campaigns.withdraw(
                    work.session,
                    guild_id=guild_id,
                    slot_id=stored_id(slot),
                    user_id=user_id,
                    now=work.now,
                    only_if=campaigns.CONFIRMED,
                )
                offers.extend(freed)
        await schedule_offer_expiries(work, offers)
        return RollCallAnswered(rollcall_id, call.campaign_id, not ready, tuple(offers))


async def rollcall_board(app: App, rollcall_id: int) -> RollCallBoard | None:
    """The roll-call message as it should look now; None when it has no message."""
    async with app.work() as work:
        call = await campaigns.get_rollcall(work.session, rollcall_id)
        if call is None or call.message_id is None or call.channel_id is None:
            return None
        campaign = await work.session.get(Campaign, call.campaign_id)
        if campaign is None:
            return None
        answers = await campaigns.rollcall_answers(work.session, rollcall_id)
        closed = call.status != campaigns.OPEN
        return RollCallBoard(
            rollcall_id, campaign.title, call.channel_id, call.message_id, _answers(answers), closed
        )


async def close_rollcall(app: App, rollcall_id: int) -> RollCallClosed | None:
    """Close once: the silent are recorded as silent and the pending jobs cancelled. None if already closed."""
    async with app.work() as work:
        if not await campaigns.close_rollcall(work.session, rollcall_id, work.now):
            return None
        call = await campaigns.get_rollcall(work.session, rollcall_id)
        assert call is not None  # closed in this transaction
        campaign = await work.session.get(Campaign, call.campaign_id)
        answers = await campaigns.rollcall_answers(work.session, rollcall_id)
        await work.cancel_job(f"{ROLLCALL_CLOSE_JOB}:{rollcall_id}")
        await work.cancel_job(f"{NUDGE_JOB}:{rollcall_id}")
        title = campaign.title if campaign else "the campaign"
        posts = await count_posts(work.session, call.campaign_id)
        return RollCallClosed(rollcall_id, title, call.created_by, _answers(answers), posts)


async def nudge_due(app: App, rollcall_id: int) -> Nudge | None:
    """Who still has not answered an open roll call; None when it closed meanwhile."""
    async with app.work() as work:
        call = await campaigns.get_rollcall(work.session, rollcall_id)
        if call is None or call.status != campaigns.OPEN:
            return None
        campaign = await work.session.get(Campaign, call.campaign_id)
        answers = await campaigns.rollcall_answers(work.session, rollcall_id)
        title = campaign.title if campaign else "the campaign"
        link = f"https://discord.com/channels/{call.guild_id}/{call.channel_id}/{call.message_id}"
        silent = tuple(a.user_id for a in answers if a.answer == campaigns.PENDING)
        return Nudge(rollcall_id, title, link, silent)


async def claim_nudge(app: App, *, rollcall_id: int, user_id: int) -> bool:
    """Mark the member as nudged; False when they answered or were nudged already."""
    async with app.work() as work:
        return await campaigns.claim_nudge(work.session, rollcall_id, user_id, work.now)
