"""The dynamic-QR quota ledger: one slot document per charged row, `_id` its slot number.

A slot is taken by a unique-index insert, the one primitive with exactly one winner on
FerretDB and MongoDB alike, so concurrent workers can never hand out more slots than
the limit. Each chunk records which of its rows were charged (`charge:{chunk}` in the
bulk's charges collection, a unique insert), so a redelivered or duplicated chunk charges
nothing twice. A first delivery does not read that record: if a duplicate got there first,
its own record insert loses and it gives its slots back. An insert that fails outright
gives them back too, unless the attempt's own record (it carries the attempt's token)
stands after all.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from shared.errors import Superseded
from shared.keys import charge_id
from shared.store import (
    SUBSCRIPTIONS,
    Collection,
    Database,
    charges_collection,
    insert_many_unique,
    insert_unique,
    quota_collection,
)
from shared.subscriptions import Subscription


async def charge_rows(db: Database, sub: Subscription, bulk_id: str, chunk: int,
                      rows: list[int], *, may_have_run: bool, record: bool = True,
                      still_open: Callable[[], Awaitable[bool]] | None = None) -> set[int]:
    """Charge one slot per row; returns the rows charged (the rest are over quota).

    `record=False` is for a synchronous single row, which is never delivered twice.
    `still_open` tells whether the batch is still processing: a duplicate that records
    its charge only after the batch completed (and its records were dropped) gives its
    slots back and raises Superseded.
    """
    if not record:
        slots = db[quota_collection(sub.client_id)]
        return set(await _claim(db, slots, sub, bulk_id, chunk, rows))
    charges = db[charges_collection(bulk_id)]
    slots = db[quota_collection(sub.client_id)]
    adopted: dict[int, int] = {}
    if may_have_run:  # an earlier run may have charged, or died while charging
        existing = await charges.find_one({"_id": charge_id(chunk)})
        if existing is not None:
            return set(existing["rows"])
        async for slot in slots.find({"bulkId": bulk_id, "chunk": chunk}):
            adopted[slot["row"]] = slot["_id"]
    wanted = [row for row in rows if row not in adopted]
    claimed = await _claim(db, slots, sub, bulk_id, chunk, wanted)
    charged = adopted | claimed
    attempt = secrets.token_hex(8)
    try:
        won = await insert_unique(charges, {"_id": charge_id(chunk), "rows": sorted(charged),
                                            "by": attempt})
    except Exception:  # not a cancellation: then the insert may still land
        await asyncio.shield(give_back_unless_recorded(charges, slots, chunk, attempt, claimed))
        raise
    if won:
        if still_open is None or await still_open():
            return set(charged)
        await _give_back(slots, claimed)
        raise Superseded(f"{bulk_id} completed while chunk {chunk} was being charged again")
    # A duplicate delivery of this chunk recorded its charge first: give back ours.
    await _give_back(slots, claimed)
    winner = await charges.find_one({"_id": charge_id(chunk)})
    return set(winner["rows"]) if winner else set()


async def give_back_unless_recorded(charges: Collection, slots: Collection, chunk: int,
                                     attempt: str, claimed: dict[int, int]) -> None:
    """After the charge record's insert failed: unless this attempt's record is there after
    all, its slots are nobody's, and a redelivery that finds the batch over never adopts
    them (a CI run lost 20 slots so: FerretDB answered the insert "no such table" as the
    batch's end dropped its charges collection). If the store cannot tell, they stay: a
    redelivery of a batch still processing adopts them."""
    with contextlib.suppress(Exception):
        record = await charges.find_one({"_id": charge_id(chunk)})
        if record is None or record.get("by") != attempt:
            await _give_back(slots, claimed)


async def give_back_rows(db: Database, client_id: str, bulk_id: str, chunk: int,
                         rows: list[int]) -> None:
    """Free the slots charged to `rows` of a chunk: rows that failed after being charged."""
    await db[quota_collection(client_id)].delete_many(
        {"bulkId": bulk_id, "chunk": chunk, "row": {"$in": rows}})


async def _give_back(slots: Collection, claimed: dict[int, int]) -> None:
    if claimed:
        await slots.delete_many({"_id": {"$in": list(claimed.values())}})


# Per process: the slot after the last range this process tried, by subscription. Chunks
# in flight together read the same stored hint; without this each took the range the other
# had just filled, and FerretDB spends ~3x a clean insert on every duplicate it refuses
# (a 100,000-row batch tried 200,000 slot inserts).
_next_slot: dict[str, int] = {}


async def _claim(db: Database, slots: Collection, sub: Subscription, bulk_id: str,
                 chunk: int, rows: list[int]) -> dict[int, int]:
    """Take free slots for `rows` in order, stopping at the limit."""
    got: dict[int, int] = {}
    start = max(sub.quota_hint + 1, _next_slot.get(sub.client_id, 0))
    while len(got) < len(rows) and start <= sub.qr_limit:
        pending = [row for row in rows if row not in got]
        seqs = list(range(start, min(start + len(pending), sub.qr_limit + 1)))
        _next_slot[sub.client_id] = max(_next_slot.get(sub.client_id, 0), seqs[-1] + 1)
        got |= await _insert_slots(slots, bulk_id, chunk, pending, seqs)
        start = _next_slot[sub.client_id]  # past this range, and any a rival chunk took
    if len(got) < len(rows):  # the hint ran past the end: fill gaps left below it
        pending = [row for row in rows if row not in got]
        taken = {doc["_id"] async for doc in slots.find({}, {"_id": 1})}
        free = [s for s in range(1, sub.qr_limit + 1) if s not in taken][: len(pending)]
        got |= await _insert_slots(slots, bulk_id, chunk, pending, free)
    if got:
        # A hint, not the truth: a lost update only means more collisions next time.
        await db[SUBSCRIPTIONS].update_one({"_id": sub.client_id},
                                           {"$max": {"quotaHint": max(got.values())}})
    return got


async def _insert_slots(slots: Collection, bulk_id: str, chunk: int, rows: list[int],
                        seqs: list[int]) -> dict[int, int]:
    docs: list[dict[str, Any]] = [
        {"_id": seq, "bulkId": bulk_id, "chunk": chunk, "row": row}
        for row, seq in zip(rows, seqs, strict=False)
    ]
    won = await insert_many_unique(slots, docs)
    return {doc["row"]: doc["_id"] for doc in docs if doc["_id"] in won}


async def quota_used(db: Database, client_id: str) -> int:
    """Slots in use: exact, but a scan of the ledger; keep it off hot paths."""
    return await db[quota_collection(client_id)].count_documents({})


HINT_SLACK = 1000  # how far below the truth a lost hint update can leave the hint


async def quota_exhausted(db: Database, sub: Subscription) -> bool:
    """True when every slot is taken. Cheap while the hint says there is plenty of room.

    The hint is raised with `$max`, which FerretDB does not apply atomically: of two chunks
    raising it at once, the lower value can land last. Each such loss is at most the rows
    of the chunks racing, so within HINT_SLACK of the limit the slots are counted instead
    (a count over this subscription's own slot collection)."""
    if sub.quota_hint < sub.qr_limit - HINT_SLACK:
        return False
    return await quota_used(db, sub.client_id) >= sub.qr_limit
