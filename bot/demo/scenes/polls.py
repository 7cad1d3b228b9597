"""A ranked-choice poll: secret ballots, live results, a changed ranking, and the result on time"""

from __future__ import annotations

from typing import Any

from bot.demo.world import Demo
from db import polls as store

PICK_DIGITS = "0123456789abcdefghijklmno"


async def _rank(demo: Demo, actor: Any, poll_id: int, picks: list[int]) -> None:
    """Click Rank your choices, pick options in order, then submit."""
    polls_channel = demo.channels["polls"]
    step = (await demo.click(actor, polls_channel.last_message, label="Rank your choices")).response
    chosen = ""
    for index in picks:
        # A moment passes between picks, so that the narrator sees each private update as a new edit.
        await demo.env.advance_time(1)
        custom_id = f"poll:vote:{poll_id}:pick:{chosen}"
        step = (await demo.select(actor, step, [str(index)], custom_id=custom_id)).response
        chosen += PICK_DIGITS[index]
    await demo.env.advance_time(1)
    await demo.click(actor, step, label="Submit my ranking")


async def run(demo: Demo) -> None:
    organizer, general = demo.organizer, demo.channels["general"]
    demo.narrate(
        "olivia asks the coalition which campaign to run first: a ranked, secret ballot, results shown "
        "live, open for two days, valid only if at least 3 members vote."
    )
    await demo.slash(
        organizer,
        general,
        "poll create",
        question="Which campaign should the coalition run first?",
        options="Extreme heat | Lead in water | Housing and health",
        closes="2d",
        kind="ranked",
        secret=True,
        results="live",
        quorum=3,
    )
    async with demo.env.bot.database.session() as session:
        (poll, *_) = await store.list_polls(session, demo.guild.id)
    assert poll.id is not None
    voters = {name: demo.member(name) for name in ("ana", "ben", "cleo", "dan", "eve")}
    await demo.env.settle()

    demo.narrate("Five members rank the options privately, one pick at a time; the bars move as they vote.")
    for name, ranking in [("ana", [0, 2]), ("ben", [1, 0]), ("cleo", [2, 1]), ("dan", [0]), ("eve", [2])]:
        await _rank(demo, voters[name], poll.id, ranking)

    demo.narrate(
        "ben changes his second choice from Extreme heat to Housing and health; his new ranking replaces "
        "the old one. Lead in water will be eliminated first, so his ballot now moves to Housing."
    )
    await _rank(demo, voters["ben"], poll.id, [1, 2])

    await demo.advance(2 * 86400 + 60, "the poll closes on time")
    demo.narrate("The ballots are now stored without any link to who cast them; the export has totals only.")
    await demo.slash(organizer, general, "poll export", poll=str(poll.id))
