"""The one outbound HTTP call: resolve once, check and pin the address, no redirects, 5 s, 4 KB."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from shared.webhooks.addresses import (
    IPAddress,
    TargetRefused,
    check_address,
    check_resolved,
    check_url,
    parse_ip,
)

TIMEOUT_S = 5.0
MAX_ANSWER_BYTES = 4096


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: a 2xx is a success; anything else is retried."""

    ok: bool
    status: int | None
    error: str | None
    latency_ms: float
    answer: str = ""
    refused: bool = False


class PinnedResolver(AbstractResolver):
    """Answers every lookup with the one address already checked, so the connection goes
    there while the URL (Host header, TLS SNI and certificate check) keeps the name."""

    def __init__(self, address: IPAddress) -> None:
        self.address = address

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        inet = socket.AF_INET6 if self.address.version == 6 else socket.AF_INET
        return [ResolveResult(hostname=host, host=str(self.address), port=port, family=inet,
                              proto=0, flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        return None


async def resolve_checked(host: str, port: int, allow_private: bool) -> IPAddress:
    """The address to connect to; TargetRefused if the name resolves to any refused one
    (every address is checked, not just the one used, so no answer order gets past)."""
    literal = parse_ip(host)
    if literal is not None:
        check_address(literal, allow_private)
        return literal
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"{host} does not resolve: {exc}") from exc
    addresses = [a for a in (parse_ip(str(info[4][0])) for info in infos) if a is not None]
    return check_resolved(host, addresses, allow_private)


async def send(url: str, headers: dict[str, str], body: bytes, *, allow_private: bool,
               timeout_s: float = TIMEOUT_S) -> Outcome:
    """POST `body` to `url` once; never raises for the target's faults."""
    started = time.perf_counter()

    def outcome(ok: bool, status: int | None, error: str | None, answer: str = "",
                refused: bool = False) -> Outcome:
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return Outcome(ok, status, error, latency_ms, answer, refused)

    try:
        async with asyncio.timeout(timeout_s):
            parts = check_url(url, allow_private)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme == "https" else 80)
            address = await resolve_checked(host, port, allow_private)
            status, answer, location = await _post(url, headers, body, address)
    except TargetRefused as exc:
        return outcome(False, None, f"refused: {exc}", refused=True)
    except TimeoutError:
        return outcome(False, None, f"timed out after {timeout_s:g} s")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
    if 300 <= status < 400:
        return outcome(False, status, f"redirect to {location!r} not followed", answer)
    return outcome(200 <= status < 300, status, None if status < 300 else f"HTTP {status}",
                   answer)


async def _post(url: str, headers: dict[str, str], body: bytes, address: IPAddress
                ) -> tuple[int, str, str]:
    connector = aiohttp.TCPConnector(resolver=PinnedResolver(address), use_dns_cache=False,
                                     force_close=True)
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as session, \
            session.post(url, data=body, headers=headers, allow_redirects=False) as answer:
        head = b""
        while len(head) < MAX_ANSWER_BYTES:
            piece = await answer.content.read(MAX_ANSWER_BYTES - len(head))
            if not piece:
                break
            head += piece
        return answer.status, head.decode(errors="replace"), answer.headers.get("Location", "")
