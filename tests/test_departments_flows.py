"""Health departments through SimCord: organizers keep the list, members pick theirs, polls count by it."""

from __future__ import annotations

from db import audit, members, privacy
from db import departments as store
from tests.conftest import Coalition
from tests.onboarding_helpers import WORKPLACE, join, last_dm, walk_to
from tests.test_poll_flows import _ballots as ballots
from tests.test_poll_flows import _create as create_poll
from tests.test_poll_flows import _said as said
from tests.test_poll_flows import _vote as vote

TRAVIS = "Travis County Health Department"


def _said(result) -> str:
    parts = [result.response.content if result.response else ""]
    parts += [f.content for f in result.followups]
    return " ".join(part or "" for part in parts)


async def _departments(coalition: Coalition) -> list[store.Department]:
    async with coalition.bot.database.session() as session:
        return await store.list_departments(session, coalition.guild.id)


async def _department_of(coalition: Coalition, actor) -> int | None:
    async with coalition.bot.database.session() as session:
        profile = await members.get_profile(session, coalition.guild.id, actor.id)
    return profile.department_id if profile else None


async def _audited(coalition: Coalition) -> list[str]:
    async with coalition.bot.database.session() as session:
        rows = await audit.page(session, coalition.guild.id, "department", offset=0, limit=50)
    return sorted(row.action for row in rows)


async def _add_travis(coalition: Coalition) -> int:
    added = await coalition.organizer.slash(
        coalition.general, "department add", name=TRAVIS, aliases="TCHD | Austin Public Health"
    )
    assert "Added **Travis County Health Department**" in _said(added), _said(added)
    (department,) = await _departments(coalition)
    assert department.id is not None
    return department.id


async def _workplace(coalition: Coalition, actor, organization: str):
    shown = await actor.slash(coalition.general, "profile edit", section="where you work")
    return await actor.submit_modal(
        shown,
        {"profile:organization": organization, "profile:jurisdiction": "Travis", "profile:state": "Texas"},
    )


async def test_aliases_collapse_two_spellings_into_one_department(coalition: Coalition):
    travis = await _add_travis(coalition)

    saved = await _workplace(coalition, coalition.member, "Travis County HD")
    offered = await coalition.other.autocomplete(coalition.general, "profile edit", "department", "tchd")
    picked = await coalition.other.slash(coalition.general, "profile edit", department=offered[0]["value"])
    again = await coalition.organizer.slash(coalition.general, "department add", name="Travis Co. HD")

    fields = {f.name: f.value for f in saved.response.embeds[0].fields}
    assert fields["Health department"] == TRAVIS
    assert offered[0]["name"] == f"{TRAVIS} (TCHD)"
    assert f"now **{TRAVIS}**" in _said(picked)
    assert await _department_of(coalition, coalition.member) == travis
    assert await _department_of(coalition, coalition.other) == travis
    assert "already names **Travis County Health Department**" in _said(again)
    assert len(await _departments(coalition)) == 1


async def test_alias_command_teaches_a_new_spelling_and_is_audited(coalition: Coalition):
    travis = await _add_travis(coalition)
    offered = await coalition.organizer.autocomplete(
        coalition.general, "department alias", "department", "trav"
    )

    added = await coalition.organizer.slash(
        coalition.general, "department alias", department=offered[0]["value"], alias="Travis Hlth Dept East"
    )
    saved = await _workplace(coalition, coalition.member, "travis health dept. east")

    assert "Travis Hlth Dept East" in _said(added)
    assert "Saved" in _said(saved)
    assert await _department_of(coalition, coalition.member) == travis
    assert await _audited(coalition) == ["department.add", "department.alias"]


async def test_members_cannot_change_the_department_list(coalition: Coalition):
    refused = await coalition.member.slash(coalition.general, "department add", name=TRAVIS)

    assert "organizer" in _said(refused).lower()
    assert await _departments(coalition) == []


async def test_csv_import_reports_the_bad_line_and_importing_again_changes_nothing(coalition: Coalition):
    csv = (
        b"name,aliases\n"
        b"Travis County Health Department,Travis County HD|TCHD\n"
        b",Nameless HD\n"
        b"Fulton County Board of Health,Fulton County HD\n"
    )

    first = await coalition.organizer.slash(
        coalition.general, "department import", file=("departments.csv", csv)
    )
    second = await coalition.organizer.slash(
        coalition.general, "department import", file=("departments.csv", csv)
    )

    assert "2 new departments, 2 new aliases" in _said(first), _said(first)
    assert "line 3: has no department name" in _said(first)
    assert "0 new departments, 0 new aliases; 2 rows were already known" in _said(second), _said(second)
    assert "line 3" in _said(second)
    assert sorted(d.name for d in await _departments(coalition)) == ["Fulton County Board of Health", TRAVIS]
    assert await _audited(coalition) == ["department.import", "department.import"]


async def test_department_list_pages_through_every_department(coalition: Coalition):
    rows = "".join(f"County {number} Health Department,\n" for number in range(1, 21))
    await coalition.organizer.slash(coalition.general, "department import", file=("d.csv", rows.encode()))

    listed = await coalition.organizer.slash(coalition.general, "department list")
    shown = listed.followups[-1] if listed.followups else listed.response
    first_footer, first_page = shown.embeds[0].footer.text, shown.embeds[0].description
    await coalition.organizer.click(shown, label="Next ▶")

    assert first_footer == "Page 1 of 2 · 20 in all"
    assert "**County 1 Health Department**" in first_page
    assert shown.embeds[0].footer.text == "Page 2 of 2 · 20 in all"
    assert shown.embeds[0].description.count("Health Department") == 5


