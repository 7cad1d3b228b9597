"""A campaign's life: create it, add, edit and remove its slots, post and close its card, look it up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserFacingError
from bot.replies import truncate
from bot.usecases import App, Work
from cogs.campaigns import rules
from cogs.campaigns.service.common import (
    DEADLINE_JOB,
    EVENT_END_JOB,
    REMINDER_JOB,
    find_campaign,
    find_slot,
    refusals,
    schedule_offer_expiries,
)
from cogs.campaigns.service.results import (
    CampaignInfo,
    Card,
    Offer,
    SlotInfo,
    campaign_info,
    card_of,
    slot_info,
)
from db import campaigns, disciplines
from db.campaigns import kit as kit_store
from db.campaigns import stored_id

LINK_KINDS = (
    ("Toolkit", "toolkit", "toolkit link"),
    ("Talking points", "talking_points", "talking points link"),
)
OPEN_LISTED = 10


@dataclass(frozen=True, slots=True)
class SlotChange:
    """A slot added or edited, and the places that change offered to the waitlist."""

    id: int
    campaign: CampaignInfo
    slot: SlotInfo
    offers: tuple[Offer, ...] = ()


@dataclass(frozen=True, slots=True)
class SlotRemoved:
    id: int
    campaign: CampaignInfo
    slot_name: str
    ended_user_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OpenCampaigns:
    cards: tuple[Card, ...]
    total: int


# ----------------------------------------------------------------------------------- lookups


async def campaign_choices(
    app: App, *, guild_id: int, search: str | None, include_closed: bool
) -> list[CampaignInfo]:
    """Campaigns of this server whose title contains the search, for autocomplete."""
    async with app.work() as work:
        found = await campaigns.list_campaigns(
            work.session, guild_id, include_closed=include_closed, search=search or None
        )
        return [campaign_info(c) for c in found]


async def slot_choices(app: App, *, guild_id: int, campaign: str, search: str) -> list[SlotInfo]:
    """The live slots of the chosen campaign whose name contains the search; none if it is not found."""
    async with app.work() as work:
        try:
            found = await find_campaign(work, guild_id, campaign)
        except UserFacingError:
            return []
        slots = await campaigns.slots_for(work.session, stored_id(found))
        wanted = search.casefold()
        return [slot_info(s) for s in slots if wanted in s.name.casefold()]


async def load_card(app: App, campaign_id: int) -> Card | None:
    """The card as it should look now; None when the campaign is gone."""
    async with app.work() as work:
        view = await campaigns.campaign_view(work.session, campaign_id)
        return card_of(view) if view is not None else None


async def open_campaigns(app: App, *, guild_id: int) -> OpenCampaigns:
    """The campaigns open for sign-up, the first few with their slots."""
    async with app.work() as work:
        found = await campaigns.list_campaigns(work.session, guild_id)
        cards = []
        for campaign in found[:OPEN_LISTED]:
            view = await campaigns.campaign_view(work.session, stored_id(campaign))
            if view is not None:
                cards.append(card_of(view))
        return OpenCampaigns(tuple(cards), len(found))


# ---------------------------------------------------------------------------------- creating


def check_url(url: str | None, what: str) -> str | None:
    """A web address for a resource link, or None when left empty."""
    if url is None or not url.strip():
        return None
    cleaned = url.strip()
    if not cleaned.lower().startswith(("https://", "http://")) or len(cleaned) > 500 or " " in cleaned:
        raise UserFacingError(
            f"The {what} must be a web address starting with https:// (500 characters at most)."
        )
    return cleaned


async def create_campaign(
    app: App,
    *,
    guild_id: int,
    actor_id: int,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    signup_deadline: datetime,
    timezone: str,
    links: dict[str, str | None],
    offer_window_hours: int = rules.DEFAULT_OFFER_HOURS,
) -> CampaignInfo:
    """Create a campaign with its resource links, and schedule its reminders and deadline."""
    async with app.work() as work:
        with refusals():
            clean_title = rules.check_title(title)
            if len(description) > rules.DESCRIPTION_MAX:
                raise rules.CampaignRuleError(f"Keep the description to {rules.DESCRIPTION_MAX} characters.")
            schedule = rules.check_schedule(starts_at, ends_at, signup_deadline, work.now)
            rules.check_offer_hours(offer_window_hours)
        stored_links = [
            (name, url, kind)
            for name, kind, what in LINK_KINDS
            if (url := check_url(links.get(kind), what)) is not None
        ]
        campaign = await campaigns.create_campaign(
            work.session,
            guild_id=guild_id,
            title=clean_title,
            description=description.strip(),
            starts_at=schedule.starts_at,
            ends_at=schedule.ends_at,
            signup_deadline=schedule.signup_deadline,
            timezone=timezone,
            created_by=actor_id,
            now=work.now,
            offer_window_hours=offer_window_hours,
            links=stored_links,
        )
        campaign_id = stored_id(campaign)
        await kit_store.add_links(work.session, campaign_id, [(name, url) for name, url, _ in stored_links])
        for hours, due in rules.reminder_times(campaign.starts_at, work.now).items():
            await work.schedule(
                REMINDER_JOB,
                f"{REMINDER_JOB}:{campaign_id}:{hours}",
                due,
                payload={"campaign_id": campaign_id, "hours": hours},
                guild_id=guild_id,
            )
        await work.schedule(
            DEADLINE_JOB,
            f"{DEADLINE_JOB}:{campaign_id}",
            campaign.signup_deadline,
            payload={"campaign_id": campaign_id},
            guild_id=guild_id,
        )
        await work.audit(guild_id, actor_id, "campaign.create", f"#{campaign_id} {campaign.title}")
        return campaign_info(campaign)


# ------------------------------------------------------------------------------------- slots


def _slot_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > rules.SLOT_NAME_MAX:
        raise UserFacingError(f"A slot name needs 1 to {rules.SLOT_NAME_MAX} characters.")
    return clean


async def _needs(work: Work, guild_id: int, text: str | None) -> dict[int, int]:
    """Read "2 epidemiologists, 1 nurse" into discipline ids of this server's catalog."""
    with refusals():
        wanted = rules.parse_needs(text)
    if not wanted:
        return {}
    catalog = await disciplines.seed_defaults(work.session, guild_id, work.now)
    by_name = {d.name: stored_id(d) for d in catalog}
    needs: dict[int, int] = {}
    for count, phrase in wanted:
        name = rules.match_discipline(phrase, list(by_name))
        if name is None:
            known = ", ".join(sorted(by_name))
            raise UserFacingError(
                truncate(f"I do not know the discipline {phrase!r}. Disciplines here: {known}.", 1900)
            )
        needs[by_name[name]] = needs.get(by_name[name], 0) + count
    return needs


