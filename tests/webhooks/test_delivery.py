"""Webhooks end to end on the real servers: a real receiver verifies every signature."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.api import Api
from tests.webhooks.conftest import attempts, register
from tests.webhooks.receiver import Receiver

ROWS = [{"uid": n, "data": f"https://example.com/{n}"} for n in range(3)]


async def wait_for(check: Any, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)


async def test_completed_and_downloaded_each_delivered_once_signed(wh_api: Api) -> None:
    receiver = await Receiver().start()
    try:
        hook = await register(wh_api, receiver.url)
        bulk_id = await wh_api.submit(ROWS)
        await wh_api.wait_completed(bulk_id)
        await receiver.wait_requests(1)
        status, _ = await wh_api.download(bulk_id)
        assert status == 200
        await receiver.wait_requests(2)
        await asyncio.sleep(3)  # past the first retry delays: nothing more arrives
    finally:
        await receiver.stop()
    payloads = receiver.verified(hook["secret"])
    assert [p["type"] for p in payloads] == ["bulk.completed", "bulk.downloaded"]
    assert [p["data"]["status"] for p in payloads] == ["completed", "resultDownloaded"]
    assert all(p["data"]["bulkId"] == bulk_id and p["data"]["count"] == 3 for p in payloads)
    assert len(set(receiver.ids())) == 2
    log = await attempts(wh_api, hook["id"])
    assert len(log) == 2 and all(a["ok"] and a["status"] == 204 for a in log)
    headers, body = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(body.replace(b"completed", b"c0mpleted"), headers)


async def test_receiver_down_for_a_while_gets_it_when_back(wh_api: Api) -> None:
    receiver = Receiver()
    hook = await register(wh_api, receiver.url, ["bulk.completed"])
    bulk_id = await wh_api.submit(ROWS)
    await wh_api.wait_completed(bulk_id)

    async def two_failures() -> bool:
        return len(await attempts(wh_api, hook["id"])) >= 2

    await wait_for(two_failures)
    await receiver.start()
    try:
        await receiver.wait_requests(1)
    finally:
        await receiver.stop()
    assert receiver.verified(hook["secret"])[0]["data"]["bulkId"] == bulk_id

    async def success_logged() -> bool:  # the worker logs the answer after it arrives
        return bool((await attempts(wh_api, hook["id"]))[0]["ok"])

    await wait_for(success_logged)
    log = await attempts(wh_api, hook["id"])
    assert log[0]["ok"] and not any(a["ok"] for a in log[1:])
    assert all(a["status"] is None and a["error"] for a in log[1:])
    assert len({a["deliveryId"] for a in log}) == 1


@pytest.mark.parametrize("script", [["500", "500"], ["slow"]])
async def test_failed_answers_are_retried_with_the_same_webhook_id(wh_api: Api,
                                                                   script: list[str]) -> None:
    receiver = await Receiver(script).start()
    try:
        hook = await register(wh_api, receiver.url, ["bulk.completed"])
        bulk_id = await wh_api.submit(ROWS)
        await wh_api.wait_completed(bulk_id)
        await receiver.wait_requests(len(script) + 1)

        async def delivered() -> bool:
            return any(a["ok"] for a in await attempts(wh_api, hook["id"]))

        await wait_for(delivered)
    finally:
        await receiver.stop()
    assert len(set(receiver.ids())) == 1
    assert all(p["data"]["bulkId"] == bulk_id for p in receiver.verified(hook["secret"]))
    log = await attempts(wh_api, hook["id"])
    failed = [a for a in log if not a["ok"]]
    assert len(failed) == len(script)
    expected = "HTTP 500" if script[0] == "500" else "timed out after 5 s"
    assert all(a["error"] == expected for a in failed)
    assert all(a["note"].startswith("retry in") for a in failed)


async def test_an_endpoint_failing_too_long_is_disabled_and_a_retry_revives_it(
        wh_api: Api) -> None:
    receiver = await Receiver(["500"] * 20).start()
    try:
        hook = await register(wh_api, receiver.url, ["bulk.completed"])
        bulk_id = await wh_api.submit(ROWS)
        await wh_api.wait_completed(bulk_id)

        async def disabled() -> bool:
            async with wh_api.http.get("/api/webhooks", headers=wh_api.tenant.headers) as a:
                return bool((await a.json())["items"][0]["disabled"])

        await wait_for(disabled)
        async with wh_api.http.get("/api/webhooks", headers=wh_api.tenant.headers) as answer:
            listed = (await answer.json())["items"][0]
        assert "HTTP 500" in listed["disabledReason"] and "secret" not in listed
        log = await attempts(wh_api, hook["id"])
        assert "disabled" in log[0]["note"]
        receiver.script = []
        path = f"/api/webhooks/{hook['id']}/deliveries/{log[0]['deliveryId']}/retry"
        async with wh_api.http.post(path, headers=wh_api.tenant.headers) as answer:
            assert answer.status == 202, await answer.text()

        async def revived() -> bool:
            return bool((await attempts(wh_api, hook["id"]))[0]["ok"])

        await wait_for(revived)
    finally:
        await receiver.stop()
    assert len(set(receiver.ids())) == 1
    async with wh_api.http.get("/api/webhooks", headers=wh_api.tenant.headers) as answer:
        assert not (await answer.json())["items"][0]["disabled"]