async def test_removing_a_department_clears_the_members_choice(coalition: Coalition):
    travis = await _add_travis(coalition)
    await coalition.member.slash(coalition.general, "profile edit", department=str(travis))

    removed = await coalition.organizer.slash(coalition.general, "department remove", department=str(travis))

    assert "Removed **Travis County Health Department**" in _said(removed)
    assert await _departments(coalition) == []
    assert await _department_of(coalition, coalition.member) is None
    assert await _audited(coalition) == ["department.add", "department.remove"]


async def test_profile_edit_changes_the_department(coalition: Coalition):
    travis = await _add_travis(coalition)
    await coalition.organizer.slash(coalition.general, "department add", name="Fulton County Board of Health")
    await coalition.member.slash(coalition.general, "profile edit", department=str(travis))

    offered = await coalition.member.autocomplete(coalition.general, "profile edit", "department", "fulton")
    changed = await coalition.member.slash(coalition.general, "profile edit", department=offered[0]["value"])
    unknown = await coalition.member.slash(coalition.general, "profile edit", department="Nowhere HD")

    assert "now **Fulton County Board of Health**" in _said(changed)
    assert await _department_of(coalition, coalition.member) == int(offered[0]["value"])
    assert "I don't know a health department called “Nowhere HD”" in _said(unknown)
    viewed = await coalition.member.slash(coalition.general, "profile view")
    fields = {f.name: f.value for f in viewed.response.embeds[0].fields}
    assert fields["Health department"] == "Fulton County Board of Health"


async def test_newcomer_typing_an_alias_during_onboarding_gets_that_department(coalition: Coalition):
    travis = await _add_travis(coalition)
    nadia = await join(coalition, "nadia")
    workplace = await walk_to(nadia.user, last_dm(coalition, nadia), "workplace")

    shown = await nadia.user.click(workplace, label="Fill in: where you work")
    saved = await nadia.user.submit_modal(shown, {**WORKPLACE, "profile:organization": "Travis County HD"})
    note = saved.response.content
    summary = await walk_to(nadia.user, saved.response, "summary")
    fields = {f.name: f.value for f in summary.embeds[0].fields}
    await nadia.user.click(summary, label="Confirm")

    assert f"Your health department: **{TRAVIS}**" in note
    assert fields["Health department"] == TRAVIS
    assert await _department_of(coalition, nadia) == travis


async def test_newcomer_picks_their_department_with_autocomplete_during_onboarding(coalition: Coalition):
    travis = await _add_travis(coalition)
    nadia = await join(coalition, "nadia")
    workplace = await walk_to(nadia.user, last_dm(coalition, nadia), "workplace")
    shown = await nadia.user.click(workplace, label="Fill in: where you work")
    saved = await nadia.user.submit_modal(shown, {**WORKPLACE, "profile:organization": "Eastside Clinic"})
    assert "`/profile edit department:`" in saved.response.content

    offered = await nadia.autocomplete(coalition.general, "profile edit", "department", "austin")
    await nadia.slash(coalition.general, "profile edit", department=offered[0]["value"])
    summary = await walk_to(nadia.user, saved.response, "summary")
    done = await nadia.user.click(summary, label="Confirm")

    assert offered[0]["name"] == f"{TRAVIS} (Austin Public Health)"
    assert "all set" in done.response.content
    assert await _department_of(coalition, nadia) == travis
    async with coalition.bot.database.session() as session:
        profile = await members.get_profile(session, coalition.guild.id, nadia.id)
    assert profile is not None
    assert profile.organization == "Eastside Clinic"


async def test_one_per_department_poll_refuses_a_second_spelling_of_the_same_department(coalition: Coalition):
    await _add_travis(coalition)
    await _workplace(coalition, coalition.member, TRAVIS)
    await _workplace(coalition, coalition.other, "Travis County HD")
    poll = await create_poll(coalition, one_per_department="refuse", secret=False)

    await vote(coalition, coalition.member, poll, [0])
    refused = await vote(coalition, coalition.other, poll, [2])

    assert "already voted" in said(refused)
    (ballot,) = await ballots(coalition, poll.id)
    assert (ballot.voter_id, ballot.choices) == (coalition.member.id, [0])


async def test_one_per_department_poll_replaces_the_ballot_of_a_colleague_under_another_spelling(
    coalition: Coalition,
):
    travis = await _add_travis(coalition)
    await coalition.member.slash(coalition.general, "profile edit", department=str(travis))
    # Typed before the department was picked anywhere: the alias alone places them in it.
    await _workplace(coalition, coalition.other, "tchd")
    poll = await create_poll(coalition, one_per_department="replace", secret=False)

    await vote(coalition, coalition.member, poll, [0])
    second = await vote(coalition, coalition.other, poll, [2])

    assert "replaces the ballot your health department had cast" in said(second)
    (ballot,) = await ballots(coalition, poll.id)
    assert (ballot.voter_id, ballot.organization_key) == (coalition.other.id, f"department:{travis}")


async def test_department_poll_tells_a_member_without_a_department_how_to_pick_one(coalition: Coalition):
    await _add_travis(coalition)
    await _workplace(coalition, coalition.member, "Eastside Clinic")
    poll = await create_poll(coalition, one_per_department="refuse")

    refused = await vote(coalition, coalition.member, poll, [0])

    assert "pick it with `/profile edit department:`" in said(refused)
    assert await ballots(coalition, poll.id) == []


async def test_a_members_data_export_names_their_department(coalition: Coalition):
    travis = await _add_travis(coalition)
    await coalition.member.slash(coalition.general, "profile edit", department=str(travis))

    async with coalition.bot.database.session() as session:
        export = await privacy.export_member(session, coalition.guild.id, coalition.member.id)

    assert export["profile"]["health_department"] == TRAVIS
