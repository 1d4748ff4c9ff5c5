"""Which webhook URLs and resolved addresses an outbound call may go to (pure checks)."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

from shared.errors import BadRequest

MAX_URL_CHARS = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL or the address it resolves to is not one bulkqr calls."""


def parse_ip(text: str) -> IPAddress | None:
    """The address `text` names (an IPv6 zone is ignored), or None for a host name."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def is_public(address: IPAddress) -> bool:
    """False for private, loopback, link-local, reserved, shared and multicast addresses,
    including IPv4 ones written as IPv6 (::ffff:127.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_address(address: IPAddress, allow_private: bool) -> None:
    if not allow_private and not is_public(address):
        raise TargetRefused(f"{address} is a private, loopback or link-local address")


def check_url(url: str, allow_private: bool) -> SplitResult:
    """The parsed URL if bulkqr may call it (before resolution), else TargetRefused."""
    if len(url) > MAX_URL_CHARS:
        raise TargetRefused(f"the URL is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a URL: {exc}") from exc
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise TargetRefused(f"the URL must use {' or '.join(allowed)}")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the URL must not carry credentials")
    if port == 0:
        raise TargetRefused("the URL's port must be 1-65535")
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
