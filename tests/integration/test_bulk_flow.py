"""The bulk API end to end against the running stack: submit, poll, download once, redirect."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from shared.keys import result_key
from shared.s3 import ObjectStore
from shared.store import Database
from shared.store.orders import find_order
from tests.api import Api, decode_data_uri, parse_archive

VENDOR_ROWS = [
    {"uid": "row-001", "qrType": "dynamic", "dataType": "url", "data": "https://example.com/lp/a"},
    {"uid": "row-002", "qrType": "dynamic", "dataType": "url", "data": "https://example.com/lp/b"},
    {"uid": "row-003", "qrType": "dynamic", "dataType": "url", "data": "https://example.com/lp/c"},
]


async def test_vendor_example_round_trip(api: Api, http: aiohttp.ClientSession,
                                         db: Database, store: ObjectStore) -> None:
    bulk_id = await api.submit(VENDOR_ROWS)
    assert bulk_id.startswith("bulk_") and len(bulk_id) >= 5 + 24
    done = await api.wait_completed(bulk_id)
    assert done["status"] == "completed" and done["count"] == 3
    assert done["failedFeatures"] == {"dynamicQr": 0, "securedQr": 0, "sourceQr": 0}
    assert set(done) == {"bulkId", "status", "count", "failedFeatures", "product",
                         "createdAt", "updatedAt", "processed"}
    assert done["processed"] == 3
    assert done["product"] == "qr" and done["updatedAt"] >= done["createdAt"]

    status, body = await api.download(bulk_id)
    assert status == 200
    entries = parse_archive(body)
    assert [e["uid"] for e in entries] == ["row-001", "row-002", "row-003"]
    for entry, row in zip(entries, VENDOR_ROWS, strict=True):
        assert set(entry) == {"id", "uid", "url", "QRs"} and entry["id"].startswith("qr_")
        assert decode_data_uri(entry["QRs"]) == entry["url"]
        async with http.get(entry["url"].removeprefix(str(http._base_url)),
                            allow_redirects=False) as answer:
            assert answer.status == 302
            assert answer.headers["Location"] == row["data"]

    assert await api.download(bulk_id) == (410, await _gone_body(api, bulk_id))
    assert (await api.status(bulk_id))["status"] == "resultDownloaded"
    assert not await store.exists(result_key(bulk_id))
    order = await find_order(db, bulk_id)
    assert order is not None and order.is_downloaded


async def _gone_body(api: Api, bulk_id: str) -> bytes:
    return (await api.download(bulk_id))[1]


async def test_mixed_batch_keeps_order_and_tallies_failures(api: Api) -> None:
    rows: list[Any] = [
        {"data": "https://example.com/no-uid"},
        {"uid": "bad-url", "data": "notaurl"},
        {"uid": "static-1", "data": "https://example.com/s1"},
        {"uid": "dyn-1", "qrType": "dynamic", "data": "https://example.com/d1"},
        {"uid": "dyn-bad", "qrType": "dynamic", "data": "ftp://nope",
         "sources": ["a"], "secure": [{"type": "password", "value": "pw"}]},
        {"uid": "static-1", "data": "https://example.com/dup"},
        {"uid": 42, "data": "https://example.com/s2"},
    ]
    entries = await api.archive(await api.submit(rows))
    assert len(entries) == len(rows)
    assert entries[0] == {"uid": None, "status": "failed", "message": "uid is required",
                          "code": 400}
    assert entries[1] == {"uid": "bad-url", "status": "failed",
                          "message": "Invalid URL provided for dataType: url", "code": 400}
    assert decode_data_uri(entries[2]) == "https://example.com/s1"
    assert entries[3]["uid"] == "dyn-1" and decode_data_uri(entries[3]["QRs"]) == entries[3]["url"]
    assert entries[4]["code"] == 400 and entries[4]["uid"] == "dyn-bad"
    assert entries[5]["code"] == 400 and "duplicate uid" in entries[5]["message"]
    assert decode_data_uri(entries[6]) == "https://example.com/s2"
    status = await api.status(await api.submit(rows))
    while status["status"] == "processing":
        await asyncio.sleep(0.2)
        status = await api.status(status["bulkId"])
    assert status["failedFeatures"] == {"dynamicQr": 1, "securedQr": 1, "sourceQr": 1}
