"""The files organizers and members take away: the sign-ups as CSV, the dates as a calendar event."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from bot.usecases import App
from cogs.campaigns import rules
from cogs.campaigns.service.common import find_campaign
from db import campaigns
from db.campaigns import stored_id
from db.campaigns.reach import CampaignPost, posts_for


@dataclass(frozen=True, slots=True)
class CampaignFile:
    """A file about a campaign (id: the campaign's), with how many rows it holds."""

    id: int
    title: str
    filename: str
    data: bytes
    rows: int = 0
    posts_csv: bytes = b""  # the reported posts, a second file beside the sign-ups
    posts: int = 0


NameLookup = Callable[[int], tuple[str | None, str | None]]


def _no_names(_user_id: int) -> tuple[str | None, str | None]:
    return None, None


def _named(row: tuple[object, ...], name_of: NameLookup) -> tuple[object, ...]:
    """Every row gets a display name and a username: the profile's, else the server's, else plainly unknown."""
    user_id = int(str(row[-1]))
    if user_id <= 0:
        return ("a former member", *row[1:-1], "", "")
    shown, username = name_of(user_id)
    member = row[0] or shown or f"unknown member {user_id}"
    return (member, *row[1:-1], username or "", user_id)


async def export_signups(
    app: App, *, guild_id: int, actor_id: int, campaign: str, name_of: NameLookup = _no_names
) -> CampaignFile:
    """Every sign-up of a campaign as a CSV a spreadsheet opens safely (organizers); audited."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        campaign_id = stored_id(found)
        rows = [_named(row, name_of) for row in await campaigns.export_rows(work.session, campaign_id)]
        posts = await posts_for(work.session, campaign_id)
        await work.audit(guild_id, actor_id, "campaign.export", f"#{campaign_id} ({len(rows)} rows)")
        data = rules.build_csv(rows).encode()
        filename = f"campaign-{campaign_id}-signups.csv"
        return CampaignFile(campaign_id, found.title, filename, data, len(rows), posts_csv(posts), len(posts))


POSTS_HEADER = ("member id", "slot", "platform", "link", "note", "reported at")


def posts_csv(posts: list[CampaignPost]) -> bytes:
    """The reported posts as CSV, every cell safe from spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(POSTS_HEADER)
    for post in posts:
        cells = (post.user_id, post.slot_name, post.platform, post.url, post.note, post.posted_at.isoformat())
        writer.writerow([rules.safe_cell(cell) for cell in cells])
    return buffer.getvalue().encode()


async def calendar_file(app: App, *, guild_id: int, campaign: str) -> CampaignFile:
    """The campaign's dates and resources as an iCalendar event."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        campaign_id = stored_id(found)
        links = await campaigns.links_for(work.session, campaign_id)
        text = rules.build_ics(
            uid=f"campaign-{campaign_id}-{found.guild_id}@coalition-bot",
            title=found.title,
            description=found.description,
            starts_at=found.starts_at,
            ends_at=found.ends_at,
            now=work.now,
            links=[(link.title, link.url) for link in links],
        )
        return CampaignFile(campaign_id, found.title, f"campaign-{campaign_id}.ics", text.encode())
