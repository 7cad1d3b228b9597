"""Recognising the platform of a published link from its address."""

from __future__ import annotations

import pytest

from cogs.campaigns import platforms


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.com/healthdept/status/123", "x"),
        ("https://twitter.com/healthdept/status/123", "x"),
        ("https://mobile.twitter.com/a/status/1", "x"),
        ("https://bsky.app/profile/dept.bsky.social/post/3k", "bluesky"),
        ("https://www.facebook.com/dept/posts/1", "facebook"),
        ("https://m.facebook.com/story.php?id=1", "facebook"),
        ("https://www.instagram.com/p/abc/", "instagram"),
        ("https://www.linkedin.com/posts/dept-123", "linkedin"),
        ("https://www.tiktok.com/@dept/video/1", "tiktok"),
        ("https://youtu.be/abc", "youtube"),
        ("https://www.youtube.com/watch?v=abc", "youtube"),
        ("https://mastodon.social/@dept/111", "mastodon"),
        ("https://health.example.social/@nurse/112233", "mastodon"),
        ("https://www.nytimes.com/2026/12/01/opinion/heat.html", "news"),
        ("https://www.startribune.com/heat/1", "news"),
        ("https://news.example.org/heat", "news"),
        ("https://www.example.org/blog/heat", "other"),
        ("https://notx.com/a", "other"),
        ("https://xfacebook.com/a", "other"),
        ("not a link", "other"),
    ],
)
def test_platform_is_recognised_from_the_address(url: str, expected: str) -> None:
    assert platforms.platform_of(url) == expected


def test_every_platform_has_a_label() -> None:
    assert set(platforms.LABELS) == set(platforms.PLATFORMS)
