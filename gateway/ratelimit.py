"""Per-client-IP call limits shared by every gateway replica: who the client is, may it call.

The count lives in MongoDB, not in a process: each call in a fixed one-minute window
tries to insert one of `limit` slot documents, `{scope}:{ip}:{window}:{n}`, whose unique
`_id` lets exactly one caller take each slot (FerretDB's `$inc` and findAndModify lose
updates under concurrency; unique inserts do not). A call that finds every slot taken is
refused with the seconds left in the window. Slots expire with their window
(shared/store/ratelimits.py).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable, Sequence

from aiohttp import web

from shared.errors import TooManyRequests
from shared.store.client import Database
from shared.store.ratelimits import take_first_free

WINDOW_S = 60
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


async def take_call(db: Database, scope: str, client: str, limit: int,
                    now_s: float | None = None) -> None:
    """Count one call of `client` in this minute, or TooManyRequests with Retry-After."""
    now_s = time.time() if now_s is None else now_s
    window = int(now_s // WINDOW_S)
    ends_s = float((window + 1) * WINDOW_S)
    slots = (f"{scope}:{client}:{window}:{n}" for n in range(1, limit + 1))
    if await take_first_free(db, slots, ends_s) is not None:
        return
    retry_after_s = max(1, math.ceil(ends_s - now_s))
    raise TooManyRequests(
        f"at most {limit} calls a minute from one address; retry in {retry_after_s} s",
        retry_after_s=retry_after_s,
    )


def request_ip(request: web.Request, trusted_proxies: Sequence[str]) -> str:
    """The client address of `request`, believing X-Forwarded-For only from trusted proxies."""
    return client_ip(request.remote, request.headers.getall("X-Forwarded-For", []),
                     trusted_proxies)


def client_ip(peer: str | None, forwarded_for: Iterable[str],
              trusted_proxies: Sequence[str]) -> str:
    """The socket peer, unless it is a trusted proxy: then the right-most address of
    X-Forwarded-For that is not a trusted proxy (or the last valid one, if the chain
    holds only trusted proxies or stops at an unreadable entry)."""
    address = parse_ip(peer or "")
    if address is None:
        return peer or "unknown"
    networks = [ipaddress.ip_network(cidr, strict=False) for cidr in trusted_proxies]
    if not _trusted(address, networks):
        return str(address)
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        hop_address = parse_ip(hop)
        if hop_address is None:
            break
        address = hop_address
        if not _trusted(address, networks):
            break
    return str(address)


def parse_ip(text: str) -> IpAddress | None:
    """An address from `1.2.3.4`, `1.2.3.4:port`, `::1` or `[::1]:port`; IPv4-mapped
    IPv6 addresses become IPv4; None if it is not an address."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IpAddress, networks: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)
