"""A chunk's charge whose record insert failed keeps its quota slots only if its record stands."""

from __future__ import annotations

import uuid

from shared.quota import give_back_unless_recorded, quota_used
from shared.store.client import Database
from shared.store.quota import ChargeRecord, Slot, delete_charges, insert_charge, insert_slots


async def slots_after(db: Database, record_by: str | None) -> int:
    """Slots left of an attempt `mine` that took three, with a charge record by `record_by`
    (None: no record) when the decision is made."""
    bulk_id, client_id = f"bulk_{uuid.uuid4().hex}", f"cust_{uuid.uuid4().hex[:16]}"
    claimed = {row: 100 + row for row in range(3)}
    assert await insert_slots(db, client_id, [Slot(slot, bulk_id, 0, row)
                                              for row, slot in claimed.items()]) == {100, 101, 102}
    await insert_slots(db, client_id, [Slot(1, "another", 0, 0)])
    if record_by is not None:
        await insert_charge(db, bulk_id, ChargeRecord(0, (0, 1, 2), record_by))
    await give_back_unless_recorded(db, client_id, bulk_id, 0, "mine", claimed)
    left = await quota_used(db, client_id) - 1
    assert await insert_slots(db, client_id, [Slot(1, "again", 0, 0)]) == set()  # still taken
    await delete_charges(db, bulk_id)
    return left


async def test_no_record_gives_the_slots_back(db: Database) -> None:
    assert await slots_after(db, None) == 0


async def test_its_own_record_after_all_keeps_them(db: Database) -> None:
    assert await slots_after(db, "mine") == 3


async def test_another_attempts_record_gives_them_back(db: Database) -> None:
    assert await slots_after(db, "theirs") == 0
