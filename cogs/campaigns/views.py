"""The campaign card, the roll-call message and offer/invite DMs, with buttons that survive restarts.

Every control is a persistent button or select whose custom id carries only ids: the callbacks hand over
to the cog, which reloads what they act on and checks guild and permission again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

import discord
from discord.ext import commands

from bot.replies import truncate
from bot.ui import PersistentButton, PersistentSelect
from cogs.campaigns import rules
from cogs.campaigns.reach_views import PostedButton
from cogs.campaigns.service.results import CampaignInfo, Card, LinkInfo
from cogs.campaigns.service.rollcalls import Answer

if TYPE_CHECKING:
    from cogs.campaigns.cog import CampaignsCog

COG_NAME = "Campaigns"
EMBED_MAX = 6000  # Discord's limit on all of an embed's text together
NAMES_BUDGET_MAX = 900  # per slot, leaving room in the 1024-character field for the other lines


def _cog(interaction: discord.Interaction) -> CampaignsCog:
    from cogs.campaigns.cog import CampaignsCog  # the cog imports this module

    client = interaction.client
    cog = client.get_cog(COG_NAME) if isinstance(client, commands.Bot) else None
    if not isinstance(cog, CampaignsCog):
        raise RuntimeError("the Campaigns cog is not loaded")
    return cog


def _times(campaign: CampaignInfo) -> str:
    start = discord.utils.format_dt(campaign.starts_at, "F")
    end = discord.utils.format_dt(campaign.ends_at, "F")
    return (
        f"**When:** {start} to {end} ({discord.utils.format_dt(campaign.starts_at, 'R')})\n"
        f"**Sign up by:** {discord.utils.format_dt(campaign.signup_deadline, 'F')}"
    )


def _links(links: Sequence[LinkInfo]) -> str:
    return " · ".join(f"[{truncate(link.title, 60)}]({link.url})" for link in links)


def _names(user_ids: Sequence[int], budget: int) -> str:
    shown: list[str] = []
    used = 0
    for index, user_id in enumerate(user_ids):
        # A member who deleted their data keeps their place in the count, not their name.
        mention = f"<@{user_id}>" if user_id > 0 else "a former member"
        rest = len(user_ids) - index
        if used + len(mention) + 2 + 16 > budget or index >= rules.NAMES_SHOWN:
            return ", ".join(shown) + f" and {rest} more" if shown else f"{rest} people"
        shown.append(mention)
        used += len(mention) + 2
    return ", ".join(shown)


def card_embed(view: Card, *, now: datetime) -> discord.Embed:
    """The campaign card: dates, resources, and per slot the count, names, waitlist and unmet needs."""
    # Names get whatever the rest of the card leaves of Discord's 6000 characters, shared by the slots.
    names_budget = (EMBED_MAX - len(_card_embed(view, now=now, names_budget=0))) // max(1, len(view.slots))
    names_budget = max(0, min(NAMES_BUDGET_MAX, names_budget))
    embed = _card_embed(view, now=now, names_budget=names_budget)
    while len(embed) > EMBED_MAX and names_budget > 0:
        names_budget = max(0, names_budget - 50)
        embed = _card_embed(view, now=now, names_budget=names_budget)
    if len(embed) > EMBED_MAX:
        # Even without names it is too long: the description gives way.
        keep = max(0, len(embed.description or "") - (len(embed) - EMBED_MAX))
        embed.description = truncate(embed.description or "", keep) if keep else None
    return embed


def _card_embed(view: Card, *, now: datetime, names_budget: int) -> discord.Embed:
    campaign = view.campaign
    closed = campaign.status != "open" or now >= campaign.signup_deadline
    title = ("🔒 " if closed else "") + campaign.title
    description = truncate(campaign.description, 1500) + "\n\n" if campaign.description else ""
    description += _times(campaign)
    if view.links:
        description += "\n**Resources:** " + _links(view.links)
    if campaign.status != "open":
        description += "\n\nSign-ups are closed."
    elif closed:
        description += "\n\nThe sign-up deadline has passed."
    embed = discord.Embed(
        title=truncate(title, 256),
        description=truncate(description, 4000),
        colour=discord.Colour.dark_grey() if closed else discord.Colour.green(),
    )
    for slot in view.slots:
        confirmed = len(slot.confirmed)
        name = f"{slot.name}: {confirmed}/{slot.capacity}" + (" · FULL" if slot.full else "")
        lines = [_names(slot.confirmed, names_budget) if slot.confirmed else "No one yet: be the first!"]
        if slot.offered:
            lines.append(f"Offered to the waitlist: {slot.offered}")
        if slot.waitlisted:
            lines.append(f"Waitlist: {slot.waitlisted}")
        missing = rules.unfilled_needs(slot.needs, slot.confirmed_disciplines)
        if missing:
            lines.append(
                "Still needs: "
                + ", ".join(
                    f"{count} {view.discipline_names.get(d, 'member')}" for d, count in missing.items()
                )
            )
        embed.add_field(name=truncate(name, 256), value=truncate("\n".join(lines), 1024), inline=False)
    if not view.slots:
        embed.add_field(name="Roles", value="No roles yet: organizers add them with `/campaign slot add`.")
    embed.set_footer(text=f"Campaign #{campaign.id} · times are shown in your own time zone")
    return embed


def card_controls(view: Card, *, now: datetime) -> discord.ui.View:
    campaign = view.campaign
    closed = campaign.status != "open" or now >= campaign.signup_deadline
    controls = discord.ui.View(timeout=None)
    for slot in view.slots[: rules.SLOTS_MAX]:
        label = ("Join waitlist: " if slot.full else "Sign up: ") + slot.name
        style = discord.ButtonStyle.secondary if slot.full else discord.ButtonStyle.success
        controls.add_item(JoinButton(campaign.id, slot.id, label=label, style=style, disabled=closed))
    controls.add_item(LeaveButton(campaign.id, disabled=campaign.status != "open"))
    if any(slot.confirmed for slot in view.slots):  # only confirmed members report posts
        controls.add_item(PostedButton(campaign.id))
    return controls


class JoinButton(PersistentButton, id="campaign:join:{campaign_id:int}:{slot_id:int}"):
    """Sign up for one slot (on the card, and in invitation DMs)."""

    def __init__(
        self,
        campaign_id: int,
        slot_id: int,
        *,
        label: str = "Sign up",
        style: discord.ButtonStyle = discord.ButtonStyle.success,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label, 80),
                style=style,
                disabled=disabled,
                custom_id=self.make_id(campaign_id=campaign_id, slot_id=slot_id),
            )
        )
        self.campaign_id, self.slot_id = campaign_id, slot_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).join_from_button(interaction, self.campaign_id, self.slot_id)


class LeaveButton(PersistentButton, id="campaign:leave:{campaign_id:int}"):
    """Withdraw from the campaign (asks which place when the member holds several)."""

    def __init__(self, campaign_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Withdraw",
                style=discord.ButtonStyle.danger,
                disabled=disabled,
                custom_id=self.make_id(campaign_id=campaign_id),
            )
        )
        self.campaign_id = campaign_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).leave_from_button(interaction, self.campaign_id)


class LeavePick(PersistentSelect, id="campaign:leavepick:{campaign_id:int}"):
    """Pick which of several places to give up."""

    def __init__(self, campaign_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                placeholder="Which place do you want to give up?",
                custom_id=self.make_id(campaign_id=campaign_id),
                options=options or [discord.SelectOption(label="-", value="0")],
            )
        )
        self.campaign_id = campaign_id

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        slot_id = int(values[0]) if values and values[0].isdigit() else 0
        await _cog(interaction).leave_slot(interaction, self.campaign_id, slot_id)


class OfferButton(PersistentButton, id="campaign:offer:{action:accept|decline}:{signup_id:int}:{number:int}"):
    """Accept or decline a place offered from the waitlist (in a DM)."""

    def __init__(self, action: str, signup_id: int, number: int) -> None:
        accept = action == "accept"
        super().__init__(
            discord.ui.Button(
                label="Accept the place" if accept else "No thanks",
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
                custom_id=self.make_id(action=action, signup_id=signup_id, number=number),
            )
        )
        self.action, self.signup_id, self.number = action, signup_id, number

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).answer_offer(interaction, self.signup_id, self.action == "accept")


class OptOutButton(PersistentButton, id="campaign:optout:{guild_id:int}"):
    """Stop campaign invitations from this server (in an invitation DM)."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Stop campaign invitations",
                style=discord.ButtonStyle.secondary,
                custom_id=self.make_id(guild_id=guild_id),
            )
        )
        self.guild_id = guild_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).opt_out(interaction, self.guild_id)


