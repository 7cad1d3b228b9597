"""Reach through SimCord: members report what they published, organizers read it, export it and chart it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import discord
import pytest
from sqlalchemy import select

from db import campaigns
from db.campaigns import Campaign
from db.campaigns.reach import CampaignPost
from tests.conftest import Coalition


def _at(**delta: float) -> str:
    return (discord.utils.utcnow() + timedelta(**delta)).strftime("%Y-%m-%d %H:%M")


async def _campaign(coalition: Coalition, slots: dict[str, int]) -> Campaign:
    res = await coalition.organizer.slash(
        coalition.general,
        "campaign create",
        title="Heat safety week",
        description="Op-eds and posts on extreme heat and health.",
        start=_at(days=10),
        end=_at(days=11),
        signup_deadline=_at(days=9),
    )
    assert "Created" in res.response.content, res.response.content
    async with coalition.bot.database.session() as session:
        (campaign,) = await campaigns.list_campaigns(session, coalition.guild.id, include_closed=True)
    for name, capacity in slots.items():
        added = await coalition.organizer.slash(
            coalition.general, "campaign slot add", campaign=str(campaign.id), name=name, capacity=capacity
        )
        assert "Added" in added.response.content, added.response.content
    posted = await coalition.organizer.slash(coalition.general, "campaign post", campaign=str(campaign.id))
    assert "Posted" in posted.response.content
    return campaign


def _card(coalition: Coalition) -> discord.Message:
    card = coalition.channels["campaigns"].last_message
    assert card is not None
    return card


def _labels(message: discord.Message) -> list[str]:
    return [c.label for row in message.components for c in row.children]  # type: ignore[attr-defined]


async def _report(coalition: Coalition, actor: object, campaign: Campaign, url: str, **extra: str) -> str:
    res = await actor.slash(  # type: ignore[attr-defined]
        coalition.general, "campaign posted", campaign=str(campaign.id), url=url, **extra
    )
    return str(res.response.content)


async def _stored(coalition: Coalition) -> list[CampaignPost]:
    async with coalition.bot.database.session() as session:
        return list(await session.scalars(select(CampaignPost).order_by(CampaignPost.id)))


async def test_confirmed_member_reports_a_post_once_per_link_with_its_platform(coalition: Coalition) -> None:
    campaign = await _campaign(coalition, {"Author": 2})
    await coalition.member.click(_card(coalition), label="Sign up: Author")

    said = await _report(
        coalition,
        coalition.member,
        campaign,
        "https://bsky.app/profile/marcus/post/3k?utm_source=x",
        note="Thread",
    )
    assert "Bluesky" in said
    assert "counted" in said
    again = await _report(coalition, coalition.member, campaign, "https://BSKY.app/profile/marcus/post/3k/")
    assert "already reported" in again
    (post,) = await _stored(coalition)
    assert (post.user_id, post.platform, post.slot_name, post.note) == (
        coalition.member.id,
        "bluesky",
        "Author",
        "Thread",
    )
    assert "utm_source" not in post.url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://localhost/post", "private or local"),
        ("https://10.0.0.5/post", "private or local"),
        ("http://169.254.169.254/latest/meta-data", "private or local"),
        ("https://[::1]/x", "private or local"),
        ("ftp://example.org/file", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("not a link", "spaces"),
        ("https://nodot/post", "no website name"),
    ],
)
async def test_non_public_or_malformed_links_are_refused(coalition: Coalition, url: str, why: str) -> None:
    campaign = await _campaign(coalition, {"Author": 2})
    await coalition.member.click(_card(coalition), label="Sign up: Author")
    said = await _report(coalition, coalition.member, campaign, url)
    assert why in said, said
    assert await _stored(coalition) == []


async def test_only_confirmed_members_report_posts(coalition: Coalition) -> None:
    campaign = await _campaign(coalition, {"Author": 1})
    await coalition.member.click(_card(coalition), label="Sign up: Author")
    await coalition.other.click(_card(coalition), label="Join waitlist: Author")
    said = await _report(coalition, coalition.other, campaign, "https://x.com/priya/status/1")
    assert "Only members confirmed" in said
    assert await _stored(coalition) == []


async def test_i_posted_button_appears_once_someone_is_confirmed_and_its_form_records_the_post(
    coalition: Coalition, make_bot
) -> None:  # type: ignore[no-untyped-def]
    await _campaign(coalition, {"Author": 2})
    assert "I posted" not in _labels(_card(coalition))
    await coalition.member.click(_card(coalition), label="Sign up: Author")
    await coalition.env.settle()
    assert "I posted" in _labels(_card(coalition))

    shown = await coalition.member.click(_card(coalition), label="I posted")
    assert shown.modal is not None
    await coalition.env.restart_bot(make_bot())  # the open form survives a restart
    done = await coalition.member.submit_modal(
        shown,
        {"campaign:posted:url": "https://www.nytimes.com/2026/12/heat.html", "campaign:posted:note": ""},
    )
    assert "News site" in done.response.content
    (post,) = await _stored(coalition)
    assert post.platform == "news"

    stranger = await coalition.other.click(_card(coalition), label="I posted")
    refused = await coalition.other.submit_modal(
        stranger, {"campaign:posted:url": "https://x.com/priya/status/2", "campaign:posted:note": ""}
    )
    assert "Only members confirmed" in refused.response.content


async def test_reach_counts_posts_per_slot_and_platform_with_a_chart_and_the_export(
    coalition: Coalition,
) -> None:
    campaign = await _campaign(coalition, {"Author": 2, "Amplifier": 2})
    sam = coalition.guild.add_member(coalition.env.create_user("sam"))  # type: ignore[attr-defined]
    await coalition.env.settle()
    await coalition.member.click(_card(coalition), label="Sign up: Author")
    await coalition.other.click(_card(coalition), label="Sign up: Amplifier")
    await sam.click(_card(coalition), label="Sign up: Amplifier")
    for url in ("https://x.com/marcus/status/1", "https://www.startribune.com/heat/2"):
        assert "counted" in await _report(coalition, coalition.member, campaign, url)
    assert "counted" in await _report(coalition, coalition.other, campaign, "https://x.com/priya/status/9")

    refused = await coalition.member.slash(coalition.general, "campaign reach", campaign=str(campaign.id))
    assert "Only organizers" in refused.response.content
    res = await coalition.organizer.slash(coalition.general, "campaign reach", campaign=str(campaign.id))
    embed = res.response.embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    assert "**3** post(s) reported by **2** member(s)" in (embed.description or "")
    assert fields["Per slot"] == "Author: **2**\nAmplifier: **1**"
    assert fields["Per platform"] == "X: **2**\nNews site: **1**"
    assert fields["Posted (2)"] == f"<@{coalition.member.id}> (2), <@{coalition.other.id}> (1)"
    assert fields["Confirmed, not posted yet (1)"] == f"<@{sam.id}>"
    chart = res.response.attachments[0]
    assert chart.filename == f"campaign-{campaign.id}-reach.png"
    assert (await chart.read()).startswith(b"\x89PNG")

    export = await coalition.organizer.slash(coalition.general, "campaign export", campaign=str(campaign.id))
    assert "3 reported posts" in export.response.content
    posts_file = export.response.attachments[1]
    assert posts_file.filename == f"campaign-{campaign.id}-posts.csv"
    rows = list(csv.reader(io.StringIO((await posts_file.read()).decode())))
    assert rows[0] == ["member id", "slot", "platform", "link", "note", "reported at"]
    assert sorted((row[0], row[2]) for row in rows[1:]) == sorted(
        [(str(coalition.member.id), "x"), (str(coalition.member.id), "news"), (str(coalition.other.id), "x")]
    )


async def test_reach_with_no_posts_lists_every_confirmed_member_as_not_yet(coalition: Coalition) -> None:
    campaign = await _campaign(coalition, {"Author": 2})
    await coalition.member.click(_card(coalition), label="Sign up: Author")
    res = await coalition.organizer.slash(coalition.general, "campaign reach", campaign=str(campaign.id))
    embed = res.response.embeds[0]
    assert "**0** post(s)" in (embed.description or "")
    assert embed.fields[-1].value == f"<@{coalition.member.id}>"
    assert not res.response.attachments


async def test_roll_call_summary_counts_the_reported_posts(coalition: Coalition) -> None:
    campaign = await _campaign(coalition, {"Author": 2})
    await coalition.member.click(_card(coalition), label="Sign up: Author")
    await _report(coalition, coalition.member, campaign, "https://www.youtube.com/watch?v=heat")
    opened = await coalition.organizer.slash(
        coalition.general, "campaign rollcall", campaign=str(campaign.id)
    )
    assert "Roll call posted" in opened.response.content, opened.response.content
    thread_message = coalition.channels["campaigns"].threads[-1].last_message  # type: ignore[attr-defined]
    closed = await coalition.organizer.click(thread_message, label="Close roll call")
    assert "Posts reported so far:** 1" in closed.response.content


async def test_member_data_export_holds_their_posts_and_forgetting_keeps_only_the_count(
    coalition: Coalition,
) -> None:
    from db import privacy

    campaign = await _campaign(coalition, {"Author": 2})
    await coalition.member.click(_card(coalition), label="Sign up: Author")
    await _report(
        coalition, coalition.member, campaign, "https://www.linkedin.com/posts/marcus-1", note="Mine"
    )
    async with coalition.bot.database.session() as session:
        exported = await privacy.export_member(session, coalition.guild.id, coalition.member.id)
    (post,) = exported["campaign_posts_reported"]
    assert (post["link"], post["platform"], post["note"]) == (
        "https://www.linkedin.com/posts/marcus-1",
        "linkedin",
        "Mine",
    )
    async with coalition.bot.database.session() as session:
        await privacy.forget_member(session, coalition.guild.id, coalition.member.id)
    (kept,) = await _stored(coalition)
    assert kept.user_id < 0
    assert (kept.url, kept.note, kept.platform) == ("", "", "linkedin")
    res = await coalition.organizer.slash(coalition.general, "campaign reach", campaign=str(campaign.id))
    assert "**1** post(s)" in (res.response.embeds[0].description or "")
