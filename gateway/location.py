"""A stored destination written as a `Location` value: ASCII, percent-encoded as a browser would."""

from __future__ import annotations

import re
import string

# RFC 3986's unreserved and reserved characters: kept as they are. Everything else (space,
# quotes, <>, `{}|\^`, controls, and every non-ASCII character, bidi controls included) is
# written as the %XX of its UTF-8 bytes; a '%' stays only when it starts a valid %XX.
URL_SAFE = frozenset(string.ascii_letters + string.digits + "-._~" + ":/?#[]@" + "!$&'()*+,;=")
HEX_DIGITS = frozenset(string.hexdigits)
# scheme ":" then, when the URL has one, "//" authority (up to the first / ? or #)
_SCHEME_AND_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*:)(?://([^/?#]*))?")


class UnwritableHost(ValueError):
    """The destination's host has no ASCII (IDNA) form a browser would accept."""


def percent_encoded(text: str) -> str:
    """`text` with every character outside URL_SAFE percent-encoded (valid %XX kept)."""
    out: list[str] = []
    for at, char in enumerate(text):
        if char in URL_SAFE or (char == "%" and _starts_escape(text, at)):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


def _starts_escape(text: str, at: int) -> bool:
    return len(text) >= at + 3 and text[at + 1] in HEX_DIGITS and text[at + 2] in HEX_DIGITS


def ascii_host(host: str) -> str:
    """A non-ASCII host in its IDNA (punycode) form, label by label; raises UnwritableHost
    for one that has none (e.g. one holding a bidi control or a space)."""
    if host.isascii():
        return percent_encoded(host)
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise UnwritableHost(f"the host {host!r} has no ASCII form") from error


def _encoded_authority(authority: str) -> str:
    userinfo, at, host_port = authority.rpartition("@")
    host, colon, port = host_port, "", ""
    if not host_port.endswith("]"):  # not a bare IPv6 literal: a trailing :port is split off
        head, sep, tail = host_port.rpartition(":")
        if sep and tail.isascii() and tail.isdigit():
            host, colon, port = head, sep, tail
    return percent_encoded(userinfo) + at + ascii_host(host) + colon + port


def location_header(url: str) -> str:
    """`url` as the ASCII a browser would send for it: the host in IDNA, the rest
    percent-encoded. Raises UnwritableHost when the host cannot be written so."""
    match = _SCHEME_AND_AUTHORITY.match(url)
    if match is None:
        return percent_encoded(url)
    scheme, authority = match.group(1), match.group(2)
    rest = url[match.end():]
    if authority is None:
        return scheme + percent_encoded(rest)
    return scheme + "//" + _encoded_authority(authority) + percent_encoded(rest)
