"""The sweeper on the real FerretDB: expired documents go, live ones stay, a pass is bounded."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.claimdoc import Claim
from shared.settings import Settings
from shared.store.claims import find_claim, take_claim
from shared.store.client import Database
from shared.store.layout import CLAIMS, RATE_LIMITS, drop_databases, idempotency_collection
from shared.store.ratelimits import is_taken, take_slot
from shared.store.sweep import Target, expiring, sweep_collection, sweep_forever, sweep_once


def test_every_family_with_the_expiry_index_is_swept(settings: Settings) -> None:
    targets = expiring(settings)
    assert {t.family for t in targets} == {"claims", "rate_limits", "idempotency",
                                           "webhook_log"}
    assert len(targets) == 2 + 16 + 16
    assert Target("idempotency", idempotency_collection("cust_x")) in targets


async def test_expired_documents_go_and_live_ones_stay(db: Database, settings: Settings) -> None:
    tag, now_s = uuid.uuid4().hex, time.time()
    assert await take_slot(db, f"sweep:{tag}:old", now_s - 60)
    assert await take_slot(db, f"sweep:{tag}:live", now_s + 3600)
    lapsed = Claim.download(f"sweep-{tag}", "t", now_s - 120, 60)
    assert await take_claim(db, lapsed)
    assert await take_claim(db, Claim.archive(f"sweep-{tag}", "delivery"))
    shard = idempotency_collection(f"cust_{tag}")
    await db[shard].insert_many([
        {"_id": f"cust_{tag}:old", "bodySha256": "0", "bulkId": None,
         "expiresAt": datetime.now(UTC) - timedelta(seconds=1)},
        {"_id": f"cust_{tag}:live", "bodySha256": "0", "bulkId": "b",
         "expiresAt": datetime.now(UTC) + timedelta(hours=24)}])
    await sweep_once(db, expiring(settings))  # a worker's sweeper may have been first
    assert not await is_taken(db, f"sweep:{tag}:old")
    assert await is_taken(db, f"sweep:{tag}:live")
    assert await find_claim(db, lapsed.claim_id) is None
    assert await find_claim(db, f"archive:sweep-{tag}") is not None
    left = {doc["_id"] async for doc in db[shard].find({"_id": {"$in": [
        f"cust_{tag}:old", f"cust_{tag}:live"]}})}
    assert left == {f"cust_{tag}:live"}
    await db[RATE_LIMITS].delete_many({"_id": f"sweep:{tag}:live"})
    await db[CLAIMS].delete_many({"_id": f"archive:sweep-{tag}"})


@pytest.fixture
async def private(db: Database) -> AsyncIterator[Database]:
    """A database of this test's own, which no worker sweeps, so the counts are its alone;
    its collection is the real `rate_limits`."""
    own = db.client[f"{db.name}_sweep_{uuid.uuid4().hex[:8]}"]
    yield own
    await drop_databases(own)


async def test_a_pass_deletes_at_most_its_pages(private: Database) -> None:
    now, ids = datetime.now(UTC), [f"slot:{n}" for n in range(7)]
    await private[RATE_LIMITS].insert_many(
        [{"_id": i, "expiresAt": now - timedelta(seconds=n + 1)} for n, i in enumerate(ids)]
        + [{"_id": "live", "expiresAt": now + timedelta(hours=1)}])
    assert await sweep_collection(private, RATE_LIMITS, now, page_docs=2, max_pages=2) == 4
    target = [Target("rate_limits", RATE_LIMITS)]
    assert await sweep_once(private, target, now, page_docs=2) == {"rate_limits": 3}
    assert await sweep_once(private, target, now) == {}
    left = private[RATE_LIMITS].find({"_id": {"$in": [*ids, "live"]}})
    assert [doc["_id"] async for doc in left] == ["live"]


async def test_the_periodic_sweeper_reports_what_it_deleted(private: Database) -> None:
    ids = [f"slot:{n}" for n in range(3)]
    await private[RATE_LIMITS].insert_many(
        [{"_id": i, "expiresAt": datetime.now(UTC) - timedelta(hours=1)} for i in ids])
    reported: list[tuple[str, int]] = []
    swept = asyncio.Event()

    def on_expired(family: str, count: int) -> None:
        reported.append((family, count))
        swept.set()

    task = asyncio.create_task(sweep_forever(private, [Target("rate_limits", RATE_LIMITS)],
                                             on_expired, period_s=0.05))
    try:
        async with asyncio.timeout(10):
            await swept.wait()
        await asyncio.sleep(0.2)  # later passes find nothing, so report nothing
    finally:
        task.cancel()
    assert reported == [("rate_limits", 3)]
    assert not await is_taken(private, ids[0])
