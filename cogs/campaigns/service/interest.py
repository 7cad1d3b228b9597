"""Members who marked a campaign's Discord event "Interested" without signing up, and inviting them once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import UserFacingError
from bot.usecases import App
from cogs.campaigns.service.common import find_campaign
from cogs.campaigns.service.results import CampaignInfo, campaign_info
from db.campaigns import Campaign, stored_id
from db.campaigns.changes import invited_users, record_interest_invite, signed_up_users


@dataclass(frozen=True, slots=True)
class EventOf:
    """A campaign that has a scheduled event."""

    id: int
    campaign: CampaignInfo
    event_id: int


@dataclass(frozen=True, slots=True)
class Interested:
    """The interested members who have not signed up, split by whether they were invited already."""

    id: int
    campaign: CampaignInfo
    not_invited: tuple[int, ...]
    invited: tuple[int, ...]


async def event_of(app: App, *, guild_id: int, campaign: str) -> EventOf:
    """The campaign and its event; refused when it has none (not posted, or no Manage Events)."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        if found.event_id is None:
            raise UserFacingError(
                f"**{found.title}** has no server event: post its card with `/campaign post` "
                "(I need the Manage Events permission for the event)."
            )
        return EventOf(stored_id(found), campaign_info(found), found.event_id)


async def interested_without_signing_up(
    app: App, *, campaign_id: int, interested_ids: Sequence[int]
) -> Interested:
    """Of the members interested in the event, those with no live sign-up, invited or not yet."""
    async with app.work() as work:
        found = await work.session.get(Campaign, campaign_id)
        if found is None:
            raise UserFacingError("That campaign no longer exists.")
        signed = await signed_up_users(work.session, campaign_id)
        invited = await invited_users(work.session, campaign_id)
        waiting = [user_id for user_id in dict.fromkeys(interested_ids) if user_id not in signed]
        return Interested(
            campaign_id,
            campaign_info(found),
            tuple(u for u in waiting if u not in invited),
            tuple(u for u in waiting if u in invited),
        )


async def claim_interest_invite(app: App, *, campaign_id: int, user_id: int) -> bool:
    """Record the invitation before it is sent; False when this member was invited already."""
    async with app.work() as work:
        return await record_interest_invite(work.session, campaign_id, user_id, work.now)


async def interest_invites_sent(
    app: App, *, guild_id: int, actor_id: int, campaign_id: int, sent: int
) -> None:
    """Audit a round of invitations to interested members."""
    async with app.work() as work:
        await work.audit(guild_id, actor_id, "campaign.invite_interested", f"#{campaign_id} ({sent} invited)")
