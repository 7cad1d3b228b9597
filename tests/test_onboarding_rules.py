"""The onboarding rules as plain functions: steps, field checks, pages, toggles, the funnel."""

from __future__ import annotations

from cogs.onboarding import steps
from db.members import ORGANIZATION_MAX


def test_steps_run_in_order_and_end_in_done():
    walked = ["welcome"]
    while walked[-1] != steps.DONE:
        walked.append(steps.next_step(walked[-1]))
    assert walked == [*steps.STEPS, steps.DONE]


def test_a_button_only_acts_on_its_own_step():
    assert steps.action_fits("agree", steps.CONDUCT)
    assert not steps.action_fits("agree", steps.ABOUT)
    assert not steps.action_fits("forged", steps.ABOUT)


def test_required_fields_must_not_be_blank_after_stripping():
    clean, problems = steps.validate_fields(
        steps.ABOUT_FIELDS, {"display_name": "  ", "job_title": " Nurse  ", "pronouns": ""}
    )
    assert problems == ["**Your name** is required: please fill it in."]
    assert clean["job_title"] == "Nurse"
    assert clean["pronouns"] is None


def test_a_300_character_organization_gets_a_clear_message():
    _, problems = steps.validate_fields(
        steps.WORKPLACE_FIELDS, {"organization": "x" * 300, "jurisdiction": "Travis", "state": "TX"}
    )
    assert problems == [
        f"**Organization or health department** is 300 characters long; please keep it to {ORGANIZATION_MAX} "
        "(an abbreviation is fine)."
    ]


def test_markdown_and_mentions_are_kept_as_given():
    clean, problems = steps.validate_fields(
        steps.ABOUT_FIELDS, {"display_name": "**Boss** @everyone", "job_title": "Lead"}
    )
    assert not problems
    assert clean["display_name"] == "**Boss** @everyone"


def test_pages_never_exceed_25_options():
    split = steps.pages(list(range(60)))
    assert [len(page) for page in split] == [25, 25, 10]
    assert steps.pages([]) == [[]]
    assert steps.clamp_page(9, 3) == 2


def test_picking_on_a_page_keeps_choices_from_other_pages():
    assert steps.pick_on_page({1, 30}, page_ids={1, 2, 3}, picked={2}) == {2, 30}


def test_panel_toggles_what_you_pick():
    assert steps.toggle({1, 2}, {2, 3}) == ({3}, {2})


def test_interests_cover_twelve_chapters_and_four_objectives():
    values = [option.value for option in steps.interest_options()]
    assert values[:12] == [f"chapter:{n}" for n in range(5, 17)]
    assert values[12:] == [f"objective:{n}" for n in range(1, 5)]
    assert all(len(option.label) <= 100 for option in steps.interest_options())
    assert steps.known_interests(["objective:2", "chapter:99", "chapter:5"]) == ["chapter:5", "objective:2"]


def test_funnel_lists_each_step_between_started_and_finished():
    rows = steps.funnel(10, 8, 3, {"about": 4, "summary": 1})
    labels = [row.label for row in rows]
    assert labels[:2] == ["Joined", "Started"]
    assert labels[-1] == "Finished"
    assert {row.label: row.count for row in rows}["Stopped at: About you"] == 4
    assert steps.bar(5, 10, width=10) == "█████░░░░░"
