"""Every slash command answers (or defers) before it touches the database.

Each command is invoked once, by an organizer, with the simplest value for each required option: the
answer may well be a refusal (no campaign #1, a missing file), but what matters here is that the member's
first answer never waits on a statement, and a refusal read from the database waits just the same.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from tests.answer_first import AnswerFirst
from tests.conftest import Coalition
from tests.onboarding_helpers import join, last_dm, walk_to

# Commands whose first answer still waits on the database, in files another helper owns (command → owner).
OWNED_ELSEWHERE: dict[str, str] = {}  # /resources search was here until its owner deferred it first
# Options past the required ones, for branches a bare invocation does not reach.
EXTRA_RUNS: list[tuple[str, dict[str, Any]]] = [
    ("profile edit", {"directory": True}),
    ("profile edit", {"section": "interests"}),
    ("profile edit", {"department": "1"}),
]


def _commands(coalition: Coalition) -> list[app_commands.Command[Any, ..., Any]]:
    return [c for c in coalition.bot.tree.walk_commands() if isinstance(c, app_commands.Command)]


def _value(parameter: app_commands.Parameter, coalition: Coalition) -> object:
    if parameter.choices:
        return parameter.choices[0].value
    kind = parameter.type
    if kind is discord.AppCommandOptionType.integer:
        return max(1, int(parameter.min_value or 1))
    if kind is discord.AppCommandOptionType.number:
        return 1.0
    if kind is discord.AppCommandOptionType.boolean:
        return False
    if kind is discord.AppCommandOptionType.channel:
        return coalition.general
    if kind in (discord.AppCommandOptionType.user, discord.AppCommandOptionType.mentionable):
        return coalition.member
    if kind is discord.AppCommandOptionType.role:
        return coalition.guild.create_role("Epidemiologists")  # type: ignore[attr-defined]
    if kind is discord.AppCommandOptionType.attachment:
        return ("departments.csv", b"name,aliases\nCounty Health,CH\n")
    return "1" * max(1, int(parameter.min_value or 1))  # a string's min_value is its min length


async def _run(
    coalition: Coalition, answer_first: AnswerFirst, name: str, options: dict[str, Any]
) -> list[str]:
    answer_first.take()
    try:
        await coalition.organizer.slash(coalition.general, name, **options)  # type: ignore[attr-defined]
    except Exception as exc:  # a refusal SimCord re-raises is fine here: only the timing is checked
        if "Option" in type(exc).__name__:
            raise AssertionError(f"/{name}: could not build its options: {exc}") from exc
    return answer_first.violations(answer_first.take())


async def test_every_slash_command_answers_before_the_database(
    coalition: Coalition, answer_first: AnswerFirst
) -> None:
    commands = _commands(coalition)
    assert len(commands) > 40, "walk_commands found too few commands to be the bot's"
    violations: list[str] = []
    for command in commands:
        if command.qualified_name in OWNED_ELSEWHERE:
            continue
        options = {p.name: _value(p, coalition) for p in command.parameters if p.required}
        violations += await _run(coalition, answer_first, command.qualified_name, options)
    for name, options in EXTRA_RUNS:
        violations += await _run(coalition, answer_first, name, options)
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("name", sorted(OWNED_ELSEWHERE))
@pytest.mark.xfail(strict=True, reason="fixed by the owner named in OWNED_ELSEWHERE")
async def test_commands_owned_elsewhere_answer_before_the_database(
    coalition: Coalition, answer_first: AnswerFirst, name: str
) -> None:
    command = next(c for c in _commands(coalition) if c.qualified_name == name)
    options = {p.name: _value(p, coalition) for p in command.parameters if p.required}
    violations = await _run(coalition, answer_first, name, options)
    assert not violations, f"{OWNED_ELSEWHERE[name]}\n" + "\n".join(violations)


# The flow's buttons whose answer is a form filled in from the member's saved answers: a form cannot follow
# an acknowledgement, so these read first (cogs/onboarding/flow.py ANSWERED_WITH_A_FORM).
PREFILLED_FLOW_FORMS = ("onboarding:btn:about:", "onboarding:btn:workplace:")


async def test_every_onboarding_step_answers_before_the_database(
    coalition: Coalition, answer_first: AnswerFirst
) -> None:
    newcomer = await join(coalition, "nadia")
    summary = await walk_to(newcomer.user, last_dm(coalition, newcomer), "summary")
    await newcomer.user.click(summary, label="Confirm")
    seen = answer_first.take()
    clicked = {s.name.rsplit(":", 1)[0] for s in seen}
    assert {"onboarding:btn:begin", "onboarding:btn:agree", "onboarding:btn:confirm"} <= clicked, clicked
    assert any(s.name.startswith("onboarding:disc") for s in seen), clicked
    assert any(s.name.startswith("onboarding:modal") for s in seen), clicked
    late = [line for line in answer_first.violations(seen) if not line.startswith(PREFILLED_FLOW_FORMS)]
    assert not late, "\n".join(late)
