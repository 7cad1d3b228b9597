"""Sign-ups and offers: join, leave, the waitlist's offers and their expiry, a member leaving the server."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import NotFound, UserFacingError
from bot.usecases import App, Work
from cogs.campaigns.service.common import (
    NOTICE_RETRY,
    OFFER_NOTICE_JOB,
    find_campaign,
    find_slot,
    refusals,
    rerun_if_changed,
    schedule_offer_expiries,
)
from cogs.campaigns.service.results import Offer
from db import campaigns
from db.campaigns import HistoryRow, SignUpResult, stored_id

__all__ = ["HistoryRow", "SignUpResult"]


@dataclass(frozen=True, slots=True)
class SlotChoice:
    """A campaign and slot the member picked by typing."""

    id: int
    campaign_id: int


@dataclass(frozen=True, slots=True)
class HeldPlace:
    """A place or waitlist spot the member holds in a campaign (id: the slot's)."""

    id: int
    slot_name: str
    status: str


@dataclass(frozen=True, slots=True)
class Withdrawal:
    id: int
    campaign_id: int
    campaign_title: str
    slot_name: str
    offers: tuple[Offer, ...]


@dataclass(frozen=True, slots=True)
class OfferAnswer:
    """A member's answer to an offer (id: the sign-up's); declining passes the place on."""

    id: int
    campaign_id: int
    campaign_title: str
    slot_name: str
    accepted: bool
    offers: tuple[Offer, ...]


@dataclass(frozen=True, slots=True)
class OfferExpiry:
    """What an offer's expiry did (id: the sign-up's): lapsed it, and offered the place to whom."""

    id: int
    campaign_id: int | None
    lapsed_user_id: int | None
    offers: tuple[Offer, ...]


@dataclass(frozen=True, slots=True)
class Departure:
    """A member left the server: the campaigns whose cards change, and the places offered on."""

    id: int
    campaign_ids: tuple[int, ...]
    offers: tuple[Offer, ...]


async def choose_slot(app: App, *, guild_id: int, campaign: str, slot: str) -> SlotChoice:
    """The campaign and slot a member typed (or picked in autocomplete)."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        target = await find_slot(work, found, slot)
        return SlotChoice(stored_id(target), stored_id(found))


async def choose_campaign(app: App, *, guild_id: int, campaign: str) -> int:
    """The id of the campaign a member typed (or picked in autocomplete)."""
    async with app.work() as work:
        return stored_id(await find_campaign(work, guild_id, campaign))


async def campaign_guild(app: App, campaign_id: int) -> int | None:
    """The server a campaign belongs to (a join from an invitation DM carries no server)."""
    async with app.work() as work:
        campaign = await work.session.get(campaigns.Campaign, campaign_id)
        return campaign.guild_id if campaign is not None else None


async def sign_up(app: App, *, guild_id: int, campaign_id: int, slot_id: int, user_id: int) -> SignUpResult:
    """Take a free place in the slot, or join its waitlist; a repeat click changes nothing."""
    (result,) = await sign_up_together(
        app, guild_id=guild_id, campaign_id=campaign_id, slot_id=slot_id, user_ids=[user_id]
    )
    return result


@rerun_if_changed
async def sign_up_together(
    app: App, *, guild_id: int, campaign_id: int, slot_id: int, user_ids: list[int]
) -> list[SignUpResult]:
    """Sign up members who clicked one slot at once, in click order, in one transaction."""
    async with app.work() as work:
        with refusals():
            return await campaigns.sign_up_many(
                work.session,
                guild_id=guild_id,
                campaign_id=campaign_id,
                slot_id=slot_id,
                user_ids=user_ids,
                now=work.now,
            )


@rerun_if_changed
async def withdraw_from_campaign(
    app: App, *, guild_id: int, user_id: int, campaign_id: int
) -> Withdrawal | list[HeldPlace]:
    """Withdraw from the one place the member holds or awaits; with several, return them to choose from."""
    async with app.work() as work:
        held = await campaigns.places_held(work.session, guild_id, campaign_id, user_id)
        if len(held) == 1:
            return await _give_up(work, held[0])
        if held:
            return [HeldPlace(place.slot_id, place.slot_name, place.status) for place in held]
        if await campaigns.get_campaign(work.session, guild_id, campaign_id) is None:
            raise NotFound("That campaign does not exist in this server (it may have been deleted).")
        raise UserFacingError("You have no place or waitlist spot in this campaign.")


@rerun_if_changed
async def leave_slot(app: App, *, guild_id: int, user_id: int, campaign_id: int, slot_id: int) -> Withdrawal:
    """Withdraw from a slot; a held place is offered to the first in line."""
    async with app.work() as work:
        held = await campaigns.places_held(work.session, guild_id, campaign_id, user_id)
        place = next((place for place in held if place.slot_id == slot_id), None)
        if place is None:
            slot = await campaigns.get_slot(work.session, campaign_id, slot_id)
            if slot is None or await campaigns.get_campaign(work.session, guild_id, campaign_id) is None:
                raise NotFound(
                    "That campaign or slot does not exist in this server (it may have been deleted)."
                )
            raise UserFacingError(f"You have no place or waitlist spot in **{slot.name}**.")
        return await _give_up(work, place)


async def _give_up(work: Work, place: campaigns.Place) -> Withdrawal:
    offers = await campaigns.give_up(work.session, place, work.now)
    await schedule_offer_expiries(work, offers)
    return Withdrawal(place.signup_id, place.campaign_id, place.title, place.slot_name, tuple(offers))


@rerun_if_changed
async def answer_offer(app: App, *, user_id: int, signup_id: int, accept: bool) -> OfferAnswer:
    """Accept an offered place, or decline it so that it goes to the next in line."""
    async with app.work() as work:
        with refusals():
            if accept:
                _signup, campaign, slot = await campaigns.accept_offer(
                    work.session, signup_id, user_id, work.now
                )
                return OfferAnswer(signup_id, stored_id(campaign), campaign.title, slot.name, True, ())
            offers = await campaigns.decline_offer(work.session, signup_id, user_id, work.now)
        await schedule_offer_expiries(work, offers)
        declined = await campaigns.get_signup(work.session, signup_id)
        assert declined is not None  # declined in this transaction
        return OfferAnswer(signup_id, declined.campaign_id, "", "", False, tuple(offers))


@rerun_if_changed
async def expire_offer(app: App, *, signup_id: int, number: int) -> OfferExpiry:
    """Lapse an offer left unanswered past its window and pass the place on; nothing if it was answered."""
    async with app.work() as work:
        signup = await campaigns.get_signup(work.session, signup_id)
        was_offered = signup is not None and signup.status == campaigns.OFFERED
        offers = await campaigns.expire_offer(work.session, signup_id, number, work.now)
        await schedule_offer_expiries(work, offers)
        if signup is None:
            return OfferExpiry(signup_id, None, None, tuple(offers))
        if was_offered:
            await work.session.refresh(signup)  # the lapse was written in SQL, not through this object
        lapsed = was_offered and signup.status == campaigns.LAPSED
        return OfferExpiry(signup_id, signup.campaign_id, signup.user_id if lapsed else None, tuple(offers))


@rerun_if_changed
async def member_left(app: App, *, guild_id: int, user_id: int) -> Departure:
    """Free every place a member who left the server held or awaited, offering them on."""
    async with app.work() as work:
        held = await campaigns.member_signups(work.session, guild_id, user_id)
        offers = await campaigns.withdraw_everywhere(work.session, guild_id, user_id, work.now)
        await schedule_offer_expiries(work, offers)
        campaign_ids = tuple(dict.fromkeys(stored_id(campaign) for _, _, campaign in held))
        return Departure(user_id, campaign_ids, tuple(offers))


async def history(app: App, *, guild_id: int, user_id: int) -> list[HistoryRow]:
    """The member's places, waitlist spots and past sign-ups, newest campaign first."""
    async with app.work() as work:
        return await campaigns.member_history(work.session, guild_id, user_id)


async def open_offer(app: App, *, signup_id: int, number: int) -> Offer | None:
    """The offer, while it is still open and unanswered (its DM is worth sending)."""
    async with app.work() as work:
        return await campaigns.open_offer(work.session, signup_id, number, work.now)


async def retry_offer_notice(app: App, *, offer: Offer, attempt: int) -> bool:
    """Schedule another try of an offer's DM that Discord failed; False when out of tries or time."""
    if attempt > len(NOTICE_RETRY):
        return False
    async with app.work() as work:
        due = work.now + NOTICE_RETRY[attempt - 1]
        if due >= offer.expires_at:
            return False
        await work.schedule(
            OFFER_NOTICE_JOB,
            f"{OFFER_NOTICE_JOB}:{offer.signup_id}:{offer.number}:{attempt}",
            due,
            payload={"signup_id": offer.signup_id, "number": offer.number, "attempt": attempt},
            guild_id=offer.guild_id,
        )
        return True
