"""The workspace CSV upload against real servers: rows end to end, 400s, and the shared limit.

The limit counts calls per client IP, and every test comes from 127.0.0.1. So these
tests talk to gateways of their own that trust 127.0.0.1 as a proxy, and each test
names its own client in X-Forwarded-For: the session gateway's budget is left alone.
"""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import math
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import orjson
import pytest
from multidict import CIMultiDictProxy
from PIL import Image

from gateway.ratelimit import WINDOW_S, take_call
from shared.errors import TooManyRequests
from shared.settings import Settings
from shared.store import ORDERS, RATE_LIMITS, Database
from tests.api import Api, Tenant, decode_data_uri
from tests.conftest import RUN, Stack
from tests.processes import free_port, start_gateway, stopped_at_end

WORKSPACE = "/api/qr/workspace-bulk-generate"
LIMIT = 5
_addresses = itertools.count(1)


def new_client_ip() -> str:
    """A client address of the test's own (TEST-NET-2), so its limit window is its own."""
    n = next(_addresses)
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


@pytest.fixture(scope="module")
def edges(settings: Settings, stack: Stack) -> Iterator[list[str]]:
    """Two more gateways on the same servers that believe X-Forwarded-For from loopback
    (the session's queues and database: nothing of their own to remove)."""
    with stopped_at_end() as started:
        for i in range(2):
            edge = settings.model_copy(update={"http_port": free_port(),
                                               "trusted_proxies": ["127.0.0.1/32"]})
            started.append(start_gateway(edge, f"{RUN}-edge-{i}"))
        yield [f"http://127.0.0.1:{p.settings.http_port}" for p in started]


@pytest.fixture
async def edge(edges: list[str]) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(edges[0]) as session:
        yield session


async def post_csv(http: aiohttp.ClientSession, tenant: Tenant, text: str | bytes, ip: str,
                   *, multipart: bool = True, headers: dict[str, str] | None = None
                   ) -> tuple[int, Any, CIMultiDictProxy[str]]:
    """POST a CSV as a browser would (multipart `file`) or as a text/csv body."""
    body = text.encode() if isinstance(text, str) else text
    all_headers = {**tenant.headers, "X-Forwarded-For": ip, **(headers or {})}
    data: Any = body
    if multipart:
        data = aiohttp.FormData()
        data.add_field("file", io.BytesIO(body), filename="rows.csv", content_type="text/csv")
    else:
        all_headers.setdefault("Content-Type", "text/csv")
    async with http.post(WORKSPACE, data=data, headers=all_headers) as answer:
        return answer.status, orjson.loads(await answer.read()), answer.headers


async def order_count(db: Database, tenant: Tenant) -> int:
    return await db[ORDERS].count_documents({"subscription": tenant.client_id})


async def fresh_window(min_left_s: float = 10) -> None:
    """Wait for the next limit window when this one is about to end."""
    left_s = WINDOW_S - time.time() % WINDOW_S
    if left_s < min_left_s:
        await asyncio.sleep(left_s + 0.1)


THREE_ROWS = (
    "uid,qrType,dataType,data,data.ssid,data.password,styling.size,styling.margin,"
    "sources,secure.password\n"
    "s-1,,url,https://example.com/ws/1,,,128,2,,\n"
    'w-1,,wifi,,Cafe "Corner",pa;ss,,,,\n'
    "d-1,dynamic,url,https://example.com/ws/d,,,,,flyer; poster,open-sesame\n"
)


