"""Invitations: DM members whose disciplines fit a slot's unfilled needs, once each; and the opt-out."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import NotFound, UserFacingError
from bot.usecases import App
from cogs.campaigns import rules
from cogs.campaigns.service.common import find_campaign
from cogs.campaigns.service.results import CampaignInfo, campaign_info
from db import campaigns
from db.campaigns import stored_id


@dataclass(frozen=True, slots=True)
class Candidate:
    """A member to invite (id: their user id), for the slot that needs their discipline."""

    id: int
    slot_id: int
    slot_name: str
    discipline: str


@dataclass(frozen=True, slots=True)
class InvitationPlan:
    """The slots' unfilled needs, and who fits them."""

    id: int
    campaign: CampaignInfo
    gaps: tuple[str, ...]
    candidates: tuple[Candidate, ...]


async def plan_invitations(app: App, *, guild_id: int, campaign: str) -> InvitationPlan:
    """Find the unfilled needs of an open campaign and the members whose disciplines fit them."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        if found.status != campaigns.OPEN or work.now >= found.signup_deadline:
            raise UserFacingError(f"Sign-ups for **{found.title}** are closed, so there is nobody to invite.")
        view = await campaigns.campaign_view(work.session, stored_id(found))
        if view is None:
            raise NotFound("That campaign no longer exists.")
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
        found_candidates = await campaigns.invite_candidates(work.session, found, wanted)
        slot_names = {slot.id: slot.name for slot in view.slots}
        candidates = tuple(
            Candidate(user_id, slot_id, slot_names[slot_id], discipline)
            for user_id, slot_id, discipline in found_candidates
        )
        return InvitationPlan(stored_id(found), campaign_info(found), tuple(gaps), candidates)


async def claim_invitation(app: App, *, campaign_id: int, user_id: int, slot_id: int) -> bool:
    """Record the invitation before it is sent; False when this member was invited already."""
    async with app.work() as work:
        return await campaigns.record_invite(work.session, campaign_id, user_id, slot_id, work.now)


async def invitations_sent(app: App, *, guild_id: int, actor_id: int, campaign_id: int, sent: int) -> None:
    """Audit an invitation round."""
    async with app.work() as work:
        await work.audit(guild_id, actor_id, "campaign.invite", f"#{campaign_id}: {sent} invited")


async def opt_out(app: App, *, guild_id: int, user_id: int) -> None:
    """Stop campaign invitations from this server to this member."""
    async with app.work() as work:
        await campaigns.set_invite_opt_out(work.session, guild_id, user_id, work.now)
