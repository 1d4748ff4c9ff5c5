"""Issue 31 item 8: every IANA special-purpose range, every IPv6 form embedding IPv4, and
strict URL syntax are refused before anything is sent (pure logic)."""

from __future__ import annotations

import pytest

from shared.errors import BadRequest
from shared.webhooks.addresses import (
    TargetRefused,
    check_resolved,
    check_url,
    is_public,
    parse_ip,
    validate_url,
)
from shared.webhooks.sender import resolve_checked

SPECIAL_V4 = ["0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.254", "127.0.0.1",
              "127.255.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.254", "192.0.0.1",
              "192.0.0.8", "192.0.0.9", "192.0.0.170", "192.0.2.1", "192.88.99.1",
              "192.168.1.1", "198.18.0.1", "198.19.255.254", "198.51.100.7", "203.0.113.9",
              "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.254",
              "255.255.255.255"]
SPECIAL_V6 = [
    "::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:192.0.0.8",
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::c000:8", "64:ff9b:1::1",
    "64:ff9b:1:ffff::808:808", "100::1", "2001::1", "2001:1ff::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client 192.0.2.45
    "2001:0:808:808::f7f7:f7f7",  # Teredo with public server and client: still refused
    "2001:db8::1", "2002:7f00:1::", "2002:a00:1::1", "2002:c000:8::", "2002:c0a8:101::1",
    "::127.0.0.1", "::10.0.0.1", "::192.0.0.8",
    "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1", "ff0e::1",
    "::ffff:0:7f00:1", "4000::1", "fe80::1%eth0"]
PUBLIC = ["8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700:4700::1111",
          "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "::8.8.8.8"]


@pytest.mark.parametrize("text", SPECIAL_V4 + SPECIAL_V6)
def test_every_special_purpose_address_is_refused(text: str) -> None:
    address = parse_ip(text)
    assert address is not None and not is_public(address)


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_and_their_embedding_forms_pass(text: str) -> None:
    address = parse_ip(text)
    assert address is not None and is_public(address)


@pytest.mark.parametrize("url", [
    "https://[::127.0.0.1]/", "https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::]/",
    "https://192.0.0.8/", "https://[::ffff:7f00:1]/", "https://192.88.99.1/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "https://[64:ff9b:1::1]/",
    "https://[100::1]/", "https://[fec0::1]/", "https://198.18.0.1/",
])
def test_literal_special_addresses_are_refused_at_creation(url: str) -> None:
    with pytest.raises(BadRequest, match=r"url refused: .* is not a public address"):
        validate_url(url, allow_private=False)


@pytest.mark.parametrize(("url", "message"), [
    ("https://exa mple.com/", "spaces and control"),
    ("https://example.com/a b", "spaces and control"),
    ("https://example.com/a\r\nX-Injected: 1", "spaces and control"),
    ("https://example.com/\n", "spaces and control"),
    ("https://example.com/\t", "spaces and control"),
    ("https://example.com/\x00", "spaces and control"),
    ("https://example.com/\x7f", "spaces and control"),
    ("https://example.com/\u202e", "spaces and control"),
    ("https://example.com/\u2028", "spaces and control"),
    (" https://example.com/", "spaces and control"),
    ("https://user@example.com/", "credentials"),
    ("https://@example.com/", "credentials"),
    ("https://:pw@example.com/", "credentials"),
    ("javascript:alert(1)", "must use https"),
    ("file:///etc/passwd", "must use https"),
    ("gopher://example.com/", "must use https"),
    ("https://", "no host"),
    ("https://:443/", "no host"),
    ("https://example.com:0/", "port"),
    ("https://example.com:65536/", "not a URL"),
    ("https://example.com:-1/", "not a URL"),
    ("https://example.com:+443/", "not a URL"),
    ("https://example.com:\u0664\u0664\u0663/", "not a URL"),
    ("https://exa%6dple.com/", "not a valid name"),
    ("https://ex_ample-.com/", "not a valid name"),
    ("https://ex!ample.com/", "not a valid name"),
    ("https://b\u00fccher.example/", "ASCII"),
    ("https://127.1/", "malformed IPv4"),
    ("https://0x7f.0.0.1/", "malformed IPv4"),
    ("https://2130706433/", "malformed IPv4"),
    ("https://[127.0.0.1]/", "not a URL"),
])
def test_malformed_urls_are_refused_even_where_private_targets_are_allowed(
        url: str, message: str) -> None:
    with pytest.raises(TargetRefused, match=message):
        check_url(url, allow_private="must use https" not in message)
    with pytest.raises(BadRequest, match="url refused"):
        validate_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["https://example.com/hook?a=1&b=%20#x",
                                 "https://xn--bcher-kva.example:8443/h", "https://8.8.8.8/",
                                 "https://[2606:4700:4700::1111]/", "https://a_b.example.com/",
                                 "https://example.com.:443/", "https://EXAMPLE.com/"])
def test_well_formed_public_urls_pass(url: str) -> None:
    assert validate_url(url, allow_private=False) == url


def test_every_resolved_address_is_checked_not_just_the_first() -> None:
    good, bad = parse_ip("8.8.8.8"), parse_ip("192.0.0.8")
    assert good is not None and bad is not None
    assert check_resolved("h.example", [good], allow_private=False) == good
    with pytest.raises(TargetRefused, match=r"h\.example resolves to 192\.0\.0\.8"):
        check_resolved("h.example", [good, bad], allow_private=False)
    with pytest.raises(TargetRefused, match="no address"):
        check_resolved("h.example", [], allow_private=False)


async def test_a_name_resolving_to_loopback_is_refused_at_delivery() -> None:
    with pytest.raises(TargetRefused, match="localhost resolves to"):
        await resolve_checked("localhost", 443, allow_private=False)
