"""Setting up the server: channels, roles, code of conduct, and a health check"""

from __future__ import annotations

from bot.demo.world import Demo


async def run(demo: Demo) -> None:
    organizer, general = demo.organizer, demo.channels["general"]
    demo.narrate("olivia configures where the bot posts and checks that nothing is missing.")
    for purpose in ("welcome", "introductions", "campaigns", "polls", "review", "audit"):
        await demo.slash(organizer, general, "setup channel", purpose=purpose, channel=demo.channels[purpose])
    members_role = demo.guild.create_role("Coalition members")
    await demo.slash(organizer, general, "setup role", purpose="member", role=members_role)
    form = await demo.slash(organizer, general, "setup code-of-conduct")
    await demo.submit_modal(
        organizer,
        form,
        {
            "setup:code_of_conduct:text": "Be respectful and assume good faith. Share what you can; "
            "keep what others share in confidence. No harassment. Public-health data about people stays de-identified."
        },
    )
    await demo.slash(organizer, general, "setup check")
    await demo.slash(organizer, general, "setup show")
    visitor = demo.member("sam")
    demo.narrate(
        "A server admin has let everyone see /setup in Integrations settings. sam, a member without "
        "Manage Server, tries it anyway: the bot checks again when the command runs."
    )
    demo.let_everyone_see("setup")
    await demo.slash(visitor, general, "setup check")
    await demo.slash(visitor, general, "help")