async def add_slot(
    app: App, *, guild_id: int, actor_id: int, campaign: str, name: str, capacity: int, needs: str | None
) -> SlotChange:
    """Add a role with a capacity (and the disciplines it needs) to a campaign."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        clean = _slot_name(name)
        with refusals():
            rules.check_capacity(capacity)
        need_map = await _needs(work, guild_id, needs)
        if len(await campaigns.slots_for(work.session, stored_id(found))) >= rules.SLOTS_MAX:
            raise UserFacingError(f"A campaign can have at most {rules.SLOTS_MAX} slots.")
        with refusals():
            slot = await campaigns.add_slot(work.session, found, clean, capacity, need_map, work.now)
        await work.audit(guild_id, actor_id, "campaign.slot_add", f"#{found.id} {slot.name} ({capacity})")
        return SlotChange(stored_id(slot), campaign_info(found), slot_info(slot))


async def edit_slot(
    app: App,
    *,
    guild_id: int,
    actor_id: int,
    campaign: str,
    slot: str,
    name: str | None,
    capacity: int | None,
    needs: str | None,
) -> SlotChange:
    """Rename, resize or change the needs of a slot; new places are offered to its waitlist."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        target = await find_slot(work, found, slot)
        old_name = target.name
        clean = " ".join(name.split()) if name else None
        if clean is not None and len(clean) > rules.SLOT_NAME_MAX:
            raise UserFacingError(f"A slot name needs 1 to {rules.SLOT_NAME_MAX} characters.")
        if capacity is not None:
            with refusals():
                rules.check_capacity(capacity)
        need_map = None
        if needs is not None:
            cleared = needs.strip().casefold() in ("none", "-", "")
            need_map = {} if cleared else await _needs(work, guild_id, needs)
        with refusals():
            offers = await campaigns.edit_slot(
                work.session, found, target, work.now, name=clean, capacity=capacity, needs=need_map
            )
        await schedule_offer_expiries(work, offers)
        await work.audit(guild_id, actor_id, "campaign.slot_edit", f"#{found.id} {old_name}")
        edited = await campaigns.get_slot(work.session, stored_id(found), stored_id(target))
        assert edited is not None  # locked and edited in this transaction
        return SlotChange(stored_id(edited), campaign_info(found), slot_info(edited), tuple(offers))


