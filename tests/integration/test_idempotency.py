"""Idempotency-Key: one batch per key and body, 409 for the same key with another body."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime

import shared.store.idempotency as keys
from shared.store.client import Database
from shared.store.layout import ORDERS, idempotency_collection
from tests.api import Api

BULK = "/api/qr/bulk-generate"


async def test_same_key_same_body_makes_one_batch(api: Api, db: Database) -> None:
    rows = [{"uid": 1, "data": "https://example.com/idem"}]
    headers = {**api.tenant.headers, "Idempotency-Key": "order-77"}

    async def post() -> tuple[int, str]:
        async with api.http.post(BULK, json=rows, headers=headers) as answer:
            return answer.status, await answer.text()

    answers = await asyncio.gather(*(post() for _ in range(5)))
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1
    again = await post()
    assert again == answers[0]
    assert await db[ORDERS].count_documents({"subscription": api.tenant.client_id}) == 1
    async with api.http.post(BULK, json=[{"uid": 2, "data": "https://example.com/other"}],
                             headers=headers) as answer:
        assert answer.status == 409
        assert "different body" in (await answer.json())["error"]
    async with api.http.post(BULK, json=rows, headers={**headers, "Idempotency-Key": ""}
                             ) as answer:
        assert answer.status == 400


async def test_one_first_writer_per_key_and_tenants_never_collide(db: Database) -> None:
    """Twenty racing first requests on the real store: one wins per (subscription, key),
    and another subscription's same key is its own (the two may share a shard)."""
    one, two = f"cust_{uuid.uuid4().hex[:16]}", f"cust_{uuid.uuid4().hex[:16]}"
    now_s = time.time()
    record = keys.KeyRecord("0" * 64, now_s + 60)
    wins = await asyncio.gather(*(keys.begin(db, one, "k", record, now_s) for _ in range(20)))
    assert wins.count(True) == 1
    assert await keys.begin(db, two, "k", record, now_s)
    await keys.accepted(db, one, "k", "bulk-one")
    first = await keys.find(db, one, "k")
    other = await keys.find(db, two, "k")
    assert first is not None and first.bulk_id == "bulk-one"
    assert other is not None and other.bulk_id is None
    stored = await db[idempotency_collection(one)].find_one({"_id": f"{one}:k"})
    assert stored is not None and isinstance(stored["expiresAt"], datetime)
    # Past its window the key is free again: the first request after it wins.
    assert await keys.begin(db, one, "k", keys.KeyRecord("1" * 64, now_s + 200), now_s + 61)
    again = await keys.find(db, one, "k")
    assert again is not None and again.body_sha256 == "1" * 64 and again.bulk_id is None
