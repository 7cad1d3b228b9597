"""The media kit: library resources, links, talking points, hashtags and key messages of a campaign."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import NotFound, UserFacingError
from bot.usecases import App, Work
from cogs.campaigns.service.common import find_campaign, refusals
from db.campaigns import Campaign, stored_id
from db.campaigns import kit as store
from db.resources.library import get_resource
from db.resources.search import resource_choices

_HASHTAG = re.compile(r"#?([^\W_][\w]{0,49})")
HASHTAGS_SHOWN = 30


@dataclass(frozen=True, slots=True)
class KitEntry:
    id: int
    kind: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Kit:
    """A campaign's kit as everyone sees it (id: the campaign's)."""

    id: int
    title: str
    entries: tuple[KitEntry, ...]
    talking_points: str
    hashtags: str
    key_messages: str

    @property
    def empty(self) -> bool:
        return not (self.entries or self.talking_points or self.hashtags or self.key_messages)


@dataclass(frozen=True, slots=True)
class ResourceChoice:
    id: int
    title: str


def clean_hashtags(text: str) -> str:
    """Hashtags typed any way ("heat, #HeatSafety  cooling") as "#heat #HeatSafety #cooling", each once."""
    tags: list[str] = []
    for word in re.split(r"[\s,;]+", text.strip()):
        if not word:
            continue
        match = _HASHTAG.fullmatch(word)
        if match is None:
            raise UserFacingError(f"{word[:60]!r} is not a hashtag: use letters, digits and underscores.")
        tag = "#" + match.group(1)
        if tag.casefold() not in (t.casefold() for t in tags):
            tags.append(tag)
    if len(tags) > HASHTAGS_SHOWN:
        raise UserFacingError(f"Keep to {HASHTAGS_SHOWN} hashtags.")
    joined = " ".join(tags)
    if len(joined) > store.HASHTAGS_MAX:
        raise UserFacingError(f"Keep the hashtags to {store.HASHTAGS_MAX} characters.")
    return joined


def _clean_text(text: str, what: str) -> str:
    cleaned = text.strip()
    if len(cleaned) > store.KIT_TEXT_MAX:
        raise UserFacingError(f"Keep the {what} to {store.KIT_TEXT_MAX} characters.")
    return cleaned


async def _kit_of(work: Work, campaign: Campaign) -> Kit:
    session = work.session
    campaign_id = stored_id(campaign)
    text = await store.kit_text(session, campaign_id)
    entries = tuple(
        KitEntry(
            stored_id(item),
            item.kind,
            resource.title if resource else item.title,
            resource.url if resource else item.url,
        )
        for item, resource in await store.items_for(session, campaign_id)
    )
    return Kit(
        campaign_id,
        campaign.title,
        entries,
        text.talking_points if text else "",
        text.hashtags if text else "",
        text.key_messages if text else "",
    )


async def show_kit(app: App, *, guild_id: int, campaign: str) -> Kit:
    """The campaign's kit, for anyone in the server."""
    async with app.work() as work:
        return await _kit_of(work, await find_campaign(work, guild_id, campaign))


async def reminder_kit(app: App, *, campaign_id: int) -> Kit | None:
    """The kit a reminder carries; None when the campaign is gone."""
    async with app.work() as work:
        found = await work.session.get(Campaign, campaign_id)
        return await _kit_of(work, found) if found is not None else None


async def add_resource(app: App, *, guild_id: int, actor_id: int, campaign: str, resource: str) -> Kit:
    """Put an approved resource of this server's library in the kit (organizers)."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        picked = (
            await get_resource(work.session, guild_id, int(resource)) if resource.strip().isdigit() else None
        )
        if picked is None or picked.status != "approved":
            raise NotFound("Pick an approved resource of the library from the list as you type.")
        with refusals():
            await store.add_resource(work.session, stored_id(found), picked)
        await work.audit(guild_id, actor_id, "campaign.kit_add", f"#{found.id} resource #{picked.id}")
        return await _kit_of(work, found)


async def remove_entry(app: App, *, guild_id: int, actor_id: int, campaign: str, entry: str) -> Kit:
    """Take a resource or link out of the kit (organizers)."""
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        removed = entry.strip().isdigit() and await store.remove_item(
            work.session, stored_id(found), int(entry)
        )
        if not removed:
            raise NotFound("Pick the kit's resource or link from the list as you type.")
        await work.audit(guild_id, actor_id, "campaign.kit_remove", f"#{found.id} entry #{entry}")
        return await _kit_of(work, found)


async def set_words(
    app: App,
    *,
    guild_id: int,
    actor_id: int,
    campaign: str,
    talking_points: str,
    hashtags: str,
    key_messages: str,
) -> Kit:
    """Write the kit's talking points, hashtags and key messages (organizers)."""
    tags = clean_hashtags(hashtags)
    points, messages = (
        _clean_text(talking_points, "talking points"),
        _clean_text(key_messages, "key messages"),
    )
    async with app.work() as work:
        found = await find_campaign(work, guild_id, campaign)
        await store.set_text(
            work.session,
            stored_id(found),
            work.now,
            talking_points=points,
            hashtags=tags,
            key_messages=messages,
        )
        await work.audit(guild_id, actor_id, "campaign.kit_words", f"#{found.id}")
        return await _kit_of(work, found)


async def library_choices(app: App, *, guild_id: int, search: str) -> list[ResourceChoice]:
    """Approved resources of the library whose title fits what was typed, for autocomplete."""
    async with app.work() as work:
        found = await resource_choices(work.session, guild_id, search, statuses=("approved",))
        return [ResourceChoice(stored_id(r), r.title) for r in found]
