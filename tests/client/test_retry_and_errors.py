"""Error answers map to typed errors; only 5xx and connection failures are retried, and only
for calls that are safe to repeat (no server needed: the attempts are plain functions)."""

from __future__ import annotations

import pytest

from client import Backoff, ClientConfig, RetryPolicy
from client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Gone,
    NotFound,
    ServerError,
    TooManyRequests,
    TransportError,
    error_for,
)
from client.transport import Transport


@pytest.mark.parametrize(("status", "kind"), [
    (400, BadRequest), (404, NotFound), (409, Conflict), (410, Gone), (429, TooManyRequests),
    (500, ServerError), (503, ServerError), (418, ApiError),
])
def test_status_picks_the_type(status: int, kind: type[ApiError]) -> None:
    error = error_for(status, b'{"error": "the words", "status": %d}' % status)
    assert type(error) is kind and error.status == status and error.message == "the words"
    assert str(error) == f"the words (HTTP {status})"


def test_message_falls_back_to_the_body_then_a_phrase() -> None:
    assert error_for(502, b"<html>bad gateway</html>").message == "<html>bad gateway</html>"
    assert error_for(502, b"").message == "the server answered HTTP 502"
    assert error_for(400, b'{"error": ""}').message == '{"error": ""}'
    assert len(error_for(500, b"x" * 10_000).message) == 500


def test_retry_after_is_read_in_seconds() -> None:
    assert error_for(429, b"{}", "12").retry_after_s == 12.0
    assert error_for(503, b"{}", "Wed, 21 Oct 2015 07:28:00 GMT").retry_after_s is None
    assert error_for(503, b"{}", "-3").retry_after_s is None
    assert error_for(503, b"{}").retry_after_s is None


class Script:
    """An attempt that fails with the given errors in turn, then succeeds."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def _transport(slept: list[float], attempts: int = 4) -> Transport:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    policy = RetryPolicy(attempts=attempts, backoff=Backoff(0.5, 8.0, 2.0, 0.0))
    return Transport(ClientConfig("c", "k", retry=policy), sleep=sleep)


async def test_5xx_and_connection_failures_are_retried_with_backoff() -> None:
    slept: list[float] = []
    script = Script(ServerError(503, "busy"), TransportError("reset"),
                    ServerError(503, "busy", retry_after_s=5.0))
    assert await _transport(slept).retrying(script, retry=True) == "done"
    assert script.calls == 4 and slept == [0.5, 1.0, 5.0]  # Retry-After wins when longer


async def test_the_budget_ends_with_the_last_error() -> None:
    slept: list[float] = []
    script = Script(*(ServerError(500, f"fail {n}") for n in range(5)))
    with pytest.raises(ServerError, match="fail 2"):
        await _transport(slept, attempts=3).retrying(script, retry=True)
    assert script.calls == 3 and slept == [0.5, 1.0]


async def test_unsafe_calls_and_4xx_are_not_retried() -> None:
    slept: list[float] = []
    script = Script(ServerError(500, "once"))
    with pytest.raises(ServerError):
        await _transport(slept).retrying(script, retry=False)
    for refusal in (BadRequest(400, "no"), Gone(410, "gone"), TooManyRequests(429, "slow")):
        script = Script(refusal)
        with pytest.raises(type(refusal)):
            await _transport(slept).retrying(script, retry=True)
        assert script.calls == 1
    assert slept == []
