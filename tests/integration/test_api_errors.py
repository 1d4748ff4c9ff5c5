"""Every error answer of the contract, with its status code and a message."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from shared import amqp
from shared.orderdoc import Order
from shared.orders import now_ms
from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store.client import Database
from shared.store.orders import count_orders, find_order, insert_order
from shared.subscriptions import set_disabled
from tests.api import Api, new_tenant
from tests.conftest import Stack
from tests.processes import delete_topology, free_port, start_gateway

BULK = "/api/qr/bulk-generate"


async def answer(http: aiohttp.ClientSession, method: str, path: str,
                 **kwargs: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kwargs) as response:
        body = await response.json(content_type=None)
        return response.status, body


@pytest.mark.parametrize(("body", "status", "message"), [
    (b"{not json", 400, "body is not valid JSON"),
    (b'{"uid": 1}', 400, "must be a JSON array of rows, not an object"),
    (b'"text"', 400, "not a string"),
    (b"[]", 400, "empty array"),
    (b"", 400, "body is empty"),
    (b"[NaN]", 400, "not valid JSON"),
    (b"[" * 5000 + b"]" * 5000, 400, "not valid JSON"),
    (b'["\xff\xfe"]', 400, "not valid JSON"),
])
async def test_bad_bodies_are_400(api: Api, body: bytes, status: int, message: str) -> None:
    got = await answer(api.http, "POST", BULK, data=body,
                       headers={**api.tenant.headers, "Content-Type": "application/json"})
    assert got[0] == status and message in got[1]["error"]


async def test_auth_errors(http: aiohttp.ClientSession, db: Database) -> None:
    assert (await answer(http, "GET", BULK))[0] == 401
    tenant = await new_tenant(db)
    wrong = {"client-id": tenant.client_id, "api-key": "sk_wrong"}
    assert (await answer(http, "GET", BULK, headers=wrong))[0] == 401
    assert (await answer(http, "GET", BULK, headers=tenant.headers))[0] == 200
    await set_disabled(db, tenant.client_id)
    status, body = await answer(http, "GET", BULK, headers=tenant.headers)
    assert status == 403 and "disabled" in body["error"]


async def test_body_over_25_mb_is_413_before_it_is_read(api: Api, stack: Stack) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", stack.settings.http_port)
    head = [f"POST {BULK} HTTP/1.1", "Host: x", "Content-Type: application/json",
            f"Content-Length: {26 * 1024 * 1024}"]
    head += [f"{k}: {v}" for k, v in api.tenant.headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)  # no body was sent at all
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413")


async def test_chunked_body_over_25_mb_is_413(api: Api) -> None:
    async def body() -> Any:
        piece = b"[" + b'"' + b"x" * (1024 * 1024) + b'",'
        for _ in range(27):
            yield piece

    try:
        status, reply = await answer(api.http, "POST", BULK, data=body(),
                                     headers={**api.tenant.headers,
                                              "Content-Type": "application/json"})
    except aiohttp.ClientError:
        pytest.fail("the gateway should answer 413, not drop the connection")
    assert status == 413 and "25 MB" in reply["error"]


async def test_status_errors(api: Api, db: Database) -> None:
    assert (await answer(api.http, "GET", f"{BULK}/", headers=api.tenant.headers))[0] == 400
    unknown = f"{BULK}/bulk_{'0' * 32}"
    assert (await answer(api.http, "GET", unknown, headers=api.tenant.headers))[0] == 404
    assert (await answer(api.http, "GET", unknown + "/result", headers=api.tenant.headers)
            )[0] == 404
    pending = Order.new(f"bulk_{'1' * 24}{api.tenant.client_id[-8:]}", api.tenant.client_id,
                        1, 1, now_ms())
    await insert_order(db, pending)
    status, body = await answer(api.http, "GET", f"{BULK}/{pending.bulk_id}/result",
                                headers=api.tenant.headers)
    assert status == 410 and "not ready" in body["error"]


async def test_list_is_newest_first_with_a_cursor(api: Api) -> None:
    ids = [await api.submit([{"uid": n, "data": "https://example.com"}]) for n in range(3)]
    status, first = await answer(api.http, "GET", f"{BULK}?limit=2", headers=api.tenant.headers)
    assert status == 200 and [d["bulkId"] for d in first["items"]] == ids[::-1][:2]
    status, rest = await answer(api.http, "GET", f"{BULK}?limit=2&cursor={first['next']}",
                                headers=api.tenant.headers)
    assert [d["bulkId"] for d in rest["items"]] == ids[:1] and rest["next"] is None
    for query in ("limit=0", "limit=101", "limit=x", "cursor=%%%"):
        status, body = await answer(api.http, "GET", f"{BULK}?{query}",
                                    headers=api.tenant.headers)
        assert status == 400 and body["error"]


async def test_quota_used_up_is_429_and_queues_nothing(api: Api, db: Database) -> None:
    tenant = await new_tenant(db, qr_limit=2)
    own = Api(api.http, tenant)
    rows = [{"uid": i, "qrType": "dynamic", "data": "https://example.com"} for i in range(2)]
    await own.archive(await own.submit(rows))
    status, body = await answer(api.http, "POST", BULK, json=rows, headers=tenant.headers)
    assert status == 429 and "nothing was queued" in body["error"]
    assert await count_orders(db, tenant.client_id) == 1


async def test_unqueueable_batch_is_500_and_leaves_nothing(
    settings: Settings, db: Database, store: ObjectStore
) -> None:
    """With the chunk queue gone the broker returns the message: nothing may stay behind."""
    private = settings.model_copy(update={"queue_prefix": f"{settings.queue_prefix}-noq",
                                          "http_port": free_port()})
    gateway = start_gateway(private, f"noqueue-{private.http_port}")
    tenant = await new_tenant(db)
    try:
        connection = await amqp.connect(private)
        async with connection:
            channel = await connection.channel()
            names = amqp.Names(private.queue_prefix)
            await channel.queue_delete(names.chunks, if_unused=False, if_empty=False)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{private.http_port}") as http:
            status, body = await answer(http, "POST", BULK, headers=tenant.headers,
                                        json=[{"uid": 1, "data": "https://example.com"}])
        assert status == 500 and "could not be queued" in body["error"]
        assert await count_orders(db, tenant.client_id) == 0
        leftovers = [key async for key in store.keys("inputs/")]
        assert all([await find_order(db, key.split("/")[1]) is not None for key in leftovers])
    finally:
        gateway.stop()
        await delete_topology(private)
