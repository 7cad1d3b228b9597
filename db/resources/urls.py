"""Checking and normalising resource addresses (plain functions: no Discord, no database).

The normalised form is the de-duplication key, not what people see: scheme and host lower-cased, the
default port, the fragment and tracking parameters dropped, the remaining query sorted, a trailing slash
removed (the bare host keeps its single "/"), and http folded into https. Folding the scheme is a choice:
nearly every site now redirects http to https, and the catalog holds old http addresses of pages that
are the same document today, so two entries that differ only in the scheme are one resource.

Only public websites are accepted: an address whose host is a loopback, private, link-local, metadata or
otherwise non-public IP address (in any of the spellings resolvers accept, such as `127.1` or
`0x7f000001`), or an obviously local name (`localhost`, `*.internal`, `*.local`), is refused. Names
that only resolve to such addresses cannot be judged without a lookup and are not.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

URL_MAX = 500

# Query parameters that say where a click came from, never which document it is.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "ref_src"}
)
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "vero_")
DEFAULT_PORTS = {"http": 80, "https": 443}


# Names that always mean "this machine" or "this private network", never a public website.
LOCAL_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "broadcasthost"}
)
LOCAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".lan",
    ".home.arpa",
    ".corp",
)
# A host made only of numbers (decimal, octal or hex) and dots is read as an IPv4 address by resolvers.
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+)){0,3}\.?")
NOT_PUBLIC = (
    "That address points to a private or local network (like localhost, 10.x.x.x or 192.168.x.x), "
    "not a public website, so it cannot be shared."
)


class InvalidUrl(ValueError):
    """An address the library refuses; the message says why in a sentence for the member."""


def _ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host names literally (in any spelling a resolver accepts), or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            raise InvalidUrl(
                "That does not look like a web address; please check it and try again."
            ) from None
    return None


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return _is_public(embedded)
    return ip.is_global and not ip.is_multicast


def check_public_host(host: str) -> bool:
    """Raise InvalidUrl unless the host can be a public website; True when it is a literal IP address.

    Literal addresses and obviously local names are judged; names are not looked up.
    """
    # Resolvers read full-width digits and other compatibility forms as their plain equivalents.
    name = unicodedata.normalize("NFKC", host).lower().strip("[]").rstrip(".")
    ip = _ip_of(name)
    if ip is not None:
        if not _is_public(ip):
            raise InvalidUrl(NOT_PUBLIC)
        return True
    if name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIXES):
        raise InvalidUrl(NOT_PUBLIC)
    return False


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def check_url(raw: str) -> str:
    """Return the address trimmed and without tracking parameters, or raise InvalidUrl."""
    url = (raw or "").strip()
    if not url:
        raise InvalidUrl("Please give the resource's web address.")
    if len(url) > URL_MAX:
        raise InvalidUrl(f"That address is {len(url)} characters long; the limit is {URL_MAX}.")
    if any(character.isspace() for character in url):
        raise InvalidUrl("A web address cannot contain spaces; please check it and try again.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number or out of range)
    except ValueError:
        raise InvalidUrl("That does not look like a web address; please check it and try again.") from None
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise InvalidUrl("Only web addresses starting with http:// or https:// can be shared.")
    if "\\" in parts.netloc:
        raise InvalidUrl("That does not look like a web address; please check it and try again.")
    host = parts.hostname or ""
    literal_ip = bool(host) and check_public_host(host)
    if not host or ("." not in host.strip(".") and not literal_ip):
        raise InvalidUrl("That address has no website name (like `example.org`); please check it.")
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, query, parts.fragment))


def normalize_url(raw: str) -> str:
    """The de-duplication key of an address (raises InvalidUrl for an address check_url refuses)."""
    parts = urlsplit(check_url(raw))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidUrl("That website name is not valid; please check it.") from None
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None and parts.port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{parts.port}"
    # Re-quote the path so that "%7E" and "~" are one address; keep "/" and the usual reserved marks.
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~")
    path = path.rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit(("https", netloc, path, query, ""))
