"""Admission control against the real servers: the body budget, batches in flight, rows a minute."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import orjson
import pytest

from shared.settings import Settings
from shared.store.client import Database
from shared.subscriptions import set_limits
from tests.api import Api, Tenant, new_tenant
from tests.processes import Process, free_port, start_gateway

BULK = "/api/qr/bulk-generate"
MIB = 1024 * 1024


def static_rows(count: int, tag: str) -> list[dict[str, Any]]:
    return [{"uid": f"{tag}{i}", "data": f"https://example.com/{tag}/{i}"} for i in range(count)]


async def post(api: Api, rows: list[Any]) -> tuple[int, dict[str, str], Any]:
    async with api.http.post(BULK, json=rows, headers=api.tenant.headers) as answer:
        return answer.status, dict(answer.headers), await answer.json()


async def limited(api: Api, db: Database, **limits: int | None) -> Api:
    tenant = await new_tenant(db)
    await set_limits(db, tenant.client_id, batches_in_flight=limits.get("batches"),
                     rows_per_minute=limits.get("rows"))
    return Api(api.http, tenant)


async def test_batches_in_flight_are_limited_exactly(api: Api, db: Database) -> None:
    """Ten concurrent batches, three allowed in flight: three 200s, seven 429s."""
    api = await limited(api, db, batches=3)
    answers = await asyncio.gather(*(post(api, static_rows(3000, f"b{n}-")) for n in range(10)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * 3 + [429] * 7, statuses
    refused = next(reply for status, _, reply in answers if status == 429)
    assert "3 batches of this subscription are still processing" in refused["error"]
    assert next(h for s, h, _ in answers if s == 429)["Retry-After"] == "5"
    for status, _, bulk_id in answers:
        if status == 200:
            await api.wait_completed(bulk_id, timeout_s=600)
    status, _, _ = await post(api, static_rows(1, "after"))
    assert status == 200  # slots of completed batches are taken back


async def test_rows_a_minute_are_limited_and_never_exceeded(api: Api, db: Database) -> None:
    if time.time() % 60 > 40:  # keep the test inside one fixed minute
        await asyncio.sleep(61 - time.time() % 60)
    api = await limited(api, db, rows=1000)
    answers = await asyncio.gather(*(post(api, static_rows(150, f"r{n}-")) for n in range(10)))
    admitted = [status for status, _, _ in answers].count(200)
    assert 1 <= admitted <= 6, answers  # 7 x 150 rows would pass 1,000
    refused = [(h, reply) for status, h, reply in answers if status == 429]
    assert all(1 <= int(h["Retry-After"]) <= 60 for h, _ in refused)
    assert all("1000 rows a minute" in reply["error"] for _, reply in refused)
    left = 1000 - 150 * admitted
    if left >= 10:
        assert (await post(api, static_rows(left // 10 * 10, "fill")))[0] == 200
    status, _, reply = await post(api, static_rows(10, "over"))
    assert status == 429 and "1000 rows a minute" in reply["error"]
    status, _, reply = await post(api, static_rows(1001, "huge"))
    assert status == 429 and "split it" in reply["error"]


@pytest.fixture(scope="module")
def budget_gateway(settings: Settings) -> Iterator[Process]:
    port = free_port()
    small = settings.model_copy(update={"body_budget_bytes": 36 * MIB, "http_port": port,
                                        "public_url": f"http://127.0.0.1:{port}"})
    gateway = start_gateway(small, f"budget-{port}")
    yield gateway
    gateway.stop()


async def test_big_bodies_past_the_budget_get_503_before_they_are_read(
        budget_gateway: Process, tenant: Tenant) -> None:
    url = f"http://127.0.0.1:{budget_gateway.settings.http_port}"
    row = b'[{"uid":1,"data":"https://example.com/budget"}]'
    body = b" " * (20 * MIB - len(row)) + row
    headers = {**tenant.headers, "Content-Type": "application/json"}
    second_answered = asyncio.Event()

    async def slowly() -> AsyncIterator[bytes]:
        yield body[:MIB]
        await second_answered.wait()
        yield body[MIB:]

    async with aiohttp.ClientSession(url) as http:
        async def first() -> int:
            async with http.post(BULK, data=slowly(), headers={
                    **headers, "Content-Length": str(len(body))}) as answer:
                return answer.status

        holding = asyncio.create_task(first())
        await asyncio.sleep(1.0)  # the first body is being read: 20 MB of 36 are held
        async with http.post(BULK, data=io.BytesIO(body), headers=headers) as refused:
            assert refused.status == 503 and refused.headers["Retry-After"] == "1"
            assert "request body" in (await refused.json())["error"]
        small = orjson.dumps([{"uid": 2, "data": "https://example.com/small"}])
        async with http.post(BULK, data=small, headers=headers) as answer:
            assert answer.status == 200  # bodies under 1 MiB are not counted
        second_answered.set()
        assert await holding == 200
        async with http.post(BULK, data=io.BytesIO(body), headers=headers) as answer:
            assert answer.status == 200  # the budget was given back
