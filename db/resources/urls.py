"""Checking and normalising resource addresses (plain functions: no Discord, no database).

The normalised form is the de-duplication key, not what people see: scheme and host lower-cased, the
default port, the fragment and tracking parameters dropped, the remaining query sorted, a trailing slash
removed (the bare host keeps its single "/"), and http folded into https. Folding the scheme is a choice:
nearly every site now redirects http to https, and the catalog holds old http addresses of pages that
are the same document today, so two entries that differ only in the scheme are one resource.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

URL_MAX = 500

# Query parameters that say where a click came from, never which document it is.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "ref_src"}
)
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "vero_")
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidUrl(ValueError):
    """An address the library refuses; the message says why in a sentence for the member."""


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
    host = parts.hostname or ""
    if not host or ("." not in host.strip(".") and host != "localhost"):
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
    netloc = host
    if parts.port is not None and parts.port != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{parts.port}"
    # Re-quote the path so that "%7E" and "~" are one address; keep "/" and the usual reserved marks.
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~")
    path = path.rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit(("https", netloc, path, query, ""))
