"""Which webhook URLs and resolved addresses an outbound call may go to (pure checks)."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import SplitResult, urlsplit

from shared.errors import BadRequest

MAX_URL_CHARS = 2048
MAX_HOST_CHARS = 253
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
V4, V6 = ipaddress.IPv4Network, ipaddress.IPv6Network

# The IANA IPv4 Special-Purpose Address Registry, with multicast and the broadcast address.
# Whole blocks are refused even where the registry marks a few addresses of them global
# (192.0.0.9, 192.0.0.10): no webhook receiver lives there.
REFUSED_V4 = tuple(V4(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "255.255.255.255/32"))
# The IANA IPv6 Special-Purpose Address Registry (2001::/23 holds Teredo, 2001::/32),
# plus multicast and the deprecated site-local block. The forms that embed an IPv4
# address (::ffff:0:0/96, ::/96, 64:ff9b::/96, 2002::/16) are judged by that address.
REFUSED_V6 = tuple(V6(n) for n in (
    "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
    "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"))
GLOBAL_UNICAST_V6 = V6("2000::/3")
COMPATIBLE_V6, NAT64_V6 = V6("::/96"), V6("64:ff9b::/96")

DNS_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
DNS_NAME = re.compile(rf"{DNS_LABEL}(\.{DNS_LABEL})*\.?")
NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")  # as in 127.1, 0x7f.1, 2130706433


class TargetRefused(Exception):
    """The URL or the address it resolves to is not one bulkqr calls."""


def parse_ip(text: str) -> IPAddress | None:
    """The address `text` names (an IPv6 zone is ignored), or None for a host name."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 address reaches."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in COMPATIBLE_V6 or address in NAT64_V6:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.sixtofour


def refusal(address: IPAddress) -> str | None:
    """Why `address` is not a public unicast address, or None when it is one."""
    if isinstance(address, ipaddress.IPv4Address):
        blocks: Sequence[Network] = REFUSED_V4
    else:
        embedded = embedded_ipv4(address)
        if embedded is not None and not any(address in n for n in REFUSED_V6):
            reason = refusal(embedded)
            return None if reason is None else f"it embeds {embedded}: {reason}"
        blocks = REFUSED_V6
    for block in blocks:
        if address in block:
            return f"it is in {block}, a special-purpose block"
    if address.version == 6 and address not in GLOBAL_UNICAST_V6:
        return "it is outside 2000::/3, the global unicast block"
    return None if address.is_global else "it is not a global address"


def is_public(address: IPAddress) -> bool:
    """False for every special-purpose address (private, loopback, link-local, shared,
    documentation, benchmarking, multicast, reserved) and every IPv6 form of one."""
    return refusal(address) is None


def check_address(address: IPAddress, allow_private: bool) -> None:
    reason = None if allow_private else refusal(address)
    if reason is not None:
        raise TargetRefused(f"{address} is not a public address ({reason})")


def check_resolved(host: str, addresses: Sequence[IPAddress], allow_private: bool
                   ) -> IPAddress:
    """The address to connect to, once every address `host` resolved to passed."""
    if not addresses:
        raise TargetRefused(f"{host} has no address")
    for address in addresses:
        try:
            check_address(address, allow_private)
        except TargetRefused as exc:
            raise TargetRefused(f"{host} resolves to {exc}") from exc
    return addresses[0]


def check_characters(url: str) -> None:
    """No spaces, control, format or separator characters anywhere (CR/LF included)."""
    for char in url:
        if unicodedata.category(char)[0] in "CZ":
            raise TargetRefused(f"the URL holds {char!r}: spaces and control characters "
                                "are not allowed anywhere (percent-encode them)")


def check_host(host: str) -> None:
    """A host is an IP address or an ASCII DNS name whose last label is not a number."""
    if len(host) > MAX_HOST_CHARS:
        raise TargetRefused(f"the host is longer than {MAX_HOST_CHARS} characters")
    if parse_ip(host) is not None:
        return
    if not host.isascii():
        raise TargetRefused("the host must be ASCII (write a non-ASCII name as xn--…)")
    if not DNS_NAME.fullmatch(host):
        raise TargetRefused(f"the host {host!r} is not a valid name")
    if NUMERIC_LABEL.fullmatch(host.rstrip(".").rsplit(".", 1)[-1]):
        raise TargetRefused(f"the host {host!r} is a malformed IPv4 address")


def check_url(url: str, allow_private: bool) -> SplitResult:
    """The parsed URL if bulkqr may call it (before resolution), else TargetRefused."""
    if len(url) > MAX_URL_CHARS:
        raise TargetRefused(f"the URL is longer than {MAX_URL_CHARS} characters")
    check_characters(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a URL: {exc}") from exc
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise TargetRefused(f"the URL must use {' or '.join(allowed)}")
    if "@" in parts.netloc:
        raise TargetRefused("the URL must not carry credentials (user info before @)")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if port == 0:
        raise TargetRefused("the URL's port must be 1-65535")
    check_host(parts.hostname)
    literal = parse_ip(parts.hostname)
    if literal is not None:
        check_address(literal, allow_private)
    return parts


def validate_url(url: object, allow_private: bool) -> str:
    """The URL of a new endpoint, or 400 with the reason."""
    if not isinstance(url, str) or not url:
        raise BadRequest("url must be a non-empty string")
    try:
        check_url(url, allow_private)
    except TargetRefused as exc:
        raise BadRequest(f"url refused: {exc}") from exc
    return url
