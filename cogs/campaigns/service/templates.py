"""Templates and series: save a campaign's slots, needs and kit under a name; create campaigns from them,
once or repeated weekly or monthly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import NotFound, UserFacingError
from bot.replies import truncate
from bot.usecases import App, Work
from cogs.campaigns import rules, series
from cogs.campaigns.service import lifecycle
from cogs.campaigns.service.common import find_campaign, refusals
from cogs.campaigns.service.results import CampaignInfo
from db import campaigns
from db.campaigns import Campaign, stored_id
from db.campaigns import kit as kit_store
from db.campaigns import templates as store
from db.resources.library import get_resource


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    id: int
    name: str
    slots: int
    kit_entries: int


def _info(template: store.CampaignTemplate) -> TemplateInfo:
    body = template.body
    return TemplateInfo(
        stored_id(template),
        template.name,
        len(body.get("slots", [])),
        len(body.get("kit", {}).get("items", [])),
    )


async def _body_of(work: Work, campaign: Campaign) -> dict[str, Any]:
    """What a template keeps of a campaign: its slots with capacities and needs, and its kit."""
    campaign_id = stored_id(campaign)
    slots = [
        {
            "name": slot.name,
            "capacity": slot.capacity,
            "needs": {
                str(d): n for d, n in (await campaigns.needs_for(work.session, stored_id(slot))).items()
            },
        }
        for slot in await campaigns.slots_for(work.session, campaign_id)
    ]
    words = await kit_store.kit_text(work.session, campaign_id)
    items = [
        {"kind": item.kind, "resource_id": item.resource_id, "title": item.title, "url": item.url}
        for item, _ in await kit_store.items_for(work.session, campaign_id)
    ]
    kit = {
        "talking_points": words.talking_points if words else "",
        "hashtags": words.hashtags if words else "",
        "key_messages": words.key_messages if words else "",
        "items": items,
    }
    return {"offer_window_hours": campaign.offer_window_hours, "slots": slots, "kit": kit}


async def save_template(app: App, *, guild_id: int, actor_id: int, campaign: str, name: str) -> TemplateInfo:
    """Save a campaign's slots, capacities, needs and kit as a template (organizers)."""
    clean = " ".join(name.split())
    if not clean or len(clean) > store.TEMPLATE_NAME_MAX:
        raise UserFacingError(f"A template name needs 1 to {store.TEMPLATE_NAME_MAX} characters.")
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        body = await _body_of(work, found)
        with refusals():
            template = await store.save_template(work.session, guild_id, clean, body, work.now)
        await work.audit(guild_id, actor_id, "campaign.template_save", f"{clean} from #{found.id}")
        return _info(template)


async def list_templates(app: App, *, guild_id: int, search: str = "") -> list[TemplateInfo]:
    """This server's templates by name (those whose name contains the search)."""
    async with app.work() as work:
        found = await store.list_templates(work.session, guild_id)
        return [_info(t) for t in found if search.casefold() in t.name.casefold()]


async def delete_template(app: App, *, guild_id: int, actor_id: int, template: str) -> TemplateInfo:
    """Delete a template; campaigns made from it are not touched (organizers)."""
    async with app.work() as work:
        found = await store.find_template(work.session, guild_id, template)
        if found is None:
            raise NotFound(f"I found no template called {truncate(template, 80)!r}.")
        info = _info(found)
        await store.delete_template(work.session, found)
        await work.audit(guild_id, actor_id, "campaign.template_delete", info.name)
        return info


async def _apply(work: Work, guild_id: int, campaign_id: int, body: dict[str, Any]) -> None:
    campaign = await campaigns.get_campaign(work.session, guild_id, campaign_id)
    assert campaign is not None  # created just before, in this server
    for slot in body.get("slots", []):
        needs = {int(d): int(n) for d, n in slot.get("needs", {}).items()}
        with refusals():
            await campaigns.add_slot(
                work.session, campaign, slot["name"], int(slot["capacity"]), needs, work.now
            )
    kit = body.get("kit", {})
    if kit.get("talking_points") or kit.get("hashtags") or kit.get("key_messages"):
        await kit_store.set_text(
            work.session,
            campaign_id,
            work.now,
            talking_points=kit.get("talking_points", ""),
            hashtags=kit.get("hashtags", ""),
            key_messages=kit.get("key_messages", ""),
        )
    for item in kit.get("items", []):
        resource = (
            await get_resource(work.session, guild_id, item["resource_id"]) if item["resource_id"] else None
        )
        if resource is not None:
            await kit_store.add_resource(work.session, campaign_id, resource)
        elif item["kind"] == kit_store.LINK:
            await kit_store.add_links(work.session, campaign_id, [(item["title"], item["url"])])


async def _template_body(app: App, guild_id: int, template: str) -> dict[str, Any]:
    async with app.work() as work:
        found = await store.find_template(work.session, guild_id, template)
        if found is None:
            raise NotFound(f"I found no template called {truncate(template, 80)!r}.")
        return dict(found.body)


async def create_campaigns(
    app: App,
    *,
    guild_id: int,
    actor_id: int,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    signup_deadline: datetime,
    zone: ZoneInfo,
    links: dict[str, str | None],
    offer_window_hours: int,
    template: str | None,
    repeat: str | None,
    occurrences: int | None,
) -> tuple[CampaignInfo, ...]:
    """Create a campaign, or a series of them, each with the template's slots, needs and kit (organizers)."""
    body = await _template_body(app, guild_id, template) if template else None
    if repeat is None:
        dates = [series.Occurrence(1, starts_at, ends_at, signup_deadline)]
    else:
        try:
            dates = series.occurrences(
                starts_at, ends_at, signup_deadline, zone=zone, repeat=repeat, count=occurrences or 4
            )
        except ValueError as exc:
            raise UserFacingError(
                f"A series needs {series.OCCURRENCES_MIN} to {series.OCCURRENCES_MAX} occurrences."
            ) from exc
    created = []
    for when in dates:
        local = when.starts_at.astimezone(zone)
        suffix = f" ({local:%b} {local.day})" if repeat else ""
        # Each occurrence is a campaign of its own (its own transaction, card, jobs and event).
        info = await lifecycle.create_campaign(
            app,
            guild_id=guild_id,
            actor_id=actor_id,
            # A series' titles carry their dates; a single campaign's title is checked as typed.
            title=truncate(title.strip(), rules.TITLE_MAX - len(suffix)) + suffix if repeat else title,
            description=description,
            starts_at=when.starts_at,
            ends_at=when.ends_at,
            signup_deadline=when.signup_deadline,
            timezone=zone.key,
            links=links,
            offer_window_hours=offer_window_hours,
        )
        if body is not None:
            async with app.work() as work:
                await _apply(work, guild_id, info.id, body)
                await work.audit(guild_id, actor_id, "campaign.template_use", f"#{info.id} {template}")
        created.append(info)
    return tuple(created)
