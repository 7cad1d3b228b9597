"""Free text members type: one validator per kind refuses blank and overlong text and strips what hides."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import text
from bot.errors import UserFacingError
from bot.text import (
    BIDI_CONTROLS,
    CODE_OF_CONDUCT,
    POLL_OPTION,
    POLL_QUESTION,
    DuplicateOption,
    TextField,
    TextRefused,
    channel_safe,
    clean_options,
    clean_text,
    same_option,
)
from db.models import metadata

# Examples run on a shared, loaded machine in CI: judge them by their outcome, never by their speed.
NO_DEADLINE = settings(deadline=None)

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u3164", "\u2800"]
SPACES = [" ", "\t", "\u00a0", "\u2003", "\u3000", "\n"]
MASKED_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")
MENTION = re.compile(r"<(@[!&]?|#|/)[^>]*>|@(everyone|here)")

# Every character that can hide, reorder or fake-blank text, for the property tests to sprinkle in.
hiding = st.sampled_from(sorted(BIDI_CONTROLS) + INVISIBLE + ["\x00", "\x1b", "\u0301", "\U000e0041"])
any_text = st.text(
    st.one_of(st.characters(), hiding, st.sampled_from(SPACES + list("[]()<>@#`*_"))), max_size=300
)


def test_every_field_is_one_user_facing_error_naming_it():
    with pytest.raises(TextRefused) as refused:
        POLL_QUESTION.clean("x" * 201)

    assert isinstance(refused.value, UserFacingError)
    assert refused.value.field == "Poll question"
    assert "**Poll question** is 201 characters long" in refused.value.message


def test_limit_holds_for_text_a_forged_modal_sends():
    with pytest.raises(TextRefused, match="keep it to 4000"):
        CODE_OF_CONDUCT.clean("Be kind. " * 1000)


def test_length_is_counted_after_cleaning():
    padded = "\u200b".join("Yes") + " " * 500

    assert POLL_OPTION.clean(padded) == "Yes"


@pytest.mark.parametrize(
    "blank", ["", "   ", "\u200b\u200b", "\u3164", "\u2800 \u2800", "\u202e\u202c", "\u0301"]
)
def test_text_blank_once_invisible_characters_go_is_refused(blank):
    with pytest.raises(TextRefused, match=r"\*\*Poll question\*\* cannot be blank"):
        POLL_QUESTION.clean(blank)


def test_optional_blank_text_is_none():
    assert text.PRONOUNS.clean_optional("\u200b ") is None
    assert text.PRONOUNS.clean_optional(None) is None


def test_minimum_length_names_the_field():
    with pytest.raises(TextRefused, match=r"\*\*Code of conduct\*\* needs at least 20 characters; it has 8"):
        CODE_OF_CONDUCT.clean("Be kind.")


def test_bidirectional_overrides_are_stripped():
    assert POLL_QUESTION.clean("Pay \u202egnp.exe\u202c now \u2066ok\u2069\u200f") == "Pay gnp.exe now ok"


def test_emoji_sequences_and_accents_survive():
    assert POLL_OPTION.clean("\U0001f469\u200d\u2695\ufe0f nurse") == "\U0001f469\u200d\u2695\ufe0f nurse"
    assert POLL_OPTION.clean("Jose\u0301") == "José"


def test_stacked_combining_marks_are_capped():
    assert len(POLL_OPTION.clean("a" + "\u0300" * 50)) == 5


def test_single_line_text_is_one_line_with_single_spaces():
    assert POLL_QUESTION.clean("  Which\n\n day\t\u00a0works? ") == "Which day works?"


def test_multiline_text_keeps_paragraphs_but_not_runs_of_blank_lines():
    assert (
        CODE_OF_CONDUCT.clean("Rule one.   \r\n\r\n\r\n\r\n  - be kind\u200b\n") == "Rule one.\n\n  - be kind"
    )


def test_null_bytes_never_reach_the_database():
    assert "\x00" not in POLL_QUESTION.clean("What\x00 now?")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Yes", "yes"),
        ("Yes", "  Yes "),
        ("Yes", "Y\u200bes"),
        ("Yes", "\u202eYes"),
        ("Tue 9am", "tue  9AM"),
        ("Yes", "\uff39\uff45\uff53"),
    ],
)
def test_options_differing_only_by_invisible_characters_case_or_spacing_are_the_same(first, second):
    assert same_option(first, second)


def test_different_options_are_different():
    assert not same_option("Yes", "No")
    assert not same_option("Resume", "Résumé")


def test_duplicate_options_are_refused_naming_both():
    with pytest.raises(DuplicateOption, match="“Y\u200des” is the same as “Yes”"):
        clean_options(["Yes", "No", "Y\u200des"])


def test_duplicate_hidden_by_zero_width_space_is_refused():
    with pytest.raises(DuplicateOption):
        clean_options(["Yes", "Y\u200bes"])


def test_clean_options_cleans_each_option():
    assert clean_options([" Yes ", "\u202eNo"]) == ["Yes", "No"]


def test_channel_name_cannot_form_a_masked_link_or_mention():
    name = channel_safe("[free vaccine](https://evil.example) <@123> <@&4> <#5> </x:6> @everyone @here")

    assert not MASKED_LINK.search(name)
    assert not MENTION.search(name)
    assert "free vaccine" in name


def test_channel_name_is_cut_to_discord_limit():
    name = channel_safe("Roll call: " + "x" * 200)

    assert len(name) == 100
    assert name.endswith("…")


def test_blank_channel_name_is_refused():
    with pytest.raises(TextRefused, match="Thread name"):
        channel_safe("\u200b\u202e", label="Thread name")


TABLE_COLUMNS = {
    text.DISPLAY_NAME: ("member_profile", "display_name"),
    text.JOB_TITLE: ("member_profile", "job_title"),
    text.PRONOUNS: ("member_profile", "pronouns"),
    text.ORGANIZATION: ("member_profile", "organization"),
    text.JURISDICTION: ("member_profile", "jurisdiction"),
    text.STATE: ("member_profile", "state"),
    text.CODE_OF_CONDUCT: ("guild_config", "code_of_conduct"),
    text.CAMPAIGN_TITLE: ("campaign", "title"),
    text.CAMPAIGN_DESCRIPTION: ("campaign", "description"),
    text.SLOT_NAME: ("campaign_slot", "name"),
    text.LINK_TITLE: ("campaign_link", "title"),
    text.POLL_QUESTION: ("poll", "question"),
    text.RESOURCE_TITLE: ("resource", "title"),
    text.RESOURCE_SUMMARY: ("resource", "summary"),
    text.RESOURCE_PUBLISHER: ("resource", "publisher"),
    text.REJECTION_REASON: ("resource", "reject_reason"),
    text.DISCIPLINE_NAME: ("discipline", "name"),
}


@pytest.mark.parametrize("field", list(TABLE_COLUMNS), ids=lambda field: field.label)
def test_every_limit_fits_its_database_column(field):
    table, column = TABLE_COLUMNS[field]
    length = getattr(metadata.tables[table].c[column].type, "length", None)

    assert length is None or field.max_length <= length


# ------------------------------------------------------------------------------ property-based


def _forbidden(char: str, *, multiline: bool) -> bool:
    category = unicodedata.category(char)
    if char == "\n":
        return not multiline
    return (
        char in BIDI_CONTROLS
        or category in ("Cc", "Cs", "Zl", "Zp")
        or (category == "Cf" and char not in "\u200c\u200d")
        or (char.isspace() and char != " ")
    )


@NO_DEADLINE
@given(any_text, st.booleans())
@example("e\u200b\u0301", False)
@example("a \u200d b", True)
def test_cleaned_text_holds_nothing_hidden_and_cleaning_twice_changes_nothing(value, multiline):
    cleaned = clean_text(value, multiline=multiline)

    assert not any(_forbidden(char, multiline=multiline) for char in cleaned)
    assert cleaned == cleaned.strip()
    assert clean_text(cleaned, multiline=multiline) == cleaned
    assert cleaned == "" or text.has_visible(cleaned)


@NO_DEADLINE
@given(any_text, st.integers(min_value=1, max_value=120), st.booleans())
def test_a_field_returns_text_within_its_limit_or_refuses_with_a_user_facing_error(value, limit, multiline):
    field = TextField("Field", limit, multiline=multiline)
    outcome: str | TextRefused
    try:
        outcome = field.clean(value)
    except TextRefused as refused:
        outcome = refused
    if isinstance(outcome, TextRefused):
        assert "**Field**" in outcome.message
    else:
        assert 1 <= len(outcome) <= limit
        assert not BIDI_CONTROLS & set(outcome)


def _same_case(variant: str, char: str) -> bool:
    # Not every upper or lower form folds back (the dotless i, U+0131, upper-cases to I): only those are case variants.
    return variant.casefold() == char.casefold()


@NO_DEADLINE
@given(st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=30), st.data())
def test_hiding_characters_case_and_spacing_never_make_an_option_different(option, data):
    noisy = "".join(
        data.draw(st.sampled_from([v for v in (char, char.upper(), char.lower()) if _same_case(v, char)]))
        + data.draw(st.text(st.sampled_from(sorted(BIDI_CONTROLS) + INVISIBLE[:6]), max_size=2))
        for char in option
    )
    padded = data.draw(st.sampled_from(SPACES)) + noisy + data.draw(st.sampled_from(SPACES))

    assert same_option(option, padded)


@NO_DEADLINE
@given(any_text, any_text)
def test_same_option_is_symmetric_and_reflexive(first, second):
    assert same_option(first, first)
    assert same_option(first, second) == same_option(second, first)


@NO_DEADLINE
@given(any_text)
@example("[a](https://x.example)")
@example("<@123>@everyone<#4>")
@example("[" + "\u200b" + "a](b)")
def test_no_typed_name_forms_a_masked_link_or_a_mention(value):
    try:
        name = channel_safe(value)
    except TextRefused:
        return
    assert not MASKED_LINK.search(name)
    assert not MENTION.search(name)
    assert not {"[", "<", "@"} & set(name)
    assert not BIDI_CONTROLS & set(name)
    assert 1 <= len(name) <= 100
