"""Which platform a published link is on, read from its address alone (plain rules, no I/O)."""

from __future__ import annotations

from urllib.parse import urlsplit

NEWS, X, BLUESKY, FACEBOOK, INSTAGRAM = "news", "x", "bluesky", "facebook", "instagram"
LINKEDIN, TIKTOK, YOUTUBE, MASTODON, OTHER = "linkedin", "tiktok", "youtube", "mastodon", "other"
PLATFORMS = (NEWS, X, BLUESKY, FACEBOOK, INSTAGRAM, LINKEDIN, TIKTOK, YOUTUBE, MASTODON, OTHER)
LABELS = {
    NEWS: "News site",
    X: "X",
    BLUESKY: "Bluesky",
    FACEBOOK: "Facebook",
    INSTAGRAM: "Instagram",
    LINKEDIN: "LinkedIn",
    TIKTOK: "TikTok",
    YOUTUBE: "YouTube",
    MASTODON: "Mastodon",
    OTHER: "Other",
}

# Registered domains of each platform; a subdomain (m.facebook.com, www.youtube.com) counts as its parent.
SOCIAL_DOMAINS = {
    X: ("x.com", "twitter.com"),
    BLUESKY: ("bsky.app", "bsky.social"),
    FACEBOOK: ("facebook.com", "fb.com", "fb.watch"),
    INSTAGRAM: ("instagram.com", "instagr.am"),
    LINKEDIN: ("linkedin.com", "lnkd.in"),
    TIKTOK: ("tiktok.com",),
    YOUTUBE: ("youtube.com", "youtu.be"),
}
# Well-known Mastodon servers; any other server is recognised by the "/@user/123" shape of its posts.
MASTODON_SERVERS = (
    "mastodon.social",
    "mastodon.online",
    "mstdn.social",
    "mas.to",
    "hachyderm.io",
    "fosstodon.org",
)
# News outlets seen in the coalition's coverage, plus the names and suffixes that usually mean a newsroom.
NEWS_DOMAINS = (
    "nytimes.com",
    "washingtonpost.com",
    "apnews.com",
    "reuters.com",
    "npr.org",
    "cnn.com",
    "nbcnews.com",
    "cbsnews.com",
    "abcnews.go.com",
    "usatoday.com",
    "latimes.com",
    "chicagotribune.com",
    "statnews.com",
    "kff.org",
    "kffhealthnews.org",
    "axios.com",
    "politico.com",
    "theguardian.com",
    "bostonglobe.com",
    "patch.com",
)
NEWS_WORDS = ("news", "times", "tribune", "gazette", "herald", "journal", "post", "courier", "chronicle")


def _within(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _looks_like_mastodon(path: str) -> bool:
    parts = [part for part in path.split("/") if part]
    return len(parts) >= 2 and parts[0].startswith("@") and len(parts[0]) > 1 and parts[1].isdigit()


def _looks_like_news(host: str) -> bool:
    labels = host.split(".")
    name = labels[-2] if len(labels) >= 2 else host
    return name.endswith(NEWS_WORDS) or labels[0] == "news"


def platform_of(url: str) -> str:
    """The platform a public link is on: one of PLATFORMS ("other" when nothing fits)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return OTHER
    for platform, domains in SOCIAL_DOMAINS.items():
        if _within(host, domains):
            return platform
    if _within(host, MASTODON_SERVERS) or _looks_like_mastodon(parts.path):
        return MASTODON
    if _within(host, NEWS_DOMAINS) or _looks_like_news(host):
        return NEWS
    return OTHER
