"""Resource addresses must be public websites: local and private addresses are refused everywhere,
and the link check never follows a redirect to one."""

from __future__ import annotations

import email.message
import io
import urllib.request
import urllib.response
from datetime import UTC, datetime

import pytest

from cogs.resources.cli import UnsafeRedirect, check_links, fetch_status, link_opener
from db import resources as store
from db.resources.urls import NOT_PUBLIC, InvalidUrl, check_url

GUILD = 555
NOW = datetime(2026, 3, 1, tzinfo=UTC)
METADATA = "http://169.254.169.254/latest/meta-data/"

REFUSED = [
    "http://127.0.0.1/",
    "http://127.8.9.10:8080/admin",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://10.0.0.1/",
    "http://10.255.255.254/x",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/router",
    "http://169.254.0.1/",
    METADATA,
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://localhost/",
    "http://LocalHost./x",
    "https://api.localhost/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "https://printer.local/",
    "https://example.org@127.0.0.1/",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # 127.0.0.1 in full-width digits
]


@pytest.mark.parametrize("url", REFUSED)
def test_local_private_and_metadata_addresses_are_refused_with_a_clear_reason(url):
    with pytest.raises(InvalidUrl) as refused:
        check_url(url)
    assert str(refused.value) == NOT_PUBLIC
    assert "private or local network" in NOT_PUBLIC


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/page",
        "http://172.32.0.1/",
        "https://8.8.8.8/dns",
        "https://[2606:4700:4700::1111]/",
        "https://localhost.example.org/",
        "https://internal.example.org/",
    ],
)
def test_public_hosts_are_accepted(url):
    assert check_url(url) == url


async def test_suggesting_a_metadata_address_is_refused_and_nothing_is_stored(coalition):
    shown = await coalition.member.slash(coalition.general, "resources suggest", kind="toolkit")
    submitted = await coalition.member.submit_modal(
        shown, {"resources:suggest:title": "Cloud secrets", "resources:suggest:url": METADATA}
    )

    assert "not a public website" in submitted.response.content
    async with coalition.bot.database.session() as session:
        assert not await store.pending_resources(session, coalition.guild.id)


async def test_organizers_cannot_add_a_localhost_resource(coalition):
    added = await coalition.organizer.slash(
        coalition.general, "resources add", url="http://localhost:8080/admin", title="Admin panel"
    )

    assert "not a public website" in added.response.content


class FakeWeb(urllib.request.BaseHandler):
    """Answers requests from a table (status, Location) and remembers what was asked, offline."""

    handler_order = 100  # before the real HTTP handlers

    def __init__(self, routes: dict[str, tuple[int, str | None]]) -> None:
        self.routes = routes
        self.asked: list[str] = []

    def _answer(self, request: urllib.request.Request) -> urllib.response.addinfourl:
        self.asked.append(request.full_url)
        status, location = self.routes[request.full_url]
        headers = email.message.Message()
        if location:
            headers["Location"] = location
        response = urllib.response.addinfourl(io.BytesIO(b""), headers, request.full_url, status)
        response.msg = "Found" if location else "OK"
        return response

    http_open = _answer
    https_open = _answer


def test_link_check_never_follows_a_redirect_to_a_private_address():
    web = FakeWeb(
        {
            "https://example.org/moved": (302, METADATA),
            METADATA: (200, None),
            "https://example.org/loop": (301, "http://127.0.0.1:9000/"),
        }
    )
    opener = link_opener(web)

    with pytest.raises(UnsafeRedirect) as caught:
        fetch_status("https://example.org/moved", opener=opener)
    with pytest.raises(UnsafeRedirect):
        fetch_status("https://example.org/loop", opener=opener)

    assert caught.value.target == METADATA
    assert METADATA not in web.asked
    assert not any("127.0.0.1" in url for url in web.asked)


def test_link_check_follows_a_redirect_to_a_public_address():
    web = FakeWeb(
        {"http://example.org/old": (301, "https://example.org/new"), "https://example.org/new": (200, None)}
    )

    assert fetch_status("http://example.org/old", opener=link_opener(web)) == 200
    assert web.asked == ["http://example.org/old", "https://example.org/new"]


def test_link_check_never_fetches_a_private_address_itself():
    web = FakeWeb({METADATA: (200, None)})

    with pytest.raises(InvalidUrl):
        fetch_status(METADATA, opener=link_opener(web))
    assert web.asked == []


async def test_link_check_reports_an_unsafe_redirect_and_an_old_private_row(database):
    async with database.session() as session:
        await store.create_resource(
            session, GUILD, title="Moved guide", url="https://example.org/moved", status="approved", now=NOW
        )
        # A row stored before addresses were checked this strictly.
        session.add(
            store.Resource(
                guild_id=GUILD,
                title="Old intranet page",
                url="http://10.0.0.5/guide",
                normalized_url="https://10.0.0.5/guide",
                status="approved",
                created_at=NOW,
            )
        )
    fetched: list[str] = []

    def fake_fetch(url: str) -> int:
        fetched.append(url)
        raise UnsafeRedirect(METADATA, NOT_PUBLIC)

    problems = await check_links(database, GUILD, fetch=fake_fetch)

    assert sorted((p.url, p.problem.split(" (")[0]) for p in problems) == [
        ("http://10.0.0.5/guide", "not checked"),
        ("https://example.org/moved", "unsafe redirect"),
    ]
    assert fetched == ["https://example.org/moved"]


def _spellings(address: str) -> list[str]:
    """The ways resolvers accept to write one IPv4 address in a URL's host."""
    import ipaddress

    number = int(ipaddress.IPv4Address(address))
    octets = address.split(".")
    return [
        address,
        str(number),
        hex(number),
        ".".join(f"0{int(o):o}" for o in octets),
        f"{octets[0]}.{int(octets[1]) * 65536 + int(octets[2]) * 256 + int(octets[3])}",
        f"[::ffff:{address}]",
    ]


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.255.0.9", "10.20.30.40", "172.20.1.1", "192.168.0.10", "169.254.169.254", "0.0.0.0"],
)
def test_every_spelling_of_a_non_public_ipv4_address_is_refused(address):
    for host in _spellings(address):
        with pytest.raises(InvalidUrl, match="private or local network"):
            check_url(f"http://{host}/path")


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.4.4", "172.32.10.1"])
def test_every_spelling_of_a_public_ipv4_address_is_accepted(address):
    for host in _spellings(address):
        assert check_url(f"http://{host}/path") == f"http://{host}/path"
