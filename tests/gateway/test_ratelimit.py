"""Who the client is: the socket peer, or X-Forwarded-For read right to left past trusted ones."""

from __future__ import annotations

import pytest

from gateway.ratelimit import client_ip, parse_ip

PROXIES = ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"]


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    # an untrusted peer is the client, whatever it claims
    ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),
    # a trusted peer: the right-most untrusted hop is the client, not the spoofable left one
    ("127.0.0.1", ["6.6.6.6, 198.51.100.7"], "198.51.100.7"),
    ("127.0.0.1", ["6.6.6.6, 198.51.100.7, 10.1.2.3"], "198.51.100.7"),
    ("127.0.0.1", ["6.6.6.6", "198.51.100.7 , 10.1.2.3"], "198.51.100.7"),
    # only trusted hops, or none at all: the last address known
    ("127.0.0.1", ["10.9.9.9, 10.1.2.3"], "10.9.9.9"),
    ("127.0.0.1", [], "127.0.0.1"),
    # an unreadable hop ends the chain at the last trusted one
    ("127.0.0.1", ["198.51.100.7, garbage, 10.1.2.3"], "10.1.2.3"),
    # ports, brackets, IPv6 and IPv4-mapped forms
    ("127.0.0.1", ["198.51.100.7:4711"], "198.51.100.7"),
    ("127.0.0.1", ["[2001:db8::7]:443"], "2001:db8::7"),
    ("::ffff:127.0.0.1", ["2001:db8::1, fd00::5"], "2001:db8::1"),
    ("fd00::2", ["203.0.113.4"], "203.0.113.4"),
])
def test_client_ip(peer: str, forwarded: list[str], expected: str) -> None:
    assert client_ip(peer, forwarded, PROXIES) == expected


def test_no_trusted_proxies_means_the_peer() -> None:
    assert client_ip("127.0.0.1", ["198.51.100.7"], []) == "127.0.0.1"


def test_a_peer_that_is_not_an_address_is_kept_as_is() -> None:
    assert client_ip(None, ["198.51.100.7"], PROXIES) == "unknown"
    assert client_ip("/run/gw.sock", [], PROXIES) == "/run/gw.sock"


@pytest.mark.parametrize(("text", "expected"), [
    (" 192.0.2.1 ", "192.0.2.1"), ("192.0.2.1:80", "192.0.2.1"), ("[::1]", "::1"),
    ("::1", "::1"), ("::ffff:192.0.2.1", "192.0.2.1"), ("", None), ("unknown", None),
    ("300.1.1.1", None), ("[::1", "::1"),
])
def test_parse_ip(text: str, expected: str | None) -> None:
    address = parse_ip(text)
    assert (None if address is None else str(address)) == expected
