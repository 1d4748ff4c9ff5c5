"""The `rate_limits` collection: numbered slot documents taken by unique insert, and expiring.

Call limits, password guesses, rows a minute, batches in flight and webhook retries all
count by slots: each admitted call takes one `_id` (`{scope}:...:{n}`) that exactly one
caller can insert (DESIGN §4). Every slot has an `expiresAt` (a datetime) after which the
TTL index or the sweeper (shared/store/sweep.py) removes it; windowed slots name their
window in the `_id`, so an expired slot never blocks a later one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import RATE_LIMITS
from shared.store.sweep import as_datetime, seconds_of
from shared.store.unique import insert_many_unique, insert_unique


def _slot(slot_id: str, expires_at_s: float) -> Doc:
    return {"_id": slot_id, "expiresAt": as_datetime(expires_at_s)}


async def take_slot(db: Database, slot_id: str, expires_at_s: float) -> bool:
    """Take `slot_id` until `expires_at_s`; False if another caller holds it."""
    return await insert_unique(db[RATE_LIMITS], _slot(slot_id, expires_at_s))


async def take_first_free(db: Database, slot_ids: Iterable[str],
                          expires_at_s: float) -> str | None:
    """The first of `slot_ids` (tried in order) this call took, or None when all are held."""
    for slot_id in slot_ids:
        if await take_slot(db, slot_id, expires_at_s):
            return slot_id
    return None


async def take_slots(db: Database, slot_ids: list[str], expires_at_s: float) -> list[str]:
    """Take what is free among `slot_ids` in one unordered insert; the ids this call took."""
    taken = await insert_many_unique(db[RATE_LIMITS],
                                     [_slot(slot_id, expires_at_s) for slot_id in slot_ids])
    return [slot_id for slot_id in slot_ids if slot_id in taken]


async def is_taken(db: Database, slot_id: str) -> bool:
    with store_errors():
        return await db[RATE_LIMITS].find_one({"_id": slot_id}, {"_id": 1}) is not None


async def give_back(db: Database, slot_ids: list[str]) -> None:
    """Free `slot_ids` (those already gone are skipped)."""
    if slot_ids:
        with store_errors():
            await db[RATE_LIMITS].delete_many({"_id": {"$in": slot_ids}})


@dataclass(frozen=True)
class BatchSlot:
    """A batch-in-flight slot: taken at `taken_at_s`, naming its batch once accepted."""

    slot_id: str
    taken_at_s: float
    bulk_id: str | None = None


async def take_batch_slot(db: Database, slot_id: str, taken_at_s: float,
                          expires_at_s: float) -> bool:
    doc = {**_slot(slot_id, expires_at_s), "bulkId": None, "takenAt": as_datetime(taken_at_s)}
    return await insert_unique(db[RATE_LIMITS], doc)


async def batch_slots(db: Database, slot_ids: list[str]) -> list[BatchSlot]:
    """The held slots among `slot_ids` (one `_id` read)."""
    with store_errors():
        return [BatchSlot(str(doc["_id"]), seconds_of(doc.get("takenAt", 0.0)), doc.get("bulkId"))
                async for doc in db[RATE_LIMITS].find({"_id": {"$in": slot_ids}})]


async def name_batch(db: Database, slot_id: str, bulk_id: str) -> None:
    with store_errors():
        await db[RATE_LIMITS].update_one({"_id": slot_id}, {"$set": {"bulkId": bulk_id}})


async def free_batch_slot(db: Database, slot: BatchSlot) -> None:
    """Free `slot` unless it was taken again (or named a batch) since it was read."""
    with store_errors():
        await db[RATE_LIMITS].delete_one({"_id": slot.slot_id, "bulkId": slot.bulk_id})