async def remove_slot(app: App, *, guild_id: int, actor_id: int, campaign: str, slot: str) -> SlotRemoved:
    """Retire a slot and end its sign-ups, keeping them in members' history."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        target = await find_slot(work, found, slot)
        name, slot_id = target.name, stored_id(target)
        affected = await campaigns.remove_slot(work.session, target, work.now)
        await work.audit(guild_id, actor_id, "campaign.slot_remove", f"#{found.id} {name}")
        return SlotRemoved(slot_id, campaign_info(found), name, tuple(affected))


# ---------------------------------------------------------------------------------- the card


async def card_to_post(app: App, *, guild_id: int, campaign: str) -> Card:
    """The card of a campaign about to be posted; refused while it has no slot."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        view = await campaigns.campaign_view(work.session, stored_id(found))
        if view is None or not view.slots:
            raise UserFacingError("Add at least one role with `/campaign slot add` before posting the card.")
        return card_of(view)


async def card_posted(
    app: App, *, guild_id: int, actor_id: int, campaign_id: int, channel_id: int, message_id: int
) -> None:
    """Remember where the card is, so that sign-ups keep it up to date."""
    async with app.work() as work:
        await campaigns.set_card(work.session, campaign_id, channel_id, message_id)
        await work.audit(guild_id, actor_id, "campaign.post", f"#{campaign_id} in <#{channel_id}>")


async def close_campaign(app: App, *, guild_id: int, actor_id: int, campaign: str) -> CampaignInfo:
    """Close a campaign's sign-ups (its members keep their places and reminders)."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        if not await campaigns.close_campaign(work.session, found, work.now):
            raise UserFacingError(f"**{found.title}** is already closed.")
        await work.audit(guild_id, actor_id, "campaign.close", f"#{found.id} {found.title}")
        return campaign_info(found)


async def event_created(app: App, *, campaign_id: int, event_id: int) -> None:
    """Remember the campaign's scheduled event, and complete it when the campaign ends."""
    async with app.work() as work:
        campaign = await work.session.get(campaigns.Campaign, campaign_id)
        if campaign is None:
            return
        campaign.event_id = event_id
        work.session.add(campaign)
        await work.schedule(
            EVENT_END_JOB,
            f"{EVENT_END_JOB}:{campaign_id}",
            campaign.ends_at,
            payload={"campaign_id": campaign_id},
            guild_id=campaign.guild_id,
        )


async def campaign_by_id(app: App, campaign_id: int) -> CampaignInfo | None:
    """A campaign by its id, for a job that acts on it."""
    async with app.work() as work:
        campaign = await work.session.get(campaigns.Campaign, campaign_id)
        return campaign_info(campaign) if campaign is not None else None