async def test_three_row_csv_becomes_a_batch(edge: aiohttp.ClientSession, tenant: Tenant,
                                             http: aiohttp.ClientSession) -> None:
    status, bulk_id, _ = await post_csv(edge, tenant, THREE_ROWS, new_client_ip())
    assert status == 200 and isinstance(bulk_id, str) and bulk_id.startswith("bulk_")
    api = Api(http, tenant)
    done = await api.wait_completed(bulk_id)
    assert done["count"] == 3 and done["status"] == "completed"
    assert done["failedFeatures"] == {"dynamicQr": 0, "securedQr": 0, "sourceQr": 0}
    static, wifi, dynamic = await api.archive(bulk_id)
    assert decode_data_uri(static) == "https://example.com/ws/1"
    png = Image.open(io.BytesIO(base64.b64decode(static.partition(",")[2])))
    assert png.size == (128, 128)
    assert decode_data_uri(wifi) == 'WIFI:T:WPA;S:Cafe \\"Corner\\";P:pa\\;ss;;'
    assert dynamic["uid"] == "d-1" and decode_data_uri(dynamic["QRs"]) == dynamic["url"]
    assert [s["source"] for s in dynamic["sources"]] == ["flyer", "poster"]
    short_path = dynamic["url"].split("/r/", 1)[1]
    async with http.get(f"/r/{short_path}", allow_redirects=False) as page:
        assert page.status == 200 and "type=password" in await page.text()
    async with http.post(f"/r/{short_path}", data={"password": "open-sesame"},
                         allow_redirects=False) as unlocked:
        assert unlocked.status == 302
        assert unlocked.headers["Location"] == "https://example.com/ws/d"


async def test_text_csv_body_with_geo_and_a_failing_row(edge: aiohttp.ClientSession,
                                                         tenant: Tenant,
                                                         http: aiohttp.ClientSession) -> None:
    text = ("uid,dataType,data,data.lat,data.lng,styling.errorCorrection\r\n"
            "geo-1,geo,,-33.8568,151.2153,H\r\n"
            ",text,no uid here,,,\r\n"
            "bad-1,url,not a url,,,\r\n")
    status, bulk_id, _ = await post_csv(edge, tenant, text, new_client_ip(), multipart=False,
                                        headers={"Content-Type": "text/csv; charset=utf-8"})
    assert status == 200
    geo, missing, bad = await Api(http, tenant).archive(bulk_id)
    assert decode_data_uri(geo) == "geo:-33.8568,151.2153"
    assert missing == {"uid": None, "status": "failed", "message": "uid is required",
                       "code": 400}
    assert bad == {"uid": "bad-1", "status": "failed",
                   "message": "Invalid URL provided for dataType: url", "code": 400}


async def test_idempotency_key_makes_one_batch(edge: aiohttp.ClientSession, tenant: Tenant,
                                               db: Database) -> None:
    ip, key = new_client_ip(), {"Idempotency-Key": f"csv-{RUN}"}
    text = "uid,data\nidem-1,https://example.com/idem\n"
    first = await post_csv(edge, tenant, text, ip, headers=key)
    again = await post_csv(edge, tenant, text, ip, multipart=False, headers=key)
    assert first[0] == again[0] == 200 and first[1] == again[1]
    assert await order_count(db, tenant) == 1
    other = await post_csv(edge, tenant, text + "idem-2,https://example.com/2\n", ip,
                           headers=key)
    assert other[0] == 409 and "different body" in other[1]["error"]


async def test_501_rows_are_refused_naming_the_count(edge: aiohttp.ClientSession,
                                                      tenant: Tenant, db: Database) -> None:
    text = "uid,data\n" + "".join(f"r{i},https://example.com/{i}\n" for i in range(501))
    status, body, _ = await post_csv(edge, tenant, text, new_client_ip())
    assert status == 400
    assert body["error"] == "the CSV has 501 rows; at most 500 per upload"
    status, bulk_id, _ = await post_csv(edge, tenant, text.rsplit("r500,", 1)[0],
                                        new_client_ip())
    assert status == 200 and bulk_id.startswith("bulk_")
    assert await order_count(db, tenant) == 1


@pytest.mark.parametrize(("text", "line", "reason"), [
    (b'uid,data\nok,https://example.com/a\nbad,"https://example.com/b\n', 3,
     "quoted cell is never closed"),
    (b"uid,data\nok,https://example.com/a\nok2,x,surplus\n", 3, "3 cells"),
    (b"uid,data\nok,https://example.com/a\nok2,caf\xe9\n", 3, "not valid UTF-8"),
    (b"uid,styling\nok,big\n", 1, "needs a key"),
])
async def test_bad_csv_is_400_naming_the_line(edge: aiohttp.ClientSession, tenant: Tenant,
                                              db: Database, text: bytes, line: int,
                                              reason: str) -> None:
    status, body, _ = await post_csv(edge, tenant, text, new_client_ip())
    assert status == 400
    assert body["error"].startswith(f"line {line}: ") and reason in body["error"]
    assert await order_count(db, tenant) == 0


