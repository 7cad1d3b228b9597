"""The department name fold and the CSV reader: plain rules, no Discord, no database."""

from __future__ import annotations

import pytest

from cogs.departments.rules import department_key, parse_csv, split_aliases


@pytest.mark.parametrize(
    "typed",
    [
        "Travis County Health Department",
        "Travis County HD",
        "travis county health dept.",
        "Travis Co. Health Dept",
        "TRAVIS COUNTY PUBLIC HEALTH",
        "Dept. of Health, Travis County",
        "  Travis   County  Department of Public Health ",
        "Travis County DPH",
    ],
)
def test_spellings_of_one_department_fold_to_one_key(typed):
    assert department_key(typed) == "travis"


def test_distinctive_words_keep_departments_apart():
    assert department_key("Austin Public Health") == "austin"
    assert department_key("Travis County HD") != department_key("Austin Public Health")
    assert department_key("Baltimore City Health Department") == "baltimore city"
    assert department_key("Baltimore County Department of Health") == "baltimore"
    assert department_key("Health & Human Services, Travis County") == "human services travis"


def test_a_name_of_generic_words_only_still_has_a_key():
    assert department_key("Public Health Department") == "public health department"
    assert department_key("Dept. of Health") == department_key("DOH") == "department health"
    assert department_key("  ") == ""


def test_aliases_are_split_on_bars_and_blanks_dropped():
    assert split_aliases(" Travis County HD |  | TCHD ") == ["Travis County HD", "TCHD"]
    assert split_aliases(None) == []


def test_csv_rows_are_read_and_bad_rows_reported_by_line():
    text = (
        "name,aliases\n"
        "Travis County Health Department,Travis County HD|Austin Public Health\n"
        ",orphan alias\n"
        "\n"
        "Fulton County Board of Health\n"
        "A,B,C\n"
        f"{'x' * 121},\n"
    )

    rows, rejected = parse_csv(text)

    assert [(r.line, r.name, r.aliases) for r in rows] == [
        (2, "Travis County Health Department", ("Travis County HD", "Austin Public Health")),
        (5, "Fulton County Board of Health", ()),
    ]
    assert [(r.line, r.reason) for r in rejected] == [
        (3, "has no department name"),
        (6, "has more than two columns (put every alias in the second, `|`)"),
        (7, "has a name or alias of 121 characters (at most 120)"),
    ]
