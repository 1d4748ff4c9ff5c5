"""Classify one scan from its request: device class, OS, browser, country, referrer host.

The User-Agent is parsed by ua-parser (its native matcher, cached per distinct string);
the client address is looked up in iptocc's table, shipped inside the wheel. Private,
loopback and unreadable addresses are `unknown`. Nothing about the scan is kept but these.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import iptocc
import ua_parser

UNKNOWN = "unknown"
MAX_VALUE_CHARS = 64  # a header may be long; the tally keeps a bounded name
TABLET_FAMILIES = ("ipad", "kindle", "tablet", "galaxy tab", "nexus 7", "nexus 9", "nexus 10")
DESKTOP_OSES = ("windows", "mac os x", "linux", "chrome os", "ubuntu", "fedora", "freebsd")
MOBILE_OSES = ("ios", "android", "windows phone", "blackberry os", "kaios", "harmonyos")


@dataclass(frozen=True)
class Traits:
    device: str
    os: str
    browser: str
    country: str
    referrer: str


def classify(user_agent: str, address: str, referer: str) -> Traits:
    device, os_name, browser = agent_traits(user_agent[:1024])
    return Traits(device, os_name, browser, country_of(address), referrer_host(referer))


@functools.lru_cache(maxsize=4096)
def agent_traits(user_agent: str) -> tuple[str, str, str]:
    """(device class, OS family, browser family); device is mobile·tablet·desktop·bot·unknown."""
    if not user_agent.strip():
        return UNKNOWN, UNKNOWN, UNKNOWN
    parsed = ua_parser.parse(user_agent)
    os_name = _name(parsed.os.family if parsed.os else None)
    browser = _name(parsed.user_agent.family if parsed.user_agent else None)
    family = (parsed.device.family if parsed.device else "").lower()
    return _device_class(user_agent.lower(), family, os_name.lower()), os_name, browser


def _device_class(agent: str, family: str, os_name: str) -> str:
    if family == "spider" or "bot" in agent or "crawler" in agent:
        return "bot"
    if any(name in family for name in TABLET_FAMILIES) or "tablet" in agent:
        return "tablet"
    if os_name == "android" and "mobile" not in agent:
        return "tablet"  # Android tablets leave "Mobile" out of their User-Agent
    if os_name in MOBILE_OSES or "mobile" in agent:
        return "mobile"
    if os_name in DESKTOP_OSES:
        return "desktop"
    return UNKNOWN


def country_of(address: str) -> str:
    """ISO 3166-1 alpha-2 code of a public address; `unknown` for private or unreadable."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return UNKNOWN
    if not parsed.is_global:
        return UNKNOWN
    code = iptocc.country_code(str(parsed))
    return code if isinstance(code, str) and code else UNKNOWN


def referrer_host(referer: str) -> str:
    """The Referer's host name, lower case; `direct` when there is none."""
    if not referer:
        return "direct"
    try:
        host = urlsplit(referer.strip()).hostname
    except ValueError:
        host = None
    return _name(host) if host else UNKNOWN


def _name(value: str | None) -> str:
    if not value or value == "Other":
        return UNKNOWN
    return value[:MAX_VALUE_CHARS]
