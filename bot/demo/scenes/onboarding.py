"""Onboarding: a newcomer joins, is walked through a DM flow, and tags a discipline"""

from __future__ import annotations

from bot.demo.world import Demo


async def run(demo: Demo) -> None:
    general = demo.channels["general"]
    demo.narrate(
        "The moment nadia, an epidemiologist, joins, the bot opens a DM and walks her through setup."
    )
    nadia = await demo.join("nadia")
    dm = nadia.user
    welcome = dm.dm_channel.last_message
    step = (await demo.click(dm, welcome, label="Let's begin")).response
    step = (await demo.click(dm, step, label="I agree")).response
    form = await demo.click(dm, step, label="Fill in: about you")
    about = {
        "profile:display_name": "Nadia Reyes",
        "profile:job_title": "Epidemiologist",
        "profile:pronouns": "she/her",
    }
    step = (await demo.submit_modal(dm, form, about)).response
    form = await demo.click(dm, step, label="Fill in: where you work")
    workplace = {
        "profile:organization": "Travis County Health Department",
        "profile:jurisdiction": "Travis County",
        "profile:state": "Texas",
    }
    step = (await demo.submit_modal(dm, form, workplace)).response
    select = step.components[0]["components"][0]
    epidemiology = next(o["value"] for o in select["options"] if o["label"] == "Epidemiology")
    await demo.select(dm, step, [epidemiology])
    step = (await demo.click(dm, step, label="Continue")).response
    await demo.select(dm, step, ["chapter:6", "objective:3"])
    step = (await demo.click(dm, step, label="Continue")).response
    step = (await demo.click(dm, step, label="Yes, list me")).response
    await demo.click(dm, step, label="Confirm")
    demo.narrate("Later she adds a second discipline and looks up colleagues in the directory.")
    await demo.slash(nadia, general, "discipline add", name="Data and informatics")
    await demo.slash(nadia, general, "discipline members", name="Epidemiology")
    await demo.slash(demo.organizer, general, "onboarding stats")
