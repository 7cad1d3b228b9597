"""Search results page through the shared paginator's source, before and after a restart."""

from __future__ import annotations

import re

from bench.harness import burst, click_payload


def footer(shown) -> str:
    return shown.embeds[0].footer.text


def search_id_of(shown) -> int:
    for row in shown.components:
        for component in row["components"]:
            found = re.fullmatch(r"resources:jump:(\d+)", component["custom_id"])
            if found:
                return int(found[1])
    raise AssertionError("no jump select")


async def test_shared_paginator_arrows_turn_a_resource_search_even_after_a_restart(coalition, make_bot):
    env, member = coalition.env, coalition.member
    result = await member.slash(coalition.general, "resources search", query="health")
    shown = result.response
    pages = int(re.search(r"Page 1 of (\d+)", footer(shown)).group(1))
    search = search_id_of(shown)

    await env.restart_bot(make_bot())
    # A results message that carries the shared paginator's arrow in place of the feature's Next button.
    arrow = f"page:resources:{search}:2:next"
    await burst(
        env, [click_payload(env, member, shown.message, arrow, forge_from=f"resources:page:{search}:1:n")]
    )

    assert f"Page 3 of {pages}" in footer(shown)
    ids = {c["custom_id"] for row in shown.components for c in row["components"]}
    assert ids == {f"page:resources:{search}:1:prev", f"page:resources:{search}:3:next"}


async def test_shared_paginator_arrows_refuse_another_members_search(coalition):
    env = coalition.env
    result = await coalition.member.slash(coalition.general, "resources search", query="health")
    shown = result.response
    before = shown.embeds[0].to_dict()
    search = search_id_of(shown)

    arrow = f"page:resources:{search}:1:next"
    forged = click_payload(
        env, coalition.other, shown.message, arrow, forge_from=f"resources:page:{search}:1:n"
    )
    answer = await burst(env, [forged])

    # The arrow answers first (a deferred update), then the refusal follows, only for the clicker.
    (refusal,) = answer.results[0].followups
    assert "belong to another member's search" in refusal.content
    assert shown.embeds[0].to_dict() == before
