"""The quota ledger's documents: a slot per charged dynamic row, a charge record per chunk.

Slots live in `quota_tNN` (the shard of the subscription), `_id` "{client}:{slot:010d}",
so one subscription's slots are one `_id` range and a slot is taken by a unique insert.
Charge records live in `charges_tNN` (the shard of the batch), `_id` "{bulk}:{chunk}",
and go when the batch ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import SUBSCRIPTIONS, charges_collection, quota_collection
from shared.store.unique import insert_many_unique, insert_unique

SLOT_DIGITS = 10
LAST_SLOT = 10**SLOT_DIGITS - 1


@dataclass(frozen=True)
class Slot:
    """One charged row: slot number `slot` of its subscription went to `row` of a chunk."""

    slot: int
    bulk_id: str
    chunk: int
    row: int


@dataclass(frozen=True)
class ChargeRecord:
    """Which rows of a chunk were charged, and by which attempt (`by`, a random token)."""

    chunk: int
    rows: tuple[int, ...]
    by: str


def slot_id(client_id: str, slot: int) -> str:
    return f"{client_id}:{slot:0{SLOT_DIGITS}d}"


def slot_of(doc_id: str) -> int:
    """The slot number an `_id` names (the documents keep no copy of it: FerretDB's CPU per
    dynamic row grows with the slot document's size)."""
    return int(doc_id.rsplit(":", 1)[1])


def charge_id(bulk_id: str, chunk: int) -> str:
    return f"{bulk_id}:{chunk}"


def _slot_range(client_id: str, first: int, last: int) -> Doc:
    return {"_id": {"$gte": slot_id(client_id, first), "$lte": slot_id(client_id, last)}}


async def insert_slots(db: Database, client_id: str, slots: list[Slot]) -> set[int]:
    """Take `slots` (one unordered insert); returns the slot numbers this call took."""
    docs: list[Doc] = [{"_id": slot_id(client_id, s.slot), "bulkId": s.bulk_id,
                        "chunk": s.chunk, "row": s.row} for s in slots]
    won = await insert_many_unique(db[quota_collection(client_id)], docs)
    return {slot_of(doc["_id"]) for doc in docs if doc["_id"] in won}


async def delete_slots(db: Database, client_id: str, slots: Iterable[int]) -> None:
    ids = [slot_id(client_id, slot) for slot in slots]
    if ids:
        with store_errors():
            await db[quota_collection(client_id)].delete_many({"_id": {"$in": ids}})


async def delete_row_slots(db: Database, client_id: str, bulk_id: str, chunk: int,
                           rows: list[int]) -> None:
    """Free the slots charged to `rows` of a chunk."""
    with store_errors():
        await db[quota_collection(client_id)].delete_many(
            {"bulkId": bulk_id, "chunk": chunk, "row": {"$in": rows}})


async def chunk_slots(db: Database, client_id: str, bulk_id: str, chunk: int) -> dict[int, int]:
    """The slots a chunk's earlier runs took: row -> slot."""
    with store_errors():
        return {int(doc["row"]): slot_of(doc["_id"]) async for doc in
                db[quota_collection(client_id)].find({"bulkId": bulk_id, "chunk": chunk},
                                                     {"row": 1})}


async def taken_slots(db: Database, client_id: str, first: int, last: int) -> set[int]:
    """The slot numbers in use between `first` and `last` (inclusive): one `_id` range."""
    with store_errors():
        return {slot_of(doc["_id"]) async for doc in
                db[quota_collection(client_id)].find(_slot_range(client_id, first, last),
                                                     {"_id": 1})}


async def count_slots(db: Database, client_id: str) -> int:
    """Slots in use by one subscription (an `_id` range: no other tenant's slots on MongoDB)."""
    with store_errors():
        return await db[quota_collection(client_id)].count_documents(
            _slot_range(client_id, 0, LAST_SLOT))


async def raise_hint(db: Database, client_id: str, slot: int) -> None:
    """Raise the subscription's quota hint to `slot` (FerretDB's `$max` may lose a race)."""
    with store_errors():
        await db[SUBSCRIPTIONS].update_one({"_id": client_id}, {"$max": {"quotaHint": slot}})


async def insert_charge(db: Database, bulk_id: str, record: ChargeRecord) -> bool:
    """Record a chunk's charge; False if a record for that chunk already stands."""
    return await insert_unique(db[charges_collection(bulk_id)], {
        "_id": charge_id(bulk_id, record.chunk), "bulkId": bulk_id, "chunk": record.chunk,
        "rows": list(record.rows), "by": record.by})


async def find_charge(db: Database, bulk_id: str, chunk: int) -> ChargeRecord | None:
    with store_errors():
        doc = await db[charges_collection(bulk_id)].find_one({"_id": charge_id(bulk_id, chunk)})
    if doc is None:
        return None
    return ChargeRecord(chunk, tuple(int(row) for row in doc["rows"]), str(doc.get("by", "")))


async def delete_charges(db: Database, bulk_id: str) -> None:
    """Remove a batch's charge records (its end; idempotent)."""
    with store_errors():
        await db[charges_collection(bulk_id)].delete_many({"bulkId": bulk_id})
