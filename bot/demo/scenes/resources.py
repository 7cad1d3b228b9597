"""The resource library: a search, the report in plain words, a suggestion and its approval"""

from __future__ import annotations

from bot.demo.world import Demo


async def run(demo: Demo) -> None:
    organizer, general = demo.organizer, demo.channels["general"]
    nadia = demo.member("nadia")
    demo.narrate(
        "nadia looks for material on living wages for a board "
        "briefing. Results are hers alone, five to a page."
    )
    await demo.slash(nadia, general, "resources search", query="living wage")
    demo.narrate("She mistypes a word; the bot suggests the spelling it knows.")
    await demo.slash(nadia, general, "resources search", query="tobaco")
    demo.narrate("A broad search spans pages; she turns one.")
    broad = await demo.slash(nadia, general, "resources search", query="health")
    await demo.click(nadia, broad.response.message, label="Next")
    demo.narrate("She reads one recommendation of the WHO Commission's report in plain words.")
    await demo.slash(nadia, general, "recommendation show", recommendation="6.d")
    demo.narrate("She knows a good heat-equity toolkit that is missing, and suggests it.")
    form = await demo.slash(nadia, general, "resources suggest", kind="toolkit", recommendation="6.d")
    await demo.submit_modal(
        nadia,
        form,
        {
            "resources:suggest:title": "Extreme heat and health equity toolkit",
            "resources:suggest:url": "https://example.org/heat-equity?utm_source=newsletter",
            "resources:suggest:summary": "Cooling centres, outreach to people most at risk, and heat action plans.",
        },
    )
    card = demo.channels["review"].last_message
    demo.narrate("The suggestion waits in #review for an organizer. olivia approves it; nadia hears by DM.")
    await demo.click(organizer, card, label="Approve")
    demo.narrate("The toolkit is now found by everyone.")
    await demo.slash(nadia, general, "resources search", query="extreme heat")
    demo.narrate("Someone suggests the same address again; the bot points to the existing entry.")
    again = await demo.slash(demo.member("sam"), general, "resources suggest", kind="toolkit")
    await demo.submit_modal(
        demo.member("sam"),
        again,
        {
            "resources:suggest:title": "Heat toolkit",
            "resources:suggest:url": "http://EXAMPLE.org/heat-equity/",
        },
    )