class RollCallButton(PersistentButton, id="campaign:rollcall:{action:ready|decline|close}:{rollcall_id:int}"):
    """Answer a roll call, or close it (organizers)."""

    LABELS: ClassVar[dict[str, str]] = {
        "ready": "Ready",
        "decline": "Can't make it",
        "close": "Close roll call",
    }
    STYLES: ClassVar[dict[str, discord.ButtonStyle]] = {
        "ready": discord.ButtonStyle.success,
        "decline": discord.ButtonStyle.danger,
        "close": discord.ButtonStyle.secondary,
    }

    def __init__(self, action: str, rollcall_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[action],
                style=self.STYLES[action],
                disabled=disabled,
                custom_id=self.make_id(action=action, rollcall_id=rollcall_id),
            )
        )
        self.action, self.rollcall_id = action, rollcall_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).rollcall_button(interaction, self.rollcall_id, self.action)


PERSISTENT_ITEMS = (JoinButton, LeaveButton, LeavePick, OfferButton, OptOutButton, RollCallButton)


def offer_controls(signup_id: int, number: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(OfferButton("accept", signup_id, number))
    view.add_item(OfferButton("decline", signup_id, number))
    return view


def invite_controls(guild_id: int, campaign_id: int, slot_id: int, slot_name: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(campaign_id, slot_id, label=f"Sign up: {slot_name}"))
    view.add_item(OptOutButton(guild_id))
    return view


def rollcall_controls(rollcall_id: int, *, closed: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ("ready", "decline", "close"):
        view.add_item(RollCallButton(action, rollcall_id, disabled=closed))
    return view


def rollcall_embed(title: str, answers: Sequence[Answer], *, closed: bool) -> discord.Embed:
    counts = rules.tally(a.answer for a in answers)
    embed = discord.Embed(
        title=truncate(("Roll call (closed): " if closed else "Roll call: ") + title, 256),
        description=counts.line(),
        colour=discord.Colour.dark_grey() if closed else discord.Colour.blurple(),
    )
    groups = (
        ("Ready", [a.user_id for a in answers if a.answer == rules.READY]),
        ("Can't make it", [a.user_id for a in answers if a.answer == rules.DECLINED]),
        (
            "Silent" if closed else "Not answered yet",
            [a.user_id for a in answers if a.answer in ("pending", "silent")],
        ),
    )
    for name, ids in groups:
        embed.add_field(
            name=f"{name} ({len(ids)})", value=_names(ids, 900) if ids else "Nobody", inline=False
        )
    return embed
