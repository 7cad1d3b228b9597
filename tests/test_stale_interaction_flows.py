"""Components and forms the bot cannot act on get a plain answer, never "This interaction failed"."""

from __future__ import annotations

from typing import Any

import pytest
from simcord import interactions as sim_interactions
from simcord.enums import ComponentType, InteractionType
from simcord.results import InteractionResult

from bench.harness import burst, click_payload
from bot.ui import STALE_CONTROL, STALE_FORM
from tests.conftest import Coalition

TOO_BIG = "99999999999999999999"  # 20 digits: past PostgreSQL's BIGINT


async def _card(coalition: Coalition, custom_id: str, *, select: bool = False) -> Any:
    """A message from the bot in #general carrying one control with this id (as an old card would)."""
    backend = coalition.env.backend
    control: dict[str, Any] = (
        {
            "type": 3,
            "custom_id": custom_id,
            "options": [{"label": "A", "value": "0"}, {"label": "B", "value": "1"}],
        }
        if select
        else {"type": 2, "style": 1, "label": "Vote", "custom_id": custom_id}
    )
    backend.create_message(
        coalition.general.id,
        backend.bot_user.id,
        "An old card",
        components=[{"type": 1, "components": [control]}],
    )
    await coalition.env.settle()
    return coalition.general.last_message


def _answer(result: InteractionResult) -> str:
    assert result.acknowledged, "the member would see 'This interaction failed'"
    assert result.ephemeral
    assert result.response is not None
    return result.response.content


@pytest.mark.parametrize(
    "custom_id",
    [
        "legacy:signup:12",  # a feature that no longer exists
        "poll:vote:abc:0",  # a known prefix whose fields do not parse
        f"poll:vote:{TOO_BIG}:0",  # the declared shape, but a number the database cannot hold
        f"page:resources:{TOO_BIG}:1:next",
        "page:no-such-list:1:1:next",  # a paged list this version does not have
    ],
    ids=["unknown", "malformed", "bigint-vote", "bigint-page", "unknown-list"],
)
async def test_a_button_the_bot_cannot_act_on_gets_a_plain_answer(coalition: Coalition, custom_id):
    card = await _card(coalition, custom_id)

    result = await coalition.member.click(card, custom_id=custom_id)

    assert _answer(result) == STALE_CONTROL


async def test_a_typed_id_for_nothing_that_exists_is_answered_by_its_feature(coalition: Coalition):
    custom_id = "poll:vote:0000:0"  # the declared shape, leading zeros and all, for a poll that never was
    card = await _card(coalition, custom_id)

    result = await coalition.member.click(card, custom_id=custom_id)

    assert "does not exist in this server" in _answer(result)


async def test_a_select_with_a_number_past_bigint_gets_a_plain_answer(coalition: Coalition):
    custom_id = f"poll:vote:{TOO_BIG}"
    card = await _card(coalition, custom_id, select=True)

    result = await coalition.member.select(card, ["1"], custom_id=custom_id)

    assert _answer(result) == STALE_CONTROL


@pytest.mark.parametrize(
    "forged",
    ["legacy:signup:12", f"poll:vote:{TOO_BIG}:0", "poll:vote:1:0", "poll:vote:1:0:" + "x" * 120],
    ids=["unknown", "bigint", "real-shape", "overlong"],
)
async def test_a_forged_id_not_on_the_clicked_message_gets_a_plain_answer(coalition: Coalition, forged):
    card = await _card(coalition, "legacy:decoy:1")

    (result,) = (
        await burst(coalition.env, [click_payload(coalition.env, coalition.member, card, forged)])
    ).results

    assert _answer(result) == STALE_CONTROL


def _form_payload(coalition: Coalition, custom_id: str, typed: dict[str, str]) -> tuple[Any, dict[str, Any]]:
    rows = [
        {"type": 1, "components": [{"type": ComponentType.TEXT_INPUT, "custom_id": key, "value": value}]}
        for key, value in typed.items()
    ]
    return sim_interactions.base_payload(
        coalition.env.backend,
        type=InteractionType.MODAL_SUBMIT,
        channel_id=coalition.general.id,
        guild_id=coalition.guild.id,
        user_id=coalition.member.id,
        data={"custom_id": custom_id, "components": rows},
    )


@pytest.mark.parametrize(
    "custom_id", ["legacy:form:3", f"profile:form:{TOO_BIG}", ""], ids=["unknown", "bigint", "empty"]
)
async def test_a_form_the_bot_does_not_know_is_answered_with_what_was_typed(coalition: Coalition, custom_id):
    typed = {"title": "Vaccine equity toolkit", "summary": "Line one\n```not code``` @everyone"}

    (result,) = (await burst(coalition.env, [_form_payload(coalition, custom_id, typed)])).results

    answer = _answer(result)
    assert answer.startswith(STALE_FORM)
    assert "Vaccine equity toolkit" in answer
    assert "Line one" in answer
    assert answer.count("```") == 4  # the typed backticks cannot close the quote early
    assert len(answer) <= 2000


async def test_an_empty_form_the_bot_does_not_know_gets_the_plain_answer(coalition: Coalition):
    (result,) = (await burst(coalition.env, [_form_payload(coalition, "legacy:form:3", {})])).results

    assert _answer(result) == STALE_CONTROL
