"""A media campaign: in the server's Events, sign-ups past capacity, a withdrawal, a new date, and a roll call"""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

from bot.demo.world import Demo


def _when(**delta: float) -> str:
    return (discord.utils.utcnow() + timedelta(**delta)).strftime("%Y-%m-%d %H:%M")


async def run(demo: Demo) -> None:
    organizer, general, board = demo.organizer, demo.channels["general"], demo.channels["campaigns"]
    demo.narrate("olivia plans a week of op-eds on extreme heat, typing times in Chicago time.")
    await demo.slash(
        organizer,
        general,
        "campaign create",
        title="Extreme heat is a health equity issue",
        description="Op-eds and posts on cooling centers, tree cover and heat-health warnings.",
        start=_when(days=10),
        end=_when(days=12),
        signup_deadline=_when(days=9),
        timezone="America/Chicago",
        toolkit_url="https://example.org/heat-toolkit",
    )
    await demo.slash(
        organizer, general, "campaign slot add", campaign="Extreme heat", name="Op-ed author", capacity=2
    )
    await demo.slash(organizer, general, "campaign post", campaign="Extreme heat")
    card = board.last_message
    _show_events(demo, "The campaign now appears in the server's Events tab")

    demo.narrate("Three members click Sign up; the slot holds two, so the third joins the waitlist.")
    ana, ben, cleo = demo.member("ana"), demo.member("ben"), demo.member("cleo")
    await demo.env.settle()
    for person in (ana, ben, cleo):
        card = board.last_message
        label = "Sign up: Op-ed author" if person is not cleo else "Join waitlist: Op-ed author"
        await demo.click(person, card, label=label)
    await demo.advance(3, "the card catches up")

    demo.narrate("ben has to step back. The freed place is offered to cleo by DM, with 24 hours to accept.")
    await demo.click(ben, board.last_message, label="Withdraw")
    offer = cleo.user.dm_channel.last_message
    await demo.click(cleo.user, offer, label="Accept the place")
    await demo.advance(3, "the card catches up")

    demo.narrate("The press day moves: olivia pushes the campaign back by a day, typing Chicago time again.")
    await demo.slash(
        organizer,
        general,
        "campaign edit",
        campaign="Extreme heat",
        start=_when(days=11),
        end=_when(days=13),
    )
    await demo.advance(3, "the members hear once; reminders and the event follow")
    _show_events(demo, "The event in the Events tab moved with it")

    # Reach (issue 12, second half): members report their posts with "I posted", olivia reads the reach.

    demo.narrate("The day before, olivia runs a roll call that pings exactly the confirmed members.")
    await demo.slash(organizer, general, "campaign rollcall", campaign="Extreme heat")
    call = board.threads[-1].last_message
    await demo.click(ana, call, label="Ready")
    await demo.click(cleo, board.threads[-1].last_message, label="Ready")
    await demo.click(organizer, board.threads[-1].last_message, label="Close roll call")
    await demo.slash(ana, general, "campaign mine")


def _show_events(demo: Demo, title: str) -> None:
    """Print the guild's scheduled events as the Events tab would list them."""
    demo.narrate(title + ":")
    for event in demo.env.backend.get_guild(demo.guild.id).scheduled_events.values():
        start = datetime.fromisoformat(event.scheduled_start_time).strftime("%a %d %b %Y %H:%M UTC")
        demo.narrate(f"📅 {event.name}, {start}, at {event.entity_metadata['location']}")
