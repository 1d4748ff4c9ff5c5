"""`Location` values: ASCII, percent-encoded as a browser would, hosts in IDNA."""

from __future__ import annotations

import pytest

from gateway.location import UnwritableHost, location_header, percent_encoded


@pytest.mark.parametrize(("stored", "sent"), [
    ("https://example.com/a?b=c#d", "https://example.com/a?b=c#d"),
    ("https://example.com/\u202eexe.pdf", "https://example.com/%E2%80%AEexe.pdf"),
    ("https://example.com/p\u00e4th?q=\u00e4 b#\u00e9",
     "https://example.com/p%C3%A4th?q=%C3%A4%20b#%C3%A9"),
    ("https://example.com/ok%2F%20/bad%zz/%", "https://example.com/ok%2F%20/bad%25zz/%25"),
    ("https://example.com/{x}|^`<>\"\\", "https://example.com/%7Bx%7D%7C%5E%60%3C%3E%22%5C"),
    ("https://b\u00fccher.example:8443/x", "https://xn--bcher-kva.example:8443/x"),
    ("https://J\u00fcrgen:pw@B\u00fccher.example/", "https://J%C3%BCrgen:pw@xn--bcher-kva.example/"),
    ("https://[2001:db8::1]:8080/\u00e4", "https://[2001:db8::1]:8080/%C3%A4"),
    ("mailto:\u00e4@example.com", "mailto:%C3%A4@example.com"),
    ("https://example.com/\U0001f600", "https://example.com/%F0%9F%98%80"),
])
def test_destinations_are_written_in_ascii(stored: str, sent: str) -> None:
    assert location_header(stored) == sent
    assert location_header(sent) == sent  # idempotent: an encoded URL stays as it is


@pytest.mark.parametrize("host", ["bad\u202ehost.example", "a\u200f.example", "a..\u00e4.com"])
def test_hosts_without_an_ascii_form_are_refused(host: str) -> None:
    with pytest.raises(UnwritableHost):
        location_header(f"https://{host}/")


def test_only_url_safe_ascii_is_left_unencoded() -> None:
    every = "".join(map(chr, range(0x200)))
    encoded = percent_encoded(every)
    assert encoded.isascii() and all(33 <= ord(char) < 127 for char in encoded)
    for unsafe in " \"<>\\^`{|}\x00\x1f\x7f":
        assert unsafe not in encoded
