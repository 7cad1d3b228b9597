"""The words of campaign replies and DMs, built from what the use cases returned."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.replies import truncate
from cogs.campaigns.service.changes import CampaignCancelled, CampaignEdited
from cogs.campaigns.service.interest import Interested
from cogs.campaigns.service.invitations import Candidate
from cogs.campaigns.service.lifecycle import OpenCampaigns
from cogs.campaigns.service.reminders import Recipient, ReminderDue
from cogs.campaigns.service.results import CampaignInfo, Offer
from cogs.campaigns.service.rollcalls import Nudge, RollCallClosed, RollCallOpened
from cogs.campaigns.service.signups import HistoryRow, SignUpResult

OFFER_LAPSED = (
    "The place offered to you has gone to the next person in line, since the window to accept closed."
)
HISTORY_LABELS = {
    "confirmed": "✅ confirmed",
    "waitlisted": "⏳ waitlist",
    "offered": "🎟️ a place is offered to you: check your DMs",
    "withdrawn": "withdrew",
    "lapsed": "offer expired",
    "offer_declined": "declined the offer",
    "left": "left the server",
    "removed": "slot removed by the organizers",
    "cancelled": "❌ campaign cancelled",
}
ACTIVE = ("confirmed", "waitlisted", "offered")


def _at(moment: datetime, style: discord.utils.TimestampStyle = "F") -> str:
    return discord.utils.format_dt(moment, style)


def sign_up_text(result: SignUpResult) -> str:
    where = f"**{result.slot_name}** in **{result.campaign_title}**"
    if result.status == "confirmed":
        if result.already:
            return f"You are already confirmed for {where}."
        return f"You're in: confirmed for {where}. Thank you!"
    if result.status == "offered":
        return f"A place in {where} is offered to you: accept it from the DM I sent you."
    if result.already:
        return f"You are already on the waitlist for {where}, at position {result.position}."
    return (
        f"{where} is full, so you're on the waitlist at position {result.position}. "
        "If a place frees up I'll offer it to you by DM."
    )


def offer_text(offer: Offer) -> str:
    return (
        f"🎟️ A place opened up in **{offer.slot_name}** for **{offer.campaign_title}**, and you're first in line. "
        f"It's yours if you accept before {_at(offer.expires_at)} ({_at(offer.expires_at, 'R')}); "
        "after that it goes to the next person."
    )


def offer_fallback_text(offer: Offer) -> str:
    return (
        f"<@{offer.user_id}>, a place in **{offer.slot_name}** ({offer.campaign_title}) is offered to you until "
        f"{_at(offer.expires_at)}. I couldn't DM you: use `/campaign join` to accept it."
    )


def reminder_text(due: ReminderDue, recipient: Recipient) -> str:
    text = (
        f"⏰ Reminder: **{due.title}** starts {_at(due.starts_at)} ({_at(due.starts_at, 'R')}). "
        f"You're confirmed as **{recipient.slot_name}**."
    )
    resources = "\n".join(f"• {link.title}: {link.url}" for link in due.links)
    if resources:
        text += f"\n\nYour toolkit and resources:\n{resources}"
    return truncate(text, 2000)


def nudge_text(nudge: Nudge) -> str:
    return (
        f"👋 The roll call for **{nudge.campaign_title}** is waiting for your answer: are you ready, or can't you "
        f"make it? Answer here: {nudge.link}"
    )


def rollcall_call(campaign: CampaignInfo) -> str:
    return (
        f"📣 Roll call for **{discord.utils.escape_markdown(campaign.title)}**, starting "
        f"{_at(campaign.starts_at)}. Are you ready?"
    )


def rollcall_started(opened: RollCallOpened, jump_url: str) -> str:
    return (
        f"Roll call posted for {len(opened.answers)} confirmed member(s): {jump_url}. The silent get one nudge "
        f"{_at(opened.nudge_at, 'R')}; it closes {_at(opened.closes_at, 'R')}."
    )


def rollcall_summary(closed: RollCallClosed) -> str:
    groups = []
    for label, value in (("Ready", "ready"), ("Can't make it", "declined"), ("Silent", "silent")):
        ids = closed.who(value)
        groups.append(f"**{label} ({len(ids)}):** " + (", ".join(f"<@{i}>" for i in ids) or "nobody"))
    groups.append(f"**Posts reported so far:** {closed.posts} (`/campaign reach` shows them)")
    return truncate(f"Roll call for **{closed.campaign_title}** closed.\n" + "\n".join(groups), 2000)


def invite_embed(guild_name: str, campaign: CampaignInfo, candidate: Candidate) -> discord.Embed:
    times = f"Starts {_at(campaign.starts_at)}; sign up by {_at(campaign.signup_deadline)}."
    embed = discord.Embed(
        title=truncate(f"You're invited: {campaign.title}", 256),
        description=truncate(
            f"The slot **{candidate.slot_name}** still needs people in **{candidate.discipline}**, and your "
            f"profile says that's you.\n\n{times}",
            4000,
        ),
        colour=discord.Colour.green(),
    )
    embed.set_footer(text=f"From {guild_name}. You can stop these invitations with the button below.")
    return embed


def invite_report(gaps: tuple[str, ...], sent: int, closed: int, had_candidates: bool) -> str:
    lines = ["Unfilled needs: " + "; ".join(gaps), f"Invited {sent} member(s) by DM."]
    if closed:
        lines.append(f"{closed} member(s) could not be reached (DMs closed).")
    if not had_candidates:
        lines.append(
            "Nobody else fits: members who opted out of invitations or were invited before are skipped."
        )
    return truncate("\n".join(lines), 2000)


def open_campaigns_embed(found: OpenCampaigns) -> discord.Embed:
    embed = discord.Embed(title="Open campaigns", colour=discord.Colour.green())
    for card in found.cards:
        c = card.campaign
        slots = ", ".join(
            f"{s.name} {len(s.confirmed)}/{s.capacity}" + (" (full)" if s.full else "") for s in card.slots
        )
        embed.add_field(
            name=truncate(f"#{c.id} {c.title}", 256),
            value=truncate(
                f"{_at(c.starts_at)}, sign up by {_at(c.signup_deadline, 'R')}\n" + (slots or "No roles yet"),
                1024,
            ),
            inline=False,
        )
    if found.total > len(found.cards):
        embed.set_footer(
            text=f"And {found.total - len(found.cards)} more: type in /campaign join to search them."
        )
    return embed


def history_embed(history: list[HistoryRow]) -> discord.Embed:
    current: list[str] = []
    past: list[str] = []
    for row in history:
        status = HISTORY_LABELS.get(row.status, row.status)
        if row.position:
            status += f" #{row.position}"
        line = (
            f"**{truncate(row.campaign_title, 80)}** · {row.slot_name}: {status} ({_at(row.starts_at, 'D')})"
        )
        if row.attendance:
            line += f" · roll call: {row.attendance}"
        (current if row.status in ACTIVE else past).append(line)
    embed = discord.Embed(title="Your campaigns", colour=discord.Colour.green())
    embed.description = truncate("\n".join(current) or "No current places.", 4000)
    if past:
        embed.add_field(name="History", value=truncate("\n".join(past), 1024), inline=False)
    return embed


# ------------------------------------------------------------------------------ edit and cancel

TIME_FIELDS = (("starts_at", "Start"), ("ends_at", "End"), ("signup_deadline", "Sign-up deadline"))


def edit_notice(edited: CampaignEdited) -> str:
    """The one DM a member gets when organizers change a campaign they signed up for."""
    old, new = edited.before, edited.after
    lines = [f"The organizers changed **{truncate(new.title, 100)}**:"]
    if old.title != new.title:
        lines.append(f"• Title: was **{truncate(old.title, 100)}**")
    for name, label in TIME_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            lines.append(f"• {label}: {_at(after)} (was {_at(before)})")
    if old.description != new.description:
        lines.append("• The description changed: see the sign-up card.")
    if old.offer_window_hours != new.offer_window_hours:
        lines.append(
            f"• A freed place offered to the waitlist now waits {new.offer_window_hours} hours for an answer."
        )
    lines.append("Your place is unchanged; use `/campaign leave` if the new plan does not suit you.")
    return truncate("\n".join(lines), 2000)


def edit_report(edited: CampaignEdited) -> str:
    told = len(edited.members)
    return (
        f"Updated **{edited.after.title}**; the card is redrawn"
        + (", reminders and the deadline follow the new times" if edited.times_changed else "")
        + f". {told} member(s) will be told by DM."
    )


def cancel_notice(cancelled: CampaignCancelled) -> str:
    return truncate(
        f"**{cancelled.campaign.title}** ({_at(cancelled.campaign.starts_at)}) was cancelled by the organizers. "
        f"Reason: {cancelled.reason}\nYour sign-up is kept in your history as cancelled; nothing more to do.",
        2000,
    )


def mark_cancelled(embed: discord.Embed, reason: str) -> discord.Embed:
    """Turn a card's embed into the card of a cancelled campaign."""
    embed.title = truncate("❌ Cancelled: " + (embed.title or "").removeprefix("🔒 "), 256)
    text = (embed.description or "").replace("\n\nSign-ups are closed.", "")
    embed.description = truncate(f"{text}\n\n**This campaign was cancelled.** Reason: {reason}", 4000)
    embed.colour = discord.Colour.red()
    return embed


