"""`bulkqr admin migrate`'s ledger step on a store populated as the code before DESIGN §11
wrote it: every slot, charge record and progress document read back by the new code."""

from __future__ import annotations

import uuid

from shared.progress import read_progress
from shared.quota import charge_rows, quota_used
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.layout import quota_collection
from shared.store.migrations.ledger import migrate_ledger, slot_from_legacy
from shared.store.quota import chunk_slots, find_charge
from shared.subscriptiondoc import Subscription


def legacy_slots(bulk_id: str, slots: list[int]) -> list[Doc]:
    """`quota_<client>` as shared/quota.py wrote it: `_id` the slot number."""
    return [{"_id": slot, "bulkId": bulk_id, "chunk": 0, "row": row}
            for row, slot in enumerate(slots)]


def legacy_progress(bulk_id: str) -> list[Doc]:
    """`progress_<bulk>` as worker/window.py and worker/chunk.py wrote it, plus the charge
    record that builds before `charges_<bulk>` kept there."""
    return [
        {"_id": f"next:{bulk_id}:{n}", "kind": "next", "chunk": n, "by": "split"}
        for n in range(3)
    ] + [
        {"_id": "done:0", "kind": "done", "chunk": 0, "rows": 4, "failed": {"dynamicQr": 1}},
        {"_id": "charge:2", "rows": [8]},
    ]


async def populate(db: Database, clients: list[str], bulk_id: str) -> None:
    for client_id in clients:  # the same slot numbers in both subscriptions
        await db[f"quota_{client_id}"].insert_many(legacy_slots(bulk_id, [1, 2, 4, 5]))
    await db[f"charges_{bulk_id}"].insert_one(
        {"_id": "charge:0", "rows": [0, 1, 2, 3], "by": "0123456789abcdef"})
    await db[f"progress_{bulk_id}"].insert_many(legacy_progress(bulk_id))


async def test_the_ledger_moves_once_and_reads_back(db: Database, settings: Settings) -> None:
    clients = [f"cust_{uuid.uuid4().hex[:16]}" for _ in range(2)]
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    await populate(db, clients, bulk_id)
    # A run stopped after copying one slot: the next run copies the rest, not that one.
    first_slot = slot_from_legacy(clients[0], legacy_slots(bulk_id, [1])[0])
    await db[quota_collection(clients[0])].insert_one(first_slot)

    assert await migrate_ledger(db, settings) == 2 * 4 - 1 + 1 + 5
    assert await migrate_ledger(db, settings) == 0
    legacy = {f"quota_{c}" for c in clients} | {f"charges_{bulk_id}", f"progress_{bulk_id}"}
    assert legacy.isdisjoint(await db.list_collection_names())

    for client_id in clients:
        assert await quota_used(db, client_id) == 4
        assert await chunk_slots(db, client_id, bulk_id, 0) == {0: 1, 1: 2, 2: 4, 3: 5}
    progress = await read_progress(db, bulk_id)
    assert (set(progress.done), progress.done_rows) == ({0}, 4)
    assert progress.claims == {0: "split", 1: "split", 2: "split"}
    charge = await find_charge(db, bulk_id, 0)
    assert charge is not None and charge.rows == (0, 1, 2, 3)
    old_build = await find_charge(db, bulk_id, 2)
    assert old_build is not None and old_build.rows == (8,)


async def test_migrated_slots_stay_taken(db: Database, settings: Settings) -> None:
    """A redelivered chunk finds its migrated charge; new rows take only the free slots."""
    client_id, bulk_id = f"cust_{uuid.uuid4().hex[:16]}", f"bulk_{uuid.uuid4().hex}"
    await populate(db, [client_id], bulk_id)
    await migrate_ledger(db, settings)
    sub = Subscription(client_id, "migrated", qr_limit=6, quota_hint=6)
    again = await charge_rows(db, sub, bulk_id, 0, [0, 1, 2, 3], may_have_run=True)
    assert again == {0, 1, 2, 3}
    fresh = await charge_rows(db, sub, f"bulk_{uuid.uuid4().hex}", 0, [0, 1, 2],
                              may_have_run=False)
    assert fresh == {0, 1}  # slots 3 and 6 were free; the third row is over quota
    assert await quota_used(db, client_id) == 6
