"""Polls through SimCord, as organizers and members use them (every REST payload contract-checked)."""

from __future__ import annotations

import discord
import pytest
from sqlalchemy import select

from bench.harness import burst, click_payload
from db import jobs, members
from db import polls as store
from db.polls import Poll, PollBallot
from tests.conftest import Coalition

OPTIONS = "Parks | Transit | Housing"


async def _create(coalition: Coalition, **options: object) -> Poll:
    fields: dict[str, object] = {"question": "Which campaign first?", "options": OPTIONS, "closes": "2d"}
    fields.update(options)
    res = await coalition.organizer.slash(coalition.general, "poll create", **fields)
    text = res.followups[-1].content if res.followups else res.response.content
    assert "is up in" in text, text
    async with coalition.bot.database.session() as session:
        (poll, *_) = await store.list_polls(session, coalition.guild.id)
    return poll


def _poll_message(coalition: Coalition) -> discord.Message:
    message = coalition.channels["polls"].last_message
    assert message is not None
    return message


async def _vote(coalition: Coalition, actor, poll: Poll, choices: list[int]):
    """Vote the way the poll message offers: a button, a select, or the ranking steps."""
    message = _poll_message(coalition)
    if poll.kind == "ranked":
        shown = await actor.click(message, custom_id=f"poll:vote:{poll.id}:rank")
        if shown.response is None or not shown.response.components:
            return shown
        step = shown.response
        picks = ""
        for index in choices:
            step = (
                await actor.select(step, [str(index)], custom_id=f"poll:vote:{poll.id}:pick:{picks}")
            ).response
            picks += "0123456789abcdefghijklmno"[index]
        return await actor.click(step, custom_id=f"poll:vote:{poll.id}:submit:{picks}")
    if poll.kind == "single" and len(poll.options) <= 5:
        return await actor.click(message, custom_id=f"poll:vote:{poll.id}:{choices[0]}")
    return await actor.select(message, [str(i) for i in choices], custom_id=f"poll:vote:{poll.id}")


def _last(result):
    """The last message the member was shown for an interaction (a deferred answer or a followup)."""
    shown = [*([result.response] if result.response else []), *result.followups]
    assert shown, "the bot showed nothing"
    return shown[-1]


def _said(result) -> str:
    parts = [result.response.content if result.response else ""]
    parts += [f.content for f in result.followups]
    return " ".join(parts)


async def _ballots(coalition: Coalition, poll_id: int) -> list[PollBallot]:
    async with coalition.bot.database.session() as session:
        return list(await session.scalars(select(PollBallot).where(PollBallot.poll_id == poll_id)))


async def _set_organization(coalition: Coalition, actor, organization: str) -> None:
    now = discord.utils.utcnow()
    async with coalition.bot.database.session() as session:
        profile = await members.get_or_create_profile(session, coalition.guild.id, actor.id, now)
        await members.update_profile(session, profile, now, organization=organization)


MATRIX = [
    # kind, secret, results, role
    ("single", True, "live", False),
    ("single", False, "hidden", True),
    ("multiple", True, "hidden", False),
    ("multiple", False, "live", True),
    ("ranked", True, "live", True),
    ("ranked", False, "hidden", False),
    ("ranked", True, "hidden", False),
    ("single", False, "live", False),
]


@pytest.mark.parametrize(("kind", "secret", "results", "with_role"), MATRIX)
async def test_poll_option_combinations_vote_close_and_show_results(
    coalition: Coalition, kind, secret, results, with_role
):
    options: dict[str, object] = {"kind": kind, "secret": secret, "results": results}
    if kind == "multiple":
        options["max_choices"] = 2
    role = None
    if with_role:
        role = coalition.guild.create_role("Voting delegates")
        coalition.env.backend.add_member_role(coalition.guild.id, coalition.member.id, role.id)
        await coalition.env.settle()
        options["role"] = role
    poll = await _create(coalition, **options)
    choices = {"single": [1], "multiple": [0, 1], "ranked": [1, 0]}[kind]

    voted = await _vote(coalition, coalition.member, poll, choices)
    second = await _vote(coalition, coalition.other, poll, [2])

    assert "Transit" in _said(voted), _said(voted)
    assert "recorded" in _said(voted), _said(voted)
    if with_role:
        assert f"<@&{role.id}>" in _said(second)
        assert "not recorded" in _said(second)
    else:
        assert "recorded" in _said(second)
    embed = _poll_message(coalition).embeds[0]
    if results == "live":
        assert "█" in embed.description
    else:
        assert "█" not in embed.description

    closed = await coalition.organizer.slash(coalition.general, "poll close", poll=str(poll.id))
    assert "is closed" in _said(closed)

    message = _poll_message(coalition)
    assert [a.filename for a in message.attachments] == [f"poll-{poll.id}-results.png"]
    assert (await message.attachments[0].read()).startswith(b"\x89PNG")
    assert message.components == []
    result = next(f.value for f in message.embeds[0].fields if f.name == "Result")
    # Transit wins everywhere: alone when the role kept the second member out, and with the
    # multiple-choice ballot (Parks + Transit against Housing) the leaders are Parks and Transit.
    assert "Transit" in result
    ballots = await _ballots(coalition, poll.id)
    assert len(ballots) == (1 if with_role else 2)
    if secret:
        assert all(b.voter_key is None and b.voter_id is None for b in ballots)
    else:
        assert coalition.member.id in {b.voter_id for b in ballots}