def announcement(campaign: CampaignInfo, jump_url: str) -> str:
    """The short public call for allied servers: what, when, where to sign up; no mention of anyone."""
    return truncate(
        f"📣 **{discord.utils.escape_mentions(campaign.title)}**, "
        f"{_at(campaign.starts_at)} to {_at(campaign.ends_at)}.\n"
        f"{discord.utils.escape_mentions(truncate(campaign.description, 600))}\nSign up: {jump_url}",
        2000,
    )


def interested_report(found: Interested, listed: int) -> str:
    """Who is interested in the event without signing up, and who of them was invited already."""
    title = truncate(found.campaign.title, 100)
    if not found.not_invited and not found.invited:
        return f"Everyone interested in the event of **{title}** has signed up (or nobody marked it yet)."
    lines = [f"Interested in the event of **{title}** without signing up:"]
    if found.not_invited:
        shown = " ".join(f"<@{u}>" for u in found.not_invited[:listed])
        more = f" and {len(found.not_invited) - listed} more" if len(found.not_invited) > listed else ""
        lines.append(f"Not invited yet ({len(found.not_invited)}): {shown}{more}")
    if found.invited:
        lines.append(f"Invited already: {len(found.invited)}")
    return truncate("\n".join(lines), 2000)


def interest_invitation(guild_name: str, campaign: CampaignInfo) -> str:
    """The DM to a member interested in the campaign's event."""
    link = (
        f" Sign up on the card: https://discord.com/channels/{campaign.guild_id}/{campaign.card_channel_id}/"
        f"{campaign.card_message_id}"
        if campaign.card_message_id is not None
        else " Sign up with `/campaign join`."
    )
    return truncate(
        f"You marked **{campaign.title}** ({_at(campaign.starts_at)}) as interesting in {guild_name}'s "
        f"Events. The organizers would love to have you.{link}",
        2000,
    )
