"""Which URLs and addresses the webhook sender refuses, and the sealed secret (pure logic)."""

from __future__ import annotations

import pytest

from shared.errors import BadRequest
from shared.webhooks.addresses import (
    TargetRefused,
    check_address,
    check_url,
    is_public,
    parse_ip,
    validate_url,
)
from shared.webhooks.seal import seal, unseal


@pytest.mark.parametrize("text", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                                  "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1",
                                  "fc00::1", "::ffff:127.0.0.1", "224.0.0.1", "fe80::1%eth0"])
def test_private_loopback_link_local_addresses_are_refused(text: str) -> None:
    address = parse_ip(text)
    assert address is not None and not is_public(address)
    with pytest.raises(TargetRefused):
        check_address(address, allow_private=False)
    check_address(address, allow_private=True)


@pytest.mark.parametrize("text", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(text: str) -> None:
    address = parse_ip(text)
    assert address is not None and is_public(address)
    check_address(address, allow_private=False)


@pytest.mark.parametrize("url", ["http://127.0.0.1/hook", "https://127.0.0.1/hook",
                                 "https://169.254.169.254/latest/meta-data",
                                 "https://[::1]:8443/", "http://example.com/hook",
                                 "ftp://example.com/", "https:///nohost",
                                 "https://user:pw@example.com/", "https://example.com:0/",
                                 "https://example.com:99999/", "https://" + "a" * 2050])
def test_urls_refused_without_the_setting(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_url(url, allow_private=False)
    with pytest.raises(BadRequest):
        validate_url(url, allow_private=False)


def test_the_setting_allows_http_and_loopback() -> None:
    assert check_url("http://127.0.0.1:9000/hook", allow_private=True).port == 9000
    assert validate_url("https://example.com/hook", allow_private=False).startswith("https")
    with pytest.raises(BadRequest, match="url must be"):
        validate_url(42, allow_private=True)


def test_sealed_secret_round_trips_and_detects_tampering() -> None:
    sealed = seal("key-1", "whsec_abc")
    assert "whsec_abc" not in sealed
    assert unseal("key-1", sealed) == "whsec_abc"
    assert seal("key-1", "whsec_abc") != sealed  # a fresh nonce each time
    with pytest.raises(ValueError, match="seal key"):
        unseal("key-2", sealed)
