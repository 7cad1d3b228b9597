"""Poll rules as plain functions: counting, instant runoff, options, closing times, ballots, the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.text import TextRefused
from bot.timeparse import TimeError, parse_when, parse_zone
from cogs.polls import rules, tally
from cogs.polls.chart import render_results_chart, results_figure
from cogs.polls.export import csv_cell as _csv_cell

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
A, B, C, D = range(4)


# ----------------------------------------------------------------------------- instant runoff


def test_runoff_majority_winner_in_round_one():
    ballots = [[A, B], [A, C], [A], [B, A], [C]]

    result = tally.instant_runoff(3, ballots)

    assert result.winner == A
    assert len(result.rounds) == 1
    assert result.rounds[0].counts == {A: 3, B: 1, C: 1}


def test_runoff_elimination_changes_the_winner():
    # A leads on first preferences, but C's voters prefer B to A.
    ballots = [[A]] * 4 + [[B, A]] * 3 + [[C, B]] * 2

    result = tally.instant_runoff(3, ballots)

    assert tally.leaders(tally.count_choices(3, [b[:1] for b in ballots])) == [A]
    assert result.winner == B
    assert [r.eliminated for r in result.rounds] == [C, None]
    assert result.rounds[1].counts == {A: 4, B: 5}


def test_runoff_tie_for_last_eliminates_fewer_first_preferences():
    # Round 2: B and C both have 3; C had fewer first preferences (2 against 3), so C goes out.
    ballots = [[A]] * 4 + [[B]] * 3 + [[C, B]] * 2 + [[D, C, B]]

    result = tally.instant_runoff(4, ballots)

    assert result.rounds[0].eliminated == D
    assert not result.rounds[0].tie_broken
    assert result.rounds[1].counts == {A: 4, B: 3, C: 3}
    assert result.rounds[1].eliminated == C
    assert result.rounds[1].tie_broken
    assert result.winner == B


def test_runoff_says_which_part_of_the_tie_rule_decided():
    fewer_first = tally.instant_runoff(4, [[A]] * 4 + [[B]] * 3 + [[C, B]] * 2 + [[D, C, B]])
    listed_last = tally.instant_runoff(2, [[A], [B]])

    assert fewer_first.rounds[0].tie_reason is None
    assert fewer_first.rounds[1].tie_reason == tally.FEWER_FIRST_PREFERENCES
    assert listed_last.rounds[0].tie_reason == tally.LISTED_LAST


def test_ranked_outcome_keeps_the_first_preferences_for_the_bars():
    outcome = tally.outcome("ranked", 3, [[A]] * 4 + [[B, A]] * 3 + [[C, B]] * 2)

    assert outcome.first_preferences == [4, 3, 2]
    assert outcome.counts == [4, 5, 0]
    assert tally.outcome("single", 2, [[A], [A], [B]]).first_preferences == [2, 1]


def test_runoff_full_tie_eliminates_the_option_listed_last():
    result = tally.instant_runoff(2, [[A], [B]])

    assert result.rounds[0].eliminated == B
    assert result.rounds[0].tie_broken
    assert result.winner == A


def test_runoff_counts_exhausted_ballots_and_stops_on_a_majority_of_the_rest():
    ballots = [[A], [A], [B], [C]]

    result = tally.instant_runoff(3, ballots)

    # C goes out on the listed-last rule (B and C tie, equal first preferences); its ballot is exhausted.
    assert result.rounds[0].eliminated == C
    assert result.rounds[1].exhausted == 1
    assert result.winner == A


def test_runoff_without_ballots_has_no_winner():
    result = tally.instant_runoff(3, [])

    assert result.winner is None
    assert tally.outcome("ranked", 3, []).winners == []


# ----------------------------------------------------------------------------- plurality and quorum


def test_multiple_choice_counts_each_option_once_per_ballot():
    assert tally.count_choices(3, [[A, B], [B], [B, C], [A, A]]) == [2, 3, 1]


def test_plurality_tie_names_every_leader():
    outcome = tally.outcome("single", 3, [[A], [B]])

    assert outcome.winners == [A, B]
    assert outcome.tied


def test_quorum_not_met_below_the_number_of_ballots():
    assert not tally.outcome("single", 2, [[A]], quorum=2).quorum_met
    assert tally.outcome("single", 2, [[A], [B]], quorum=2).quorum_met
    assert tally.outcome("single", 2, [], quorum=None).quorum_met


def test_ranked_outcome_reports_the_final_round():
    outcome = tally.outcome("ranked", 3, [[A]] * 4 + [[B, A]] * 3 + [[C, B]] * 2)

    assert outcome.counts == [4, 5, 0]
    assert outcome.winners == [B]
    assert len(outcome.rounds) == 2


def test_bars_scale_to_the_largest_count():
    assert tally.bar(5, 10, width=10) == "█████░░░░░"
    assert tally.bar(0, 0, width=4) == "░░░░"


# ----------------------------------------------------------------------------- options and times


def test_twenty_five_options_are_accepted():
    options = rules.parse_options(" | ".join(f"Option {n}" for n in range(25)))

    assert len(options) == 25


def test_twenty_six_options_are_refused_with_a_clear_message():
    with pytest.raises(rules.PollRuleError, match="at most 25 options"):
        rules.parse_options(" | ".join(f"Option {n}" for n in range(26)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Yes", "at least 2"),
        ("Yes || No", "empty"),
        ("Yes | yes ", "listed twice"),
        ("Yes | " + "x" * 81, "80 characters"),
    ],
)
def test_bad_options_are_refused(text, message):
    with pytest.raises(rules.PollRuleError, match=message):
        rules.parse_options(text)


def test_invisible_and_direction_characters_never_reach_the_poll():
    options = rules.parse_options("Parks\u202e | \u200bTransit\u2066 | Hou\u00adsing")

    assert options == ["Parks", "Transit", "Housing"]
    assert rules.clean_question("Which \u202efirst?\u200f") == "Which first?"
    # Emoji built with the zero-width joiner keep it.
    assert rules.parse_options("\U0001f468\u200d\U0001f469\u200d\U0001f467 | B")[0].count("\u200d") == 2


@pytest.mark.parametrize(
    "text", ["Yes | Y\u200bes", "Yes | \u202eYES", "Yes | \uff39\uff45\uff53", "Yes | Yes\u2060"]
)
def test_options_differing_only_by_invisible_characters_are_duplicates(text):
    with pytest.raises(rules.PollRuleError, match="listed twice"):
        rules.parse_options(text)


@pytest.mark.parametrize("text", ["Yes | \u200b\u200b | No", "Yes | \u3164 | No", "\u202e | No"])
def test_an_option_of_invisible_characters_only_is_empty(text):
    with pytest.raises(rules.PollRuleError, match="empty"):
        rules.parse_options(text)


@pytest.mark.parametrize("text", ["\u200b\u200b", "\u202e \u2066", "\u3164"])
def test_a_question_of_invisible_characters_only_is_refused(text):
    with pytest.raises(TextRefused, match="cannot be blank"):
        rules.clean_question(text)


def test_options_may_be_one_per_line():
    assert rules.parse_options("Parks\nTransit\nHousing\n") == ["Parks", "Transit", "Housing"]


def _closing_time(text: str, zone: str | None = None) -> datetime:
    """A poll's closing time as `/poll create` reads it: the shared parser, then the poll's limits."""
    return rules.check_closing_time(parse_when(text, now=NOW, zone=parse_zone(zone)), NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2d", NOW + timedelta(days=2)),
        ("3h 30m", NOW + timedelta(hours=3, minutes=30)),
        ("1w", NOW + timedelta(weeks=1)),
        ("2026-12-01 17:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("<t:1796140800:F>", datetime.fromtimestamp(1796140800, UTC)),
    ],
)
def test_closing_times_are_read(text, expected):
    assert _closing_time(text) == expected


def test_closing_time_is_read_in_the_organizers_time_zone():
    # 17:00 in Chicago on 1 December (standard time, UTC-6) is 23:00 UTC.
    assert _closing_time("2026-12-01 17:00", "CT") == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert _closing_time("12/01/2026 5pm", "America/New_York") == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "could not read"),
        ("0m", "at least a minute"),
        ("2025-01-01", "at least a minute"),
        ("100d", "90 days"),
    ],
)
def test_bad_closing_times_are_refused(text, message):
    with pytest.raises((TimeError, rules.PollRuleError), match=message):
        _closing_time(text)


def test_ballot_checks_follow_the_poll_kind():
    assert rules.check_ballot("multiple", 5, 2, [3, 1]) == [3, 1]
    with pytest.raises(rules.PollRuleError, match="up to 2"):
        rules.check_ballot("multiple", 5, 2, [0, 1, 2])
    with pytest.raises(rules.PollRuleError, match="exactly one"):
        rules.check_ballot("single", 5, 1, [0, 1])
    with pytest.raises(rules.PollRuleError, match="only once"):
        rules.check_ballot("ranked", 5, 5, [0, 0])
    with pytest.raises(rules.PollRuleError, match="not on this poll"):
        rules.check_ballot("single", 5, 1, [7])


def test_picks_survive_the_custom_id_round_trip():
    picks = [24, 0, 13, 9]

    assert rules.decode_picks(rules.encode_picks(picks)) == picks
    assert len(rules.encode_picks(range(25))) == 25


def test_chart_is_a_png():
    png = render_results_chart("Which first?", ["Parks", "Transit"], [3, 5], winners=[1])

    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("text", ["Raise to $5^{ or keep $", "$x_$", "$5 or $10"])
def test_chart_with_dollar_signs_in_question_and_options_is_a_png(text):
    png = render_results_chart(text, [text, "Keep it"], [2, 1], winners=[0])

    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_chart_draws_dollar_amounts_as_written_not_as_math():
    figure = results_figure("$5 or $10?", ["$5 or $10", "Keep $0"], [2, 1], winners=[0])
    figure.canvas.draw()

    (axes,) = figure.axes
    texts = [axes.title, *axes.get_yticklabels()]
    assert [t.get_text() for t in texts] == ["$5 or $10?", "$5 or $10", "Keep $0"]
    assert not any(t.get_parse_math() for t in texts)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_poll_csv_cells_a_spreadsheet_would_run_are_quoted(text):
    assert _csv_cell(text) == "'" + text


def test_poll_csv_cells_of_plain_text_are_kept():
    assert _csv_cell("Parks and transit") == "Parks and transit"
