"""Shared steps for the onboarding, discipline and profile tests: walking the flow as a newcomer would."""

from __future__ import annotations

from typing import Any

from simcord.results import ResponseMessage

from db import onboarding as progress_db
from tests.helpers import last_bot_message

ABOUT = {
    "profile:display_name": "Nadia Reyes",
    "profile:job_title": "Epidemiologist",
    "profile:pronouns": "she/her",
}
WORKPLACE = {
    "profile:organization": "Travis County Health Department",
    "profile:jurisdiction": "Travis County",
    "profile:state": "Texas",
}


async def join(coalition: Any, name: str) -> Any:
    member = coalition.guild.add_member(coalition.env.create_user(name))
    await coalition.env.settle()
    return member


def last_dm(coalition: Any, member: Any) -> Any:
    """The newest bot message in the member's DMs, clickable like an interaction response."""
    stored = last_bot_message(coalition.env, member.user.dm_channel)
    return ResponseMessage(coalition.env, stored) if stored is not None else None


def bot_messages(coalition: Any, channel: Any) -> list[Any]:
    bot_id = coalition.bot.user.id
    stored = coalition.env.backend.messages.get(channel.id, {}).values()
    return [
        ResponseMessage(coalition.env, m) for m in sorted(stored, key=lambda m: m.id) if m.author_id == bot_id
    ]


async def progress_of(coalition: Any, member: Any) -> Any:
    async with coalition.bot.database.session() as session:
        return await progress_db.get_progress(session, coalition.guild.id, member.id)


async def walk_to(
    actor: Any, message: Any, stop: str, *, disciplines=("Epidemiology",), catalog_ids=None, listed=True
) -> Any:
    """Click through the flow from `message` until the step `stop` is shown; return that message."""
    order = ["welcome", "conduct", "about", "workplace", "disciplines", "interests", "directory", "summary"]
    step = _step_of(message)
    while step != stop:
        if step == "welcome":
            message = (await actor.click(message, label="Let's begin")).response
        elif step == "conduct":
            message = (await actor.click(message, label="I agree")).response
        elif step == "about":
            shown = await actor.click(message, label="Fill in: about you")
            message = (await actor.submit_modal(shown, ABOUT)).response
        elif step == "workplace":
            shown = await actor.click(message, label="Fill in: where you work")
            message = (await actor.submit_modal(shown, WORKPLACE)).response
        elif step == "disciplines":
            values = [_option_value(message, name) for name in disciplines]
            if values:
                await actor.select(message, values)
            message = (await actor.click(message, label="Continue")).response
        elif step == "interests":
            await actor.select(message, ["chapter:6", "objective:3"])
            message = (await actor.click(message, label="Continue")).response
        elif step == "directory":
            label = "Yes, list me" if listed else "No, keep me unlisted"
            message = (await actor.click(message, label=label)).response
        else:
            raise AssertionError(f"cannot walk past {step}")
        new_step = _step_of(message)
        assert order.index(new_step) > order.index(step), f"{step} did not advance"
        step = new_step
    return message


STEP_BY_TITLE = {
    "Code of conduct": "conduct",
    "About you": "about",
    "Where you work": "workplace",
    "Your disciplines": "disciplines",
    "Your interests": "interests",
    "Member directory": "directory",
    "Check and confirm": "summary",
}


def _step_of(message: Any) -> str:
    title = message.embeds[0].title or ""
    if title.startswith("Welcome to"):
        return "welcome"
    return STEP_BY_TITLE[title]


def _option_value(message: Any, label: str) -> str:
    for row in message.components:
        for component in row.get("components", []):
            for option in component.get("options") or []:
                if option["label"] == label:
                    return option["value"]
    raise AssertionError(f"no option {label!r}")


async def set_member_role(coalition: Any, role: Any) -> None:
    import discord

    from db.guilds import set_role

    async with coalition.bot.database.session() as session:
        await set_role(session, coalition.guild.id, "member", role.id, discord.utils.utcnow())


def dm_texts(coalition: Any, member: Any) -> list[str]:
    """Every bot message in the member's DMs as text (content and embed descriptions)."""
    out = []
    for message in bot_messages(coalition, member.user.dm_channel):
        out.append(" ".join([message.content or ""] + [e.description or "" for e in message.embeds]))
    return out
