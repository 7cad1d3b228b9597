"""Nothing the bot sends can ping @everyone, @here or a role, whatever a member typed."""

from __future__ import annotations

from tests.conftest import assert_bot_pinged_no_role_or_everyone
from tests.helpers import last_bot_message


async def test_typed_everyone_and_role_mentions_do_not_ping(coalition):
    role = coalition.guild.create_role("Epidemiologists", mentionable=True)
    hostile = f"@everyone @here <@&{role.id}> <@{coalition.member.id}> please read this code of conduct."
    shown = await coalition.organizer.slash(coalition.general, "setup code-of-conduct")
    await coalition.organizer.submit_modal(shown, {"setup:code_of_conduct:text": hostile})

    # The audit channel and the reply both carry the text's length; the check scans everything the bot sent.
    await coalition.organizer.slash(coalition.general, "setup show")
    audit = last_bot_message(coalition.env, coalition.channels["audit"])
    assert not audit.mention_everyone
    assert not audit.ping_role_ids
    assert not audit.ping_user_ids
    assert_bot_pinged_no_role_or_everyone(coalition.env)


async def test_the_bot_sets_safe_allowed_mentions_on_every_message(coalition):
    await coalition.organizer.slash(
        coalition.general, "setup channel", purpose="polls", channel=coalition.general
    )

    bodies = [
        request.json for request in coalition.env.http_requests if request.method == "POST" and request.json
    ]
    sent = [body.get("data", body) for body in bodies if "content" in body.get("data", body)]
    assert sent
    for body in sent:
        parse = body["allowed_mentions"]["parse"]
        assert "everyone" not in parse
        assert "roles" not in parse
