"""The dynamic-QR quota ledger: one slot document per charged row, numbered per subscription.

A slot is taken by a unique-index insert, the one primitive with exactly one winner on
FerretDB and MongoDB alike, so concurrent workers can never hand out more slots than
the limit. Each chunk records which of its rows were charged (a charge record, a unique
insert), so a redelivered or duplicated chunk charges nothing twice. A first delivery
does not read that record: if a duplicate got there first, its own record insert loses
and it gives its slots back. An insert that fails outright gives them back too, unless
the attempt's own record (it carries the attempt's token) stands after all.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable

from shared.errors import Superseded
from shared.store.client import Database
from shared.store.quota import (
    ChargeRecord,
    Slot,
    chunk_slots,
    count_slots,
    delete_row_slots,
    delete_slots,
    find_charge,
    insert_charge,
    insert_slots,
    raise_hint,
    taken_slots,
)
from shared.subscriptiondoc import Subscription

GAP_PAGE_SLOTS = 5000  # slot numbers looked at per read when filling gaps below the hint


async def charge_rows(db: Database, sub: Subscription, bulk_id: str, chunk: int,
                      rows: list[int], *, may_have_run: bool, record: bool = True,
                      still_open: Callable[[], Awaitable[bool]] | None = None) -> set[int]:
    """Charge one slot per row; returns the rows charged (the rest are over quota).

    `record=False` is for a synchronous single row, which is never delivered twice.
    `still_open` tells whether the batch is still processing: a duplicate that records
    its charge only after the batch completed (and its records were removed) gives its
    slots back and raises Superseded.
    """
    if not record:
        return set(await _claim(db, sub, bulk_id, chunk, rows))
    adopted: dict[int, int] = {}
    if may_have_run:  # an earlier run may have charged, or died while charging
        existing = await find_charge(db, bulk_id, chunk)
        if existing is not None:
            return set(existing.rows)
        adopted = await chunk_slots(db, sub.client_id, bulk_id, chunk)
    wanted = [row for row in rows if row not in adopted]
    claimed = await _claim(db, sub, bulk_id, chunk, wanted)
    charged = adopted | claimed
    attempt = secrets.token_hex(8)
    try:
        won = await insert_charge(db, bulk_id, ChargeRecord(chunk, tuple(sorted(charged)),
                                                            attempt))
    except Exception:  # not a cancellation: then the insert may still land
        await asyncio.shield(give_back_unless_recorded(db, sub.client_id, bulk_id, chunk,
                                                       attempt, claimed))
        raise
    if won:
        if still_open is None or await still_open():
            return set(charged)
        await delete_slots(db, sub.client_id, claimed.values())
        raise Superseded(f"{bulk_id} completed while chunk {chunk} was being charged again")
    # A duplicate delivery of this chunk recorded its charge first: give back ours.
    await delete_slots(db, sub.client_id, claimed.values())
    winner = await find_charge(db, bulk_id, chunk)
    return set(winner.rows) if winner else set()


async def give_back_unless_recorded(db: Database, client_id: str, bulk_id: str, chunk: int,
                                    attempt: str, claimed: dict[int, int]) -> None:
    """After the charge record's insert failed: unless this attempt's record is there after
    all, its slots are nobody's, and a redelivery that finds the batch over never adopts
    them (a CI run lost 20 slots so, when the batch's end removed its charge records as
    the insert ran). If the store cannot tell, they stay: a redelivery of a batch still
    processing adopts them."""
    with contextlib.suppress(Exception):
        record = await find_charge(db, bulk_id, chunk)
        if record is None or record.by != attempt:
            await delete_slots(db, client_id, claimed.values())


async def give_back_rows(db: Database, client_id: str, bulk_id: str, chunk: int,
                         rows: list[int]) -> None:
    """Free the slots charged to `rows` of a chunk: rows that failed after being charged."""
    await delete_row_slots(db, client_id, bulk_id, chunk, rows)


# Per process: the slot after the last range this process tried, by subscription. Chunks
# in flight together read the same stored hint; without this each took the range the other
# had just filled, and FerretDB spends ~3x a clean insert on every duplicate it refuses
# (a 100,000-row batch tried 200,000 slot inserts).
_next_slot: dict[str, int] = {}


async def _claim(db: Database, sub: Subscription, bulk_id: str, chunk: int,
                 rows: list[int]) -> dict[int, int]:
    """Take free slots for `rows` in order, stopping at the limit; returns row -> slot."""
    got: dict[int, int] = {}
    start = max(sub.quota_hint + 1, _next_slot.get(sub.client_id, 0))
    while len(got) < len(rows) and start <= sub.qr_limit:
        pending = [row for row in rows if row not in got]
        seqs = list(range(start, min(start + len(pending), sub.qr_limit + 1)))
        _next_slot[sub.client_id] = max(_next_slot.get(sub.client_id, 0), seqs[-1] + 1)
        got |= await _insert(db, sub.client_id, bulk_id, chunk, pending, seqs)
        start = _next_slot[sub.client_id]  # past this range, and any a rival chunk took
    if len(got) < len(rows):  # the hint ran past the end: fill gaps left below it
        got |= await _fill_gaps(db, sub, bulk_id, chunk, [row for row in rows if row not in got])
    if got:
        # A hint, not the truth: a lost update only means more collisions next time.
        await raise_hint(db, sub.client_id, max(got.values()))
    return got


async def _fill_gaps(db: Database, sub: Subscription, bulk_id: str, chunk: int,
                     rows: list[int]) -> dict[int, int]:
    """Take free slots below the limit, reading one page of slot numbers at a time and
    stopping as soon as every row has one (a read bounded by the page, not the history).
    A count first: a subscription at its limit reads no page, and rows beyond the free
    slots are over quota at once."""
    free_slots = sub.qr_limit - await count_slots(db, sub.client_id)
    rows = rows[: max(0, free_slots)]
    got: dict[int, int] = {}
    for first in range(1, sub.qr_limit + 1, GAP_PAGE_SLOTS):
        pending = [row for row in rows if row not in got]
        if not pending:
            break
        last = min(first + GAP_PAGE_SLOTS - 1, sub.qr_limit)
        taken = await taken_slots(db, sub.client_id, first, last)
        free = [s for s in range(first, last + 1) if s not in taken][: len(pending)]
        got |= await _insert(db, sub.client_id, bulk_id, chunk, pending, free)
    return got


async def _insert(db: Database, client_id: str, bulk_id: str, chunk: int, rows: list[int],
                  seqs: list[int]) -> dict[int, int]:
    slots = [Slot(seq, bulk_id, chunk, row) for row, seq in zip(rows, seqs, strict=False)]
    won = await insert_slots(db, client_id, slots)
    return {slot.row: slot.slot for slot in slots if slot.slot in won}


async def quota_used(db: Database, client_id: str) -> int:
    """Slots in use: exact, but a count; keep it off hot paths."""
    return await count_slots(db, client_id)


HINT_SLACK = 1000  # how far below the truth a lost hint update can leave the hint


async def quota_exhausted(db: Database, sub: Subscription) -> bool:
    """True when every slot is taken. Cheap while the hint says there is plenty of room.

    The hint is raised with `$max`, which FerretDB does not apply atomically: of two chunks
    raising it at once, the lower value can land last. Each such loss is at most the rows
    of the chunks racing, so within HINT_SLACK of the limit the slots are counted instead
    (a count over this subscription's `_id` range of the ledger)."""
    if sub.quota_hint < sub.qr_limit - HINT_SLACK:
        return False
    return await quota_used(db, sub.client_id) >= sub.qr_limit
