"""A chunk's charge whose record insert failed keeps its quota slots only if its record stands."""

from __future__ import annotations

import uuid

from shared.keys import charge_id
from shared.quota import give_back_unless_recorded
from shared.store import Database, charges_collection, quota_collection


async def slots_after(db: Database, record_by: str | None) -> int:
    """Slots left of an attempt `mine` that took three, with a charge record by `record_by`
    (None: no record) when the decision is made."""
    bulk_id, client_id = f"bulk_{uuid.uuid4().hex}", f"cust_{uuid.uuid4().hex[:16]}"
    slots, charges = db[quota_collection(client_id)], db[charges_collection(bulk_id)]
    claimed = {row: 100 + row for row in range(3)}
    await slots.insert_many([{"_id": slot, "bulkId": bulk_id, "chunk": 0, "row": row}
                             for row, slot in claimed.items()])
    await slots.insert_one({"_id": 1, "bulkId": "another", "chunk": 0, "row": 0})
    if record_by is not None:
        await charges.insert_one({"_id": charge_id(0), "rows": [0, 1, 2], "by": record_by})
    await give_back_unless_recorded(charges, slots, 0, "mine", claimed)
    left = await slots.count_documents({"bulkId": bulk_id})
    assert await slots.count_documents({"bulkId": "another"}) == 1  # never anyone else's
    await db.drop_collection(quota_collection(client_id))
    await db.drop_collection(charges_collection(bulk_id))
    return left


async def test_no_record_gives_the_slots_back(db: Database) -> None:
    assert await slots_after(db, None) == 0


async def test_its_own_record_after_all_keeps_them(db: Database) -> None:
    assert await slots_after(db, "mine") == 3


async def test_another_attempts_record_gives_them_back(db: Database) -> None:
    assert await slots_after(db, "theirs") == 0
