"""Scan totals and PATCHes of the same record, at the same time, lose neither (FerretDB)."""

from __future__ import annotations

import asyncio
import uuid

from shared.analytics.tally import TallyBatch
from shared.ids import code_of_qr_id, shard_of_code
from shared.scantotals import ScanTotal, apply_totals, find_totals
from shared.schemas import ScanEvent
from shared.store.client import Database
from shared.store.layout import links_collection, scan_totals_collection
from shared.store.migrations.scans import fold_link_totals
from tests.api import Api
from tests.integration.test_links import one_dynamic

ROUNDS = 150


def one_scan(gateway: str, seq: int, code: str) -> TallyBatch:
    return TallyBatch(gateway=gateway, seq=seq, cells=[],
                      links=[ScanEvent(code=code, count=1, lastScanMs=seq)])


async def test_patches_racing_scan_batches_lose_neither(api: Api, db: Database) -> None:
    """Before the totals had their own collection, this lost about 1 scan in 6 (and now and
    then the PATCH) to FerretDB's read-then-write updates."""
    entry = await one_dynamic(api)
    code, gateway = code_of_qr_id(entry["id"]), uuid.uuid4().hex
    assert code is not None

    async def scans() -> None:
        for seq in range(1, ROUNDS + 1):
            await apply_totals(db, one_scan(gateway, seq, code))

    async def patches() -> None:
        for limit in range(1_000, 1_000 + ROUNDS):
            async with api.http.patch(f"/api/qr/{entry['id']}", headers=api.tenant.headers,
                                      json={"maxScans": limit}) as answer:
                assert answer.status == 200, await answer.text()

    await asyncio.gather(scans(), patches())
    async with api.http.get(f"/api/qr/{entry['id']}", headers=api.tenant.headers) as got:
        record = await got.json()
    assert record["scans"] == {"total": ROUNDS, "direct": ROUNDS}
    assert record["maxScans"] == 1_000 + ROUNDS - 1 and record["lastScanAt"] == ROUNDS


async def test_a_batch_taken_already_changes_nothing(db: Database) -> None:
    code, gateway = f"07{uuid.uuid4().hex[:7]}", uuid.uuid4().hex[:16]
    for seq in (1, 2, 2, 1):  # a redelivery, and an older batch arriving late
        await apply_totals(db, one_scan(gateway, seq, code))
    other = uuid.uuid4().hex[:16]
    await apply_totals(db, one_scan(other, 1, code))
    seen = [(await find_totals(db, [code], name))[code].seen for name in (gateway, other)]
    total = (await find_totals(db, [code]))[code]
    assert (total.scans, total.last_scan_ms, total.seen, seen) == (3, 2, 0, [2, 1])


async def test_totals_counted_in_link_documents_by_older_releases_still_count(
        db: Database) -> None:
    """The migration copies them beside the totals once; reads then open only the totals."""
    code = f"07{uuid.uuid4().hex[:7]}"
    shard = shard_of_code(code)
    assert shard == 7
    await db[links_collection(shard)].insert_one(
        {"_id": code, "subscription": "s", "bulkId": "b", "row": 0, "createdAt": 1,
         "scans": 4, "lastScanAt": 9_000, "scanSeen": {"aaaaaaaa": 7}})
    assert await fold_link_totals(db, shard) >= 1
    assert await fold_link_totals(db, shard) == 0
    never = f"07{uuid.uuid4().hex[:7]}"
    before = await find_totals(db, [code, never, "!!"], "aaaaaaaa")
    assert before == {code: ScanTotal(4, 9_000), never: ScanTotal()}
    await apply_totals(db, one_scan("aaaaaaaa", 8, code))
    after = (await find_totals(db, [code], "aaaaaaaa"))[code]
    assert (after.scans, after.last_scan_ms, after.seen) == (5, 9_000, 8)
    assert await db[scan_totals_collection(shard)].count_documents({"_id": code}) == 1
    assert (await db[links_collection(shard)].find_one({"_id": code}) or {})["scans"] == 4
