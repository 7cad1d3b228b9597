"""Reach: what confirmed members published for a campaign, reported one link at a time, and its tally."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserFacingError
from bot.usecases import App
from cogs.campaigns import platforms
from cogs.campaigns.service.common import find_campaign, refusals
from db import campaigns
from db.campaigns import CONFIRMED, stored_id
from db.campaigns.reach import POST_NOTE_MAX, CampaignPost, add_post, posts_for
from db.resources.urls import InvalidUrl, check_url, normalize_url


@dataclass(frozen=True, slots=True)
class PostRecorded:
    """A post stored for a campaign (id: the post's)."""

    id: int
    campaign_id: int
    campaign_title: str
    url: str
    platform: str


@dataclass(frozen=True, slots=True)
class ReportedPost:
    id: int
    user_id: int
    slot_name: str
    url: str
    platform: str
    note: str
    posted_at: datetime


@dataclass(frozen=True, slots=True)
class Reach:
    """A campaign's reported posts, per slot and platform, and who of the confirmed has not posted yet."""

    id: int
    title: str
    posts: tuple[ReportedPost, ...]
    per_slot: tuple[tuple[str, int], ...]
    per_platform: tuple[tuple[str, int], ...]
    posters: tuple[tuple[int, int], ...]
    not_yet: tuple[int, ...]


def public_link(url: str) -> tuple[str, str]:
    """The link as shown and its de-duplication key; refused unless it is a public http(s) address."""
    try:
        return check_url(url), normalize_url(url)
    except InvalidUrl as exc:
        raise UserFacingError(str(exc)) from exc


async def report_post(
    app: App, *, guild_id: int, user_id: int, campaign: str, url: str, note: str | None = None
) -> PostRecorded:
    """Record a link a confirmed member published for the campaign, once per link."""
    shown, key = public_link(url)
    clean_note = " ".join((note or "").split())
    if len(clean_note) > POST_NOTE_MAX:
        raise UserFacingError(f"Keep the note to {POST_NOTE_MAX} characters.")
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        campaign_id = stored_id(found)
        held = [
            slot.name
            for signup, slot, _ in await campaigns.member_signups(
                work.session, guild_id, user_id, campaign_id
            )
            if signup.status == CONFIRMED
        ]
        if not held:
            raise UserFacingError(
                f"Only members confirmed for **{found.title}** report posts for it: sign up first."
            )
        platform = platforms.platform_of(shown)
        post = CampaignPost(
            guild_id=guild_id,
            campaign_id=campaign_id,
            slot_name=held[0],
            user_id=user_id,
            url=shown,
            url_key=key,
            platform=platform,
            note=clean_note,
            posted_at=work.now,
        )
        with refusals():
            await add_post(work.session, post)
        await work.audit(guild_id, user_id, "campaign.post_report", f"#{campaign_id} {platform}")
        return PostRecorded(stored_id(post), campaign_id, found.title, shown, platform)


def _counted(values: list[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


async def reach_of(app: App, *, guild_id: int, campaign: str) -> Reach:
    """The campaign's posts per slot and platform, who posted, and the confirmed who have not yet."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        campaign_id = stored_id(found)
        rows = await posts_for(work.session, campaign_id)
        confirmed = await campaigns.confirmed_members(work.session, campaign_id)
        posts = tuple(
            ReportedPost(stored_id(r), r.user_id, r.slot_name, r.url, r.platform, r.note, r.posted_at)
            for r in rows
        )
        posted = Counter(p.user_id for p in posts)
        not_yet = tuple(dict.fromkeys(user_id for user_id, _ in confirmed if user_id not in posted))
        return Reach(
            id=campaign_id,
            title=found.title,
            posts=posts,
            per_slot=_counted([p.slot_name for p in posts]),
            per_platform=_counted([p.platform for p in posts]),
            posters=tuple(posted.most_common()),
            not_yet=not_yet,
        )
