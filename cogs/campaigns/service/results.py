"""What the campaign use cases return: frozen, fully typed, never a database row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from db.campaigns import Campaign, CampaignLink, CampaignSlot, CampaignView, Offer, stored_id

__all__ = [
    "CampaignInfo",
    "Card",
    "LinkInfo",
    "Offer",
    "SlotCard",
    "SlotInfo",
    "campaign_info",
    "card_of",
    "slot_info",
]


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """A campaign as the cog shows it."""

    id: int
    guild_id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime
    timezone: str
    status: str
    card_channel_id: int | None
    card_message_id: int | None
    created_by: int
    offer_window_hours: int = 24
    cancel_reason: str | None = None
    event_id: int | None = None

    def taking_signups(self, now: datetime) -> bool:
        return self.status == "open" and now < self.signup_deadline


@dataclass(frozen=True, slots=True)
class SlotInfo:
    id: int
    campaign_id: int
    name: str
    capacity: int
    taken: int


@dataclass(frozen=True, slots=True)
class LinkInfo:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class SlotCard:
    """One slot on the card: who holds a place, how many wait, which disciplines it still needs."""

    id: int
    name: str
    capacity: int
    taken: int
    confirmed: tuple[int, ...]
    offered: int
    waitlisted: int
    needs: Mapping[int, int] = field(default_factory=dict)
    confirmed_disciplines: tuple[frozenset[int], ...] = ()

    @property
    def full(self) -> bool:
        return self.taken >= self.capacity


@dataclass(frozen=True, slots=True)
class Card:
    """Everything the live sign-up card shows, read in one transaction."""

    campaign: CampaignInfo
    slots: tuple[SlotCard, ...]
    links: tuple[LinkInfo, ...]
    discipline_names: Mapping[int, str]

    @property
    def id(self) -> int:
        return self.campaign.id


def campaign_info(row: Campaign) -> CampaignInfo:
    return CampaignInfo(
        id=stored_id(row),
        guild_id=row.guild_id,
        title=row.title,
        description=row.description,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        signup_deadline=row.signup_deadline,
        timezone=row.timezone,
        status=row.status,
        card_channel_id=row.card_channel_id,
        card_message_id=row.card_message_id,
        created_by=row.created_by,
        offer_window_hours=row.offer_window_hours,
        cancel_reason=row.cancel_reason,
        event_id=row.event_id,
    )


def slot_info(row: CampaignSlot) -> SlotInfo:
    return SlotInfo(stored_id(row), row.campaign_id, row.name, row.capacity, row.taken)


def link_info(row: CampaignLink) -> LinkInfo:
    return LinkInfo(row.title, row.url)


def card_of(view: CampaignView) -> Card:
    return Card(
        campaign=campaign_info(view.campaign),
        slots=tuple(
            SlotCard(
                id=slot.id,
                name=slot.name,
                capacity=slot.capacity,
                taken=slot.taken,
                confirmed=tuple(slot.confirmed),
                offered=slot.offered,
                waitlisted=slot.waitlisted,
                needs=dict(slot.needs),
                confirmed_disciplines=tuple(frozenset(held) for held in slot.confirmed_disciplines),
            )
            for slot in view.slots
        ),
        links=tuple(link_info(link) for link in view.links),
        discipline_names=dict(view.discipline_names),
    )
