"""Persistent custom ids: declared once, built and read back with typed fields, within Discord's limits."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cogs
from bot.ui import BIGINT_MAX, CUSTOM_ID_LIMIT, IdSpec, InvalidId, PersistentItem, PersistentModal

# Examples run on a shared, loaded machine in CI: judge them by their outcome, never by their speed.
NO_DEADLINE = settings(deadline=None)

EVERY_KIND = IdSpec("test:{number:int}:{code:code}:{word:word}:{action:ready|decline}[:{extra:int}]")


def parse(spec: IdSpec, custom_id: str) -> dict[str, Any]:
    match = spec.pattern.fullmatch(custom_id)
    assert match is not None, f"{custom_id!r} does not match {spec.spec!r}"
    return spec.parse(match)


# ------------------------------------------------------------------------------ build and parse


def test_every_kind_round_trips():
    values = {"number": 42, "code": "0az", "word": "a_b-9", "action": "decline", "extra": 7}

    custom_id = EVERY_KIND.build(**values)

    assert custom_id == "test:42:0az:a_b-9:decline:7"
    assert parse(EVERY_KIND, custom_id) == values


def test_an_absent_optional_segment_is_left_out_and_reads_back_as_none():
    custom_id = EVERY_KIND.build(number=1, code="", word="w", action="ready")

    assert custom_id == "test:1::w:ready"
    assert parse(EVERY_KIND, custom_id)["extra"] is None


def test_an_optional_segment_with_two_fields_needs_both():
    spec = IdSpec("x:{a:int}[:{b:int}:{c:word}]")

    assert spec.build(a=1, b=2, c="z") == "x:1:2:z"
    assert spec.build(a=1, b=2, c=None) == "x:1"
    assert parse(spec, "x:1") == {"a": 1, "b": None, "c": None}
    assert spec.pattern.fullmatch("x:1:2") is None


def test_literal_text_after_fields_is_part_of_the_id():
    spec = IdSpec("poll:vote:{poll_id:int}:rank")

    assert spec.build(poll_id=5) == "poll:vote:5:rank"
    assert spec.pattern.fullmatch("poll:vote:5:ranked") is None
    assert spec.prefix == "poll:vote:"


def test_a_choice_accepts_only_its_options():
    assert EVERY_KIND.pattern.fullmatch("test:1::w:maybe") is None
    with pytest.raises(ValueError, match="does not fit"):
        EVERY_KIND.build(number=1, code="", word="w", action="maybe")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"number": 1, "code": "", "word": "w"}, "missing"),
        ({"number": 1, "code": "", "word": "w", "action": "ready", "other": 1}, "unexpected"),
        ({"number": -1, "code": "", "word": "w", "action": "ready"}, "not a number"),
        ({"number": BIGINT_MAX + 1, "code": "", "word": "w", "action": "ready"}, "not a number"),
        ({"number": "12", "code": "", "word": "w", "action": "ready"}, "not a number"),
        ({"number": 1, "code": "UPPER", "word": "w", "action": "ready"}, "does not fit"),
        ({"number": 1, "code": "", "word": "has:colon", "action": "ready"}, "does not fit"),
        ({"number": 1, "code": "z" * 26, "word": "w", "action": "ready"}, "does not fit"),
    ],
)
def test_values_that_would_not_read_back_are_refused_when_building(values, message):
    with pytest.raises(ValueError, match=message):
        EVERY_KIND.build(**values)


def test_the_id_may_be_exactly_100_characters_but_not_more():
    spec = IdSpec("t:{a:word}:{b:word}:{c:word}:{d:word}")
    words = {"a": "a" * 32, "b": "b" * 32, "c": "c" * 30, "d": "d"}

    assert len(spec.build(**words)) == CUSTOM_ID_LIMIT
    with pytest.raises(ValueError, match="too long"):
        spec.build(**{**words, "d": "dd"})


@pytest.mark.parametrize("spec", ["t:{a:int}:{a:int}", "t:{A:int}", "t:{a}"])
def test_malformed_declarations_fail_at_import(spec):
    with pytest.raises(ValueError, match=r"twice|bad field"):
        IdSpec(spec)


# ------------------------------------------------------------------------------ untrusted ids


def test_the_largest_bigint_is_read():
    assert parse(EVERY_KIND, f"test:{BIGINT_MAX}::w:ready")["number"] == BIGINT_MAX


@pytest.mark.parametrize("number", [str(BIGINT_MAX + 1), "99999999999999999999"])
def test_numbers_beyond_bigint_are_an_invalid_id(number):
    with pytest.raises(InvalidId, match="number out of range"):
        parse(EVERY_KIND, f"test:{number}::w:ready")


def test_an_optional_number_beyond_bigint_is_an_invalid_id():
    with pytest.raises(InvalidId, match="extra out of range"):
        parse(EVERY_KIND, "test:1::w:ready:99999999999999999999")


@pytest.mark.parametrize(
    "custom_id",
    [
        "test:\u0661\u0662::w:ready",  # Arabic-Indic digits
        "test:1:: w:ready",
        "test:123456789012345678901::w:ready",  # 21 digits
        "test:-1::w:ready",
        "test:1::w:ready:",
        "TEST:1::w:ready",
    ],
)
def test_ids_outside_the_declared_shape_do_not_match(custom_id):
    assert EVERY_KIND.pattern.fullmatch(custom_id) is None


# ------------------------------------------------------------------------------ every declaration


def _declared() -> list[IdSpec]:
    for module in pkgutil.walk_packages(cogs.__path__, "cogs."):
        importlib.import_module(module.name)
    importlib.import_module("bot.paginator")
    found: list[IdSpec] = []
    pending: list[type] = [PersistentItem]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if "id_spec" in cls.__dict__:
            found.append(cls.__dict__["id_spec"])
    found += [form.id_spec for form in PersistentModal._registry]
    return found


DECLARED = _declared()


def _longest(spec: IdSpec) -> str:
    widest = {"int": BIGINT_MAX, "code": "z" * 25, "word": "w" * 32}
    values = {name: widest.get(kind, max(kind.split("|"), key=len)) for name, kind in spec.kinds.items()}
    return spec.build(**values)


@pytest.mark.parametrize("spec", DECLARED, ids=lambda spec: spec.spec)
def test_every_declared_id_fits_discord_at_its_longest(spec):
    assert len(_longest(spec)) <= CUSTOM_ID_LIMIT


@pytest.mark.parametrize("spec", DECLARED, ids=lambda spec: spec.spec)
def test_no_other_declaration_claims_a_declared_id(spec):
    custom_id = _longest(spec)
    claimed_by = [
        other.spec for other in DECLARED if other is not spec and other.pattern.fullmatch(custom_id)
    ]

    assert claimed_by == []


# ------------------------------------------------------------------------------ property-based

SPECS = [EVERY_KIND, IdSpec("x:{a:int}[:{b:int}:{c:word}]"), *DECLARED]


def _value(kind: str, optional: bool) -> st.SearchStrategy[Any]:
    strategies: dict[str, st.SearchStrategy[Any]] = {
        "int": st.integers(0, BIGINT_MAX),
        "code": st.from_regex(r"[0-9a-z]{0,25}", fullmatch=True),
        "word": st.from_regex(r"[a-z0-9_-]{1,32}", fullmatch=True),
    }
    value = strategies.get(kind, st.sampled_from(kind.split("|")))
    return st.one_of(st.none(), value) if optional else value


@st.composite
def spec_and_values(draw: st.DrawFn) -> tuple[IdSpec, dict[str, Any]]:
    spec = draw(st.sampled_from(SPECS))
    values = {name: draw(_value(kind, name in spec.optional)) for name, kind in spec.kinds.items()}
    return spec, values


@NO_DEADLINE
@given(spec_and_values())
def test_an_id_reads_back_as_the_values_it_was_built_from(case):
    spec, values = case
    try:
        custom_id = spec.build(**values)
    except ValueError as refused:
        assert "too long" in str(refused)  # noqa: PT017 (the only refusal typed values can meet)
        return
    parsed = parse(spec, custom_id)
    for name in spec.optional:
        # A bracket is all or nothing: when one of its fields is None, the others read back as None too.
        if parsed[name] is None:
            values[name] = None
    assert parsed == values


@st.composite
def matching_id(draw: st.DrawFn) -> tuple[IdSpec, re.Match[str]]:
    spec = draw(st.sampled_from(SPECS))
    custom_id = draw(st.from_regex(spec.pattern, fullmatch=True))
    match = spec.pattern.fullmatch(custom_id)
    assert match is not None
    return spec, match


@NO_DEADLINE
@given(matching_id())
@example((EVERY_KIND, EVERY_KIND.pattern.fullmatch("test:99999999999999999999::w:ready")))
def test_parsing_a_matched_id_returns_fields_or_raises_invalid_id_only(case):
    spec, match = case
    try:
        fields = spec.parse(match)
    except InvalidId:
        return
    assert set(fields) == set(spec.kinds)
    for name, kind in spec.kinds.items():
        if kind == "int" and fields[name] is not None:
            assert 0 <= fields[name] <= BIGINT_MAX