async def test_member_changes_their_vote_and_keeps_one_ballot(coalition: Coalition):
    poll = await _create(coalition, secret=False)

    await _vote(coalition, coalition.member, poll, [0])
    changed = await _vote(coalition, coalition.member, poll, [2])

    assert "changed to: Housing" in _said(changed)
    (ballot,) = await _ballots(coalition, poll.id)
    assert ballot.choices == [2]


async def test_member_changes_a_ranking(coalition: Coalition):
    poll = await _create(coalition, kind="ranked")
    await _vote(coalition, coalition.member, poll, [0, 1, 2])

    again = await coalition.member.click(_poll_message(coalition), custom_id=f"poll:vote:{poll.id}:rank")
    assert "Your ballot now: 1. Parks, 2. Transit, 3. Housing" in again.response.content
    changed = await _vote(coalition, coalition.member, poll, [2])

    assert "changed to: 1. Housing" in _said(changed)
    (ballot,) = await _ballots(coalition, poll.id)
    assert ballot.choices == [2]


async def test_poll_closes_on_time_across_a_restart_exactly_once(coalition: Coalition, make_bot):
    poll = await _create(coalition, closes="3h", results="hidden")
    await _vote(coalition, coalition.member, poll, [1])
    await _vote(coalition, coalition.other, poll, [1])

    await coalition.env.restart_bot(make_bot())
    await coalition.env.advance_time(2 * 3600)
    assert _poll_message(coalition).components, "closed too early"
    await coalition.env.advance_time(2 * 3600)
    await coalition.env.settle()

    message = _poll_message(coalition)
    assert message.components == []
    assert [a.filename for a in message.attachments] == [f"poll-{poll.id}-results.png"]
    result = next(f.value for f in message.embeds[0].fields if f.name == "Result")
    assert result == "**Transit** won."
    assert "2 (100%)" in message.embeds[0].description
    async with coalition.env.bot.database.session() as session:
        job = await jobs.get(session, f"poll.close:{poll.id}")
        stored = await session.get(Poll, poll.id)
    assert job.status == jobs.DONE
    assert job.attempts == 1
    assert stored.status == "closed"
    assert stored.announced_at is not None
    edits = [
        r
        for r in coalition.env.http_requests
        if r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}")
    ]
    await coalition.env.advance_time(3 * 86400)
    again = [
        r
        for r in coalition.env.http_requests
        if r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}")
    ]
    assert len(edits) == 1
    assert again == edits


async def test_vote_on_a_closed_poll_is_refused_and_changes_nothing(coalition: Coalition):
    poll = await _create(coalition)
    message = _poll_message(coalition)
    await _vote(coalition, coalition.member, poll, [0])
    await coalition.organizer.slash(coalition.general, "poll close", poll=str(poll.id))

    # An old copy of the message still has the buttons (a client that did not refresh).
    record, payload = click_payload(coalition.env, coalition.other, message, f"poll:vote:{poll.id}:1")
    payload["message"]["components"] = [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "label": "Transit", "custom_id": f"poll:vote:{poll.id}:1"}
            ],
        }
    ]
    (late,) = (await burst(coalition.env, [(record, payload)])).results

    assert "closed" in _said(late)
    assert "no longer accepted" in _said(late)
    assert len(await _ballots(coalition, poll.id)) == 1


async def test_forged_poll_id_is_refused_and_changes_nothing(coalition: Coalition):
    poll = await _create(coalition)
    message = _poll_message(coalition)
    forged = f"poll:vote:{poll.id + 50}:0"

    (result,) = (
        await burst(
            coalition.env,
            [
                click_payload(
                    coalition.env, coalition.member, message, forged, forge_from=f"poll:vote:{poll.id}:0"
                )
            ],
        )
    ).results

    assert "does not exist in this server" in _said(result)
    assert await _ballots(coalition, poll.id) == []


