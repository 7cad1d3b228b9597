"""Measured reach: members report what they published, the organizer reads the reach"""

from __future__ import annotations

from bot.demo.world import Demo


async def run(demo: Demo) -> None:
    organizer, general, board = demo.organizer, demo.channels["general"], demo.channels["campaigns"]
    ana, cleo = demo.member("ana"), demo.member("cleo")
    demo.narrate("ana's op-ed is out. She clicks I posted on the card and pastes the link.")
    card = next(m for m in board.history() if m.embeds and "Extreme heat" in (m.embeds[0].title or ""))
    shown = await demo.click(ana, card, label="I posted")
    await demo.submit_modal(
        ana,
        shown,
        {
            "campaign:posted:url": "https://www.startribune.com/opinion/heat-equity/1",
            "campaign:posted:note": "",
        },
    )
    demo.narrate(
        "cleo posts on Bluesky and reports it with a command; a second report of the same link counts once."
    )
    for _ in range(2):
        await demo.slash(
            cleo,
            general,
            "campaign posted",
            campaign="Extreme heat",
            url="https://bsky.app/profile/cleo.bsky.social/post/3kheat",
        )
    demo.narrate("A link to a private address is refused.")
    await demo.slash(
        cleo, general, "campaign posted", campaign="Extreme heat", url="http://192.168.1.10/post"
    )
    demo.narrate(
        "olivia reads the reach: posts per slot and platform, and who has not posted yet, with a chart."
    )
    await demo.slash(organizer, general, "campaign reach", campaign="Extreme heat")