async def test_refusals_before_any_row_is_read(edge: aiohttp.ClientSession, tenant: Tenant,
                                               db: Database) -> None:
    ip = new_client_ip()
    async with edge.post(WORKSPACE, data=b"uid\n1\n", headers={"X-Forwarded-For": ip}) as a:
        assert a.status == 401
    assert await db[RATE_LIMITS].count_documents({"_id": {"$regex": f"^workspace:{ip}:"}}) == 0
    wrong_type = await post_csv(edge, tenant, "[]", ip, multipart=False,
                                headers={"Content-Type": "application/json"})
    assert wrong_type[0] == 415 and "text/csv" in wrong_type[1]["error"]
    form = aiohttp.FormData()
    form.add_field("other", b"uid\n1\n", filename="x.csv")
    async with edge.post(WORKSPACE, data=form,
                         headers={**tenant.headers, "X-Forwarded-For": ip}) as answer:
        assert answer.status == 400
        assert "no part named file" in (await answer.json())["error"]
    huge = b"uid,data\n" + b"x,https://example.com/" + b"a" * (5 * 1024 * 1024) + b"\n"
    too_big = await post_csv(edge, tenant, huge, new_client_ip())
    assert too_big[0] == 413 and "5 MB" in too_big[1]["error"]
    assert await order_count(db, tenant) == 0


async def test_sixth_call_in_a_minute_is_429(edge: aiohttp.ClientSession,
                                             tenant: Tenant) -> None:
    await fresh_window()
    ip, text = new_client_ip(), "uid,data\nr,https://example.com/limit\n"
    for _ in range(LIMIT):
        assert (await post_csv(edge, tenant, text, ip))[0] == 200
    status, body, headers = await post_csv(edge, tenant, text, ip)
    assert status == 429 and "at most 5 calls a minute" in body["error"]
    retry_after_s = int(headers["Retry-After"])
    assert 1 <= retry_after_s <= WINDOW_S
    assert abs(retry_after_s - (WINDOW_S - time.time() % WINDOW_S)) < 3
    assert (await post_csv(edge, tenant, text, new_client_ip()))[0] == 200


async def test_limit_is_shared_by_gateway_processes(edges: list[str], tenant: Tenant,
                                                    db: Database) -> None:
    await fresh_window()
    ip, text = new_client_ip(), "uid,data\nr,https://example.com/shared\n"
    async with aiohttp.ClientSession(edges[0]) as one, aiohttp.ClientSession(edges[1]) as two:
        calls = [post_csv((one, two)[i % 2], tenant, text, ip) for i in range(12)]
        answers = await asyncio.gather(*calls)
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * LIMIT + [429] * 7
    assert await order_count(db, tenant) == LIMIT
    slots = await db[RATE_LIMITS].count_documents({"_id": {"$regex": f"^workspace:{ip}:"}})
    assert slots == LIMIT


async def test_take_call_has_exactly_limit_winners(db: Database) -> None:
    """50 racing calls against the real store: five win, the rest learn the wait."""
    # This window, not a past one: a worker's sweeper deletes expired slots at any moment.
    client, now_s = f"race-{RUN}", (time.time() // WINDOW_S) * WINDOW_S + 42.5

    async def call() -> int | None:
        try:
            await take_call(db, "test", client, LIMIT, now_s=now_s)
        except TooManyRequests as refused:
            return refused.retry_after_s
        return 0

    results = await asyncio.gather(*(call() for _ in range(50)))
    assert results.count(0) == LIMIT
    assert set(results) - {0} == {math.ceil(WINDOW_S - 42.5)}
    for _ in range(LIMIT):  # the next window has its own LIMIT slots
        await take_call(db, "test", client, LIMIT, now_s=now_s + WINDOW_S)
    with pytest.raises(TooManyRequests):
        await take_call(db, "test", client, LIMIT, now_s=now_s + WINDOW_S)