async def test_members_cannot_create_close_or_export_polls(coalition: Coalition):
    from tests.helpers import let_everyone_see

    poll = await _create(coalition)
    let_everyone_see(coalition.env, coalition.guild, "poll")

    created = await coalition.member.slash(
        coalition.general, "poll create", question="Mine?", options="A | B", closes="1d"
    )
    closed = await coalition.member.slash(coalition.general, "poll close", poll=str(poll.id))
    exported = await coalition.member.slash(coalition.general, "poll export", poll=str(poll.id))

    for result in (created, closed, exported):
        assert "Only organizers" in _said(result)
    async with coalition.bot.database.session() as session:
        assert len(await store.list_polls(session, coalition.guild.id)) == 1


async def test_hidden_results_stay_hidden_from_members_until_close(coalition: Coalition):
    poll = await _create(coalition, results="hidden")
    await _vote(coalition, coalition.member, poll, [0])

    hidden = await coalition.member.slash(coalition.general, "poll results", poll=str(poll.id))
    organizer = await coalition.organizer.slash(coalition.general, "poll results", poll=str(poll.id))
    await coalition.organizer.slash(coalition.general, "poll close", poll=str(poll.id))
    after = await coalition.member.slash(coalition.general, "poll results", poll=str(poll.id))

    assert "hidden until it closes" in _said(hidden)
    for shown in (organizer, after):
        message = _last(shown)
        assert message.ephemeral
        assert "1 (100%)" in message.embeds[0].description
        assert [a.filename for a in message.attachments] == [f"poll-{poll.id}-results.png"]


async def test_members_see_live_results_any_time(coalition: Coalition):
    poll = await _create(coalition, results="live")
    await _vote(coalition, coalition.other, poll, [2])

    shown = await coalition.member.slash(coalition.general, "poll results", poll=str(poll.id))

    message = _last(shown)
    assert "1 (100%)" in message.embeds[0].description
    assert "Poll #" in message.embeds[0].footer.text


async def test_export_of_a_named_poll_lists_each_voter(coalition: Coalition):
    poll = await _create(coalition, secret=False, options="Parks | =HYPERLINK(x) | Housing")
    await _vote(coalition, coalition.member, poll, [0])
    await _vote(coalition, coalition.other, poll, [1])

    exported = await coalition.organizer.slash(coalition.general, "poll export", poll=str(poll.id))

    message = _last(exported)
    files = {a.filename: (await a.read()).decode() for a in message.attachments}
    assert set(files) == {f"poll-{poll.id}-totals.csv", f"poll-{poll.id}-ballots.csv"}
    assert "Parks,1,50%" in files[f"poll-{poll.id}-totals.csv"]
    assert "'=HYPERLINK(x),1,50%" in files[f"poll-{poll.id}-totals.csv"]
    ballots = files[f"poll-{poll.id}-ballots.csv"]
    assert str(coalition.member.id) in ballots
    assert str(coalition.other.id) in ballots


async def test_export_of_a_secret_poll_has_totals_only(coalition: Coalition):
    poll = await _create(coalition, secret=True, kind="ranked")
    await _vote(coalition, coalition.member, poll, [0, 1])
    await _vote(coalition, coalition.other, poll, [1])
    await coalition.organizer.slash(coalition.general, "poll close", poll=str(poll.id))

    exported = await coalition.organizer.slash(coalition.general, "poll export", poll=str(poll.id))

    message = _last(exported)
    assert "totals only" in message.content
    (attachment,) = message.attachments
    text = (await attachment.read()).decode()
    assert text.splitlines()[0] == "option,round 1,round 2,round 3,eliminated in round"
    assert str(coalition.member.id) not in text
    assert str(coalition.other.id) not in text


async def test_twenty_five_options_fit_one_select_and_can_be_voted(coalition: Coalition):
    labels = [f"Recommendation area {n:02d}" for n in range(25)]
    poll = await _create(coalition, options=" | ".join(labels), kind="multiple", max_choices=25)

    message = _poll_message(coalition)
    (row,) = message.components
    (select,) = row.children
    assert len(select.options) == 25
    assert select.max_values == 25
    voted = await _vote(coalition, coalition.member, poll, [24, 0])

    assert "Recommendation area 24" in _said(voted)


async def test_twenty_five_ranked_options_fit_the_ranking_steps(coalition: Coalition):
    labels = [f"Option {n:02d} " + "x" * 60 for n in range(25)]
    poll = await _create(coalition, options=" | ".join(labels), kind="ranked")

    voted = await _vote(coalition, coalition.member, poll, [24, 3, 0, 17])

    assert "recorded" in _said(voted)
    (ballot,) = await _ballots(coalition, poll.id)
    assert ballot.choices == [24, 3, 0, 17]


