"""The safe sender against real loopback receivers: SSRF refusals, no redirects, 4 KB, 5 s."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from shared.webhooks.sender import MAX_ANSWER_BYTES, send
from shared.webhooks.signing import new_secret, signed_headers
from tests.processes import free_port
from tests.webhooks.receiver import Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    target = await Receiver().start()
    yield target
    await target.stop()


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/", "http://169.254.169.254/",
                                 "http://[::1]:{port}/", "http://localhost:{port}/",
                                 "https://localhost:{port}/"])
async def test_private_targets_are_refused_without_the_setting(receiver: Receiver,
                                                               url: str) -> None:
    outcome = await send(url.format(port=receiver.port), {}, b"{}", allow_private=False)
    assert outcome.refused and not outcome.ok
    assert outcome.error is not None and outcome.error.startswith("refused")
    assert receiver.requests == []


async def test_a_redirect_to_a_private_address_is_not_followed(receiver: Receiver) -> None:
    inner = await Receiver().start()
    try:
        receiver.answer = web.Response(status=302, headers={
            "Location": f"http://127.0.0.1:{inner.port}/metadata"})
        outcome = await send(f"http://127.0.0.1:{receiver.port}/", {}, b"{}",
                             allow_private=True)
    finally:
        await inner.stop()
    assert not outcome.ok and outcome.status == 302
    assert outcome.error is not None and "not followed" in outcome.error
    assert len(receiver.requests) == 1 and inner.requests == []


async def test_a_name_is_pinned_and_keeps_its_host_header(receiver: Receiver) -> None:
    outcome = await send(f"http://localhost:{receiver.port}/hook", {"x-a": "1"}, b"{}",
                         allow_private=True)
    assert outcome.ok and outcome.status == 204
    headers, body = receiver.requests[0]
    assert headers["Host"] == f"localhost:{receiver.port}" and body == b"{}"


async def test_only_the_first_4_kb_of_the_answer_are_read(receiver: Receiver) -> None:
    receiver.answer = web.Response(status=500, body=b"x" * 100_000)
    outcome = await send(f"http://127.0.0.1:{receiver.port}/", {}, b"{}", allow_private=True)
    assert not outcome.ok and outcome.status == 500 and outcome.error == "HTTP 500"
    assert len(outcome.answer) == MAX_ANSWER_BYTES


async def test_a_refused_connection_is_an_error_not_an_exception() -> None:
    outcome = await send(f"http://127.0.0.1:{free_port()}/", {}, b"{}", allow_private=True,
                         timeout_s=2)
    assert not outcome.ok and not outcome.refused and outcome.status is None
    assert outcome.error


async def test_signed_headers_verify_and_a_tampered_body_does_not(receiver: Receiver) -> None:
    secret = new_secret()
    payload = '{"type":"bulk.completed","data":{}}'
    headers = signed_headers(secret, "msg_1", payload)
    outcome = await send(f"http://127.0.0.1:{receiver.port}/", headers, payload.encode(),
                         allow_private=True)
    assert outcome.ok
    got_headers, body = receiver.requests[0]
    assert Webhook(secret).verify(body, got_headers)["type"] == "bulk.completed"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"completed", b"c0mpleted"), got_headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, got_headers)
