"""A 10,000-row batch shared by two worker processes, complete and in order."""

from __future__ import annotations

import orjson
import pytest

from shared.store import Database
from tests.api import Api, decode_data_uri, new_tenant
from tests.conftest import Stack


@pytest.mark.slow
async def test_ten_thousand_rows_over_two_workers(stack: Stack, api: Api, db: Database) -> None:
    tenant = await new_tenant(db, qr_limit=20_000)
    api = Api(api.http, tenant)
    rows = [{"uid": f"r{i}", "qrType": "dynamic" if i % 2 else "static",
             "data": f"https://example.com/item/{i}"} for i in range(10_000)]
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id, timeout_s=300)
    status, body = await api.download(bulk_id)
    assert status == 200
    entries = orjson.loads(orjson.loads(body))
    assert len(entries) == 10_000
    for i in (0, 1, 4999, 9998, 9999):
        entry = entries[i]
        if i % 2:
            assert entry["uid"] == f"r{i}"
            assert decode_data_uri(entry["QRs"]) == entry["url"]
        else:
            assert decode_data_uri(entry) == f"https://example.com/item/{i}"
    assert [e["uid"] for e in entries[1::2]] == [f"r{i}" for i in range(1, 10_000, 2)]
    for worker in stack.workers:
        rendered = [line for line in worker.log_text().splitlines()
                    if "chunk rendered" in line and bulk_id in line]
        assert rendered, f"worker {worker.pid} took no chunk of {bulk_id}"