async def test_twenty_six_options_are_refused_at_creation(coalition: Coalition):
    options = " | ".join(f"Option {n}" for n in range(26))

    res = await coalition.organizer.slash(
        coalition.general, "poll create", question="Too many?", options=options, closes="1d"
    )

    assert "at most 25 options" in _said(res)
    assert res.ephemeral
    async with coalition.bot.database.session() as session:
        assert await store.list_polls(session, coalition.guild.id) == []


async def test_quorum_not_met_is_said_in_the_result(coalition: Coalition):
    poll = await _create(coalition, quorum=3)
    await _vote(coalition, coalition.member, poll, [0])

    await coalition.organizer.slash(coalition.general, "poll close", poll=str(poll.id))

    result = next(f.value for f in _poll_message(coalition).embeds[0].fields if f.name == "Result")
    assert result.startswith("Quorum not met: 1 of the 3 ballots needed")


async def test_one_ballot_per_department_replace_mode(coalition: Coalition):
    await _set_organization(coalition, coalition.member, "Fulton County Health")
    await _set_organization(coalition, coalition.other, "  fulton county HEALTH ")
    poll = await _create(coalition, one_per_department="replace", secret=False)

    await _vote(coalition, coalition.member, poll, [0])
    second = await _vote(coalition, coalition.other, poll, [2])

    assert "replaces the ballot your health department had cast" in _said(second)
    (ballot,) = await _ballots(coalition, poll.id)
    assert (ballot.voter_id, ballot.choices) == (coalition.other.id, [2])


async def test_one_ballot_per_department_refuse_mode(coalition: Coalition):
    await _set_organization(coalition, coalition.member, "Fulton County Health")
    await _set_organization(coalition, coalition.other, "Fulton County Health")
    poll = await _create(coalition, one_per_department="refuse")

    await _vote(coalition, coalition.member, poll, [0])
    refused = await _vote(coalition, coalition.other, poll, [2])
    changed = await _vote(coalition, coalition.member, poll, [1])

    assert "already voted" in _said(refused)
    assert "not recorded" in _said(refused)
    assert "changed to: Transit" in _said(changed)
    (ballot,) = await _ballots(coalition, poll.id)
    assert ballot.choices == [1]


async def test_department_poll_asks_members_without_an_organization_to_set_one(coalition: Coalition):
    poll = await _create(coalition, one_per_department="refuse", kind="ranked")

    refused = await coalition.member.click(_poll_message(coalition), custom_id=f"poll:vote:{poll.id}:rank")

    assert "/profile edit" in _said(refused)
    assert await _ballots(coalition, poll.id) == []


async def test_poll_list_and_autocomplete_show_the_guilds_polls(coalition: Coalition):
    poll = await _create(coalition, question="Which campaign first?")

    listed = await coalition.member.slash(coalition.general, "poll list")
    choices = await coalition.organizer.autocomplete(coalition.general, "poll close", "poll", "campaign")

    assert f"#{poll.id}" in listed.response.embeds[0].description
    assert [c["value"] for c in choices] == [str(poll.id)]


async def test_close_whose_results_fail_to_post_keeps_the_job_and_posts_them_once_later(
    coalition: Coalition,
):
    env = coalition.env
    poll = await _create(coalition, closes="2d", results="hidden")
    await _vote(coalition, coalition.member, poll, [1])
    message = _poll_message(coalition)
    env.inject_error("PATCH", f"/channels/*/messages/{message.id}", status=500, times=1)

    closed = await coalition.organizer.slash(coalition.general, "poll close", poll=str(poll.id))

    assert "could not post its results yet" in _said(closed), _said(closed)
    assert "try again" in _said(closed)
    async with coalition.bot.database.session() as session:
        job = await jobs.get(session, f"poll.close:{poll.id}")
        stored = await session.get(Poll, poll.id)
    assert job.status == jobs.PENDING
    assert stored.status == "closed"
    assert stored.announced_at is None
    assert _poll_message(coalition).attachments == []

    await env.advance_time(2 * 60)
    await env.settle()

    message = _poll_message(coalition)
    assert [a.filename for a in message.attachments] == [f"poll-{poll.id}-results.png"]
    assert message.components == []
    async with coalition.bot.database.session() as session:
        job = await jobs.get(session, f"poll.close:{poll.id}")
        stored = await session.get(Poll, poll.id, populate_existing=True)
    assert job.status == jobs.DONE
    assert stored.announced_at is not None
    posted = [
        r
        for r in env.http_requests
        if r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}") and r.json.get("attachments")
    ]
    await env.advance_time(3 * 86400)
    again = [
        r
        for r in env.http_requests
        if r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}") and r.json.get("attachments")
    ]
    assert len(posted) == 2  # the refused edit of the command, then the job's
    assert again == posted
