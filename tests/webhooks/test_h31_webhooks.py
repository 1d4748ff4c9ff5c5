"""Issue 31 items 7 and 8 replayed on the real servers: the endpoint cap and the manual
retry limit hold under concurrency, and malformed or special-purpose URLs get a 400."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.settings import Settings
from shared.store.client import Database
from shared.store.layout import WEBHOOK_SLOTS
from shared.webhooks.endpoints import MAX_ENDPOINTS
from tests.api import Api
from tests.webhooks.conftest import attempts, register
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery import ROWS, wait_for

EVENTS = ["bulk.completed"]


async def create(api: Api, url: str = "https://example.com/hook") -> tuple[int, dict[str, Any]]:
    body = {"url": url, "events": EVENTS}
    async with api.http.post("/api/webhooks", json=body, headers=api.tenant.headers) as answer:
        return answer.status, await answer.json()


async def listed(api: Api) -> list[dict[str, Any]]:
    async with api.http.get("/api/webhooks", headers=api.tenant.headers) as answer:
        assert answer.status == 200
        items: list[dict[str, Any]] = (await answer.json())["items"]
        return items


async def test_concurrent_creations_stop_exactly_at_the_cap(wh_api: Api) -> None:
    """Item 7: 40 concurrent creations left 40 endpoints (150 left 77); the cap is 20."""
    answers = await asyncio.gather(*(create(wh_api) for _ in range(150)))
    statuses = [status for status, _ in answers]
    assert statuses.count(201) == MAX_ENDPOINTS and statuses.count(400) == 150 - MAX_ENDPOINTS
    refused = next(body for status, body in answers if status == 400)
    assert f"at most {MAX_ENDPOINTS} webhooks" in refused["error"]
    hooks = await listed(wh_api)
    assert len(hooks) == MAX_ENDPOINTS
    async with wh_api.http.delete(f"/api/webhooks/{hooks[0]['id']}",
                                  headers=wh_api.tenant.headers) as answer:
        assert answer.status == 204
    again = await asyncio.gather(*(create(wh_api) for _ in range(10)))
    assert sorted(status for status, _ in again) == [201] + [400] * 9
    assert len(await listed(wh_api)) == MAX_ENDPOINTS


async def test_a_slot_left_by_a_crashed_creation_is_reclaimed(wh_api: Api, db: Database
                                                              ) -> None:
    """A creation that took its slot and died before storing the endpoint leaves a slot
    naming an endpoint that does not exist: once old enough, the next creation frees it."""
    client = wh_api.tenant.client_id
    await db[WEBHOOK_SLOTS].insert_many([
        {"_id": f"{client}:{n}", "client": client, "endpoint": f"wh_lost{n}", "takenAt": 0}
        for n in range(1, MAX_ENDPOINTS + 1)])
    assert (await create(wh_api))[0] == 201
    results = await asyncio.gather(*(create(wh_api) for _ in range(MAX_ENDPOINTS + 4)))
    assert sorted(status for status, _ in results) == [201] * (MAX_ENDPOINTS - 1) + [400] * 5
    assert len(await listed(wh_api)) == MAX_ENDPOINTS
    assert await db[WEBHOOK_SLOTS].count_documents({"endpoint": {"$regex": "^wh_lost"}}) == 0


async def retry(api: Api, path: str) -> tuple[int, str | None]:
    async with api.http.post(path, headers=api.tenant.headers) as answer:
        await answer.read()
        return answer.status, answer.headers.get("Retry-After")


async def test_manual_redeliveries_are_limited_per_endpoint(wh_api: Api, wh_settings: Settings
                                                             ) -> None:
    """Item 7: 200 manual redeliveries in 2.6 s were all accepted and sent; the limit is
    webhook_manual_retries_per_hour (30) per endpoint, exact under concurrency."""
    per_hour = wh_settings.webhook_manual_retries_per_hour
    receiver = await Receiver().start()
    try:
        hook = await register(wh_api, receiver.url, EVENTS)
        await wh_api.wait_completed(await wh_api.submit(ROWS))
        await receiver.wait_requests(1)
        delivery_id = (await attempts(wh_api, hook["id"]))[0]["deliveryId"]
        path = f"/api/webhooks/{hook['id']}/deliveries/{delivery_id}/retry"
        answers = await asyncio.gather(*(retry(wh_api, path) for _ in range(2 * per_hour)))
        accepted = [a for a in answers if a[0] == 202]
        refused = [after for status, after in answers if status == 429]
        assert len(accepted) == per_hour and len(refused) == per_hour, answers
        assert all(after is not None and 1 <= int(after) <= 3600 for after in refused)
        await receiver.wait_requests(1 + per_hour)
        await asyncio.sleep(2)  # nothing beyond the accepted ones arrives
        assert len(receiver.requests) == 1 + per_hour
    finally:
        await receiver.stop()

    async def all_logged() -> bool:
        return len(await attempts(wh_api, hook["id"])) == 1 + per_hour

    await wait_for(all_logged)


@pytest.mark.parametrize(("url", "message"), [
    ("https://[::127.0.0.1]/", "embeds 127.0.0.1"),
    ("https://[64:ff9b::7f00:1]/", "embeds 127.0.0.1"),
    ("https://[2002:7f00:1::]/", "embeds 127.0.0.1"),
    ("https://192.0.0.8/", "192.0.0.0/24"),
    ("https://exa mple.com/", "spaces and control"),
    ("https://example.com/a\r\nX-Injected: 1", "spaces and control"),
])
async def test_issue_31_urls_are_refused_at_creation(api: Api, url: str, message: str) -> None:
    """Item 8: each was accepted (201) and refused nowhere before delivery."""
    status, body = await create(api, url)
    assert status == 400 and "url refused" in body["error"] and message in body["error"], body
    assert await listed(api) == []


@pytest.mark.parametrize("limit", ["\u0663", "1_0", "+5", " 5", "0", "101"])
async def test_the_delivery_log_limit_takes_ascii_digits_only(wh_api: Api, limit: str) -> None:
    """Item 11 on this route: `limit=٣` was accepted (str.isdigit takes any script)."""
    hook = await register(wh_api, "https://example.com/hook", EVENTS)
    async with wh_api.http.get(f"/api/webhooks/{hook['id']}/deliveries",
                               params={"limit": limit}, headers=wh_api.tenant.headers) as a:
        assert a.status == 400 and "ASCII digits" in (await a.json())["error"]
