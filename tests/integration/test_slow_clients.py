"""Defect 8 of issue 14: trickled bodies and idle keep-alive connections are cut off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from gateway.bodydeadline import too_slow
from shared.settings import Settings
from tests.api import Api
from tests.integration.test_links import one_dynamic, path_of
from tests.processes import Process, free_port, start_gateway

LIMITS = {"body_timeout_s": 4.0, "body_grace_s": 1.0, "body_min_bytes_per_s": 64,
          "keepalive_timeout_s": 2.0}


@pytest.fixture(scope="module")
def strict(settings: Settings) -> Iterator[Process]:
    """A gateway of its own with short body and keep-alive limits."""
    port = free_port()
    gateway = start_gateway(settings.model_copy(update={"http_port": port, **LIMITS}),
                            "slow-clients-gateway")
    yield gateway
    gateway.stop()


def head(path: str, length: int, headers: dict[str, str] | None = None,
         content_type: str = "application/x-www-form-urlencoded") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: t", f"Content-Type: {content_type}",
             f"Content-Length: {length}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def trickle(port: int, request: bytes, pieces: list[bytes], every_s: float
                  ) -> tuple[bytes, float]:
    """Send the head, then one piece every `every_s`; the answer and when it came."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(request)
    answer = asyncio.ensure_future(reader.read(4096))
    try:
        for piece in pieces:
            done, _ = await asyncio.wait({answer}, timeout=every_s)
            if done:
                break
            writer.write(piece)
        return await asyncio.wait_for(answer, 30), time.monotonic() - started
    finally:
        writer.close()


async def secured_path(api: Api) -> str:
    entry = await one_dynamic(api, secure=[{"type": "password", "value": "secret"}])
    return path_of(entry["url"])


async def test_a_trickled_password_post_ends_in_408(strict: Process, api: Api) -> None:
    """One byte a second to the unauthenticated unlock form: cut off after the grace."""
    body = b"password=" + b"x" * 40
    path = await secured_path(api)
    answer, after_s = await trickle(strict.settings.http_port, head(path, len(body)),
                                    [body[i:i + 1] for i in range(len(body))], 1.0)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"slower than 64 bytes/s" in answer
    assert after_s < 8, f"answered after {after_s:.1f}s"


async def test_a_steady_but_endless_body_ends_at_the_total_deadline(strict: Process,
                                                                     api: Api) -> None:
    """Fast enough for the rate, too long in all: 408 at body_timeout_s."""
    length = 64 * 1000
    answer, after_s = await trickle(strict.settings.http_port,
                                    head("/api/qr/generate", length, api.tenant.headers,
                                         "application/json"),
                                    [b"x" * 40] * 1000, 0.25)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"longer than 4 s" in answer
    assert 4 <= after_s < 8


async def test_a_prompt_body_is_served(strict: Process, api: Api) -> None:
    body = b"password=secret"
    path = await secured_path(api)
    answer, _ = await trickle(strict.settings.http_port, head(path, len(body)) + body, [], 0)
    assert answer.startswith(b"HTTP/1.1 30"), answer[:200]


async def test_an_idle_keep_alive_connection_is_closed(strict: Process) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", strict.settings.http_port)
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        first = await reader.read(4096)
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        rest = await asyncio.wait_for(reader.read(4096), 30)
        assert rest == b""  # the server hung up
        assert time.monotonic() - started < LIMITS["keepalive_timeout_s"] + 3
    finally:
        writer.close()


def test_the_rate_is_owed_only_after_the_grace_and_up_to_the_length() -> None:
    settings = Settings.model_validate(LIMITS)
    assert too_slow(0.9, 0, 100, settings) is None
    assert too_slow(2.0, 63, 100, settings) is not None  # owes 64 bytes a second on
    assert too_slow(2.0, 64, 100, settings) is None
    assert too_slow(3.9, 100, 100, settings) is None  # all of it: nothing more owed
    assert too_slow(4.1, 100, None, settings) is not None  # past the total deadline
