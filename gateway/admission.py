"""Admission control: how much request body a gateway holds, and what one subscription may submit.

- Body budget (per gateway process): a body of 1 MiB or more reserves its size (its
  Content-Length, or the cap when chunked) until its request is answered; a reservation
  past `body_budget_bytes` is refused with 503 before anything is read. Check-and-reserve
  is one synchronous step, so concurrent requests on the event loop are counted exactly.
- Batches in flight (per subscription): a submission takes one of `limit` slot documents
  `inflight:{client}:{n}` by unique insert and names its bulkId in it; a slot whose batch
  is no longer processing (or that never got a bulkId within STALE_SLOT_S) is taken back.
- Rows a minute (per subscription): the limit is cut into at most 100 units of whole rows;
  a batch takes ceil(rows / unit) unit slots `rows:{client}:{window}:{k}` by unordered
  inserts (in a random order, so concurrent batches rarely collide) until it has enough,
  or gives back what it took and gets 429 when every slot of the minute is taken.
Unique inserts are the one primitive with exactly one winner on FerretDB and MongoDB.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from aiohttp import web

import shared.store.ratelimits as slots
from gateway.heap import HeapTrimmer
from gateway.submit import Batch
from shared.errors import Busy, TooManyRequests
from shared.settings import Settings
from shared.store.client import Database
from shared.store.orders import find_order
from shared.subscriptiondoc import Subscription

MIB = 1024 * 1024
BIG_BODY_BYTES = MIB
STALE_SLOT_S = 600.0
SLOT_KEEP_S = 7 * 24 * 3600.0
MAX_UNITS = 100
WINDOW_S = 60


class GatewayBusy(Busy):
    """The body budget is spent: 503 before the body is read."""


class BodyBudget:
    def __init__(self, limit_bytes: int, trimmer: HeapTrimmer | None = None) -> None:
        self.limit_bytes = limit_bytes
        self.held_bytes = 0
        self._trimmer = trimmer  # told when the last big body is let go

    @contextmanager
    def hold(self, request: web.Request, max_bytes: int) -> Iterator[None]:
        size = request.content_length
        size = max_bytes if size is None or size > max_bytes else size
        if size < BIG_BODY_BYTES:
            yield
            return
        if self.held_bytes + size > self.limit_bytes:
            raise GatewayBusy("this gateway is reading as much request body as it may; retry "
                              "in a second", retry_after_s=1)
        self.held_bytes += size
        try:
            yield
        finally:
            self.held_bytes -= size
            if self.held_bytes == 0 and self._trimmer is not None:
                self._trimmer.soon()


BODY_BUDGET = web.AppKey("body_budget", BodyBudget)


async def take_batch_slot(db: Database, client_id: str, limit: int) -> str:
    """A slot for one more batch in flight, or TooManyRequests."""
    ids = [f"inflight:{client_id}:{n}" for n in range(1, limit + 1)]
    random.shuffle(ids)  # free slots are then found in a few inserts, not one per taken slot
    for free_stale in (False, True):
        if free_stale:
            await _free_stale_slots(db, ids)
        for slot_id in ids:
            now_s = time.time()
            if await slots.take_batch_slot(db, slot_id, now_s, now_s + SLOT_KEEP_S):
                return slot_id
    raise TooManyRequests(f"{limit} batches of this subscription are still processing, the "
                          "most it may have in flight; retry once one completes",
                          retry_after_s=5)


async def _free_stale_slots(db: Database, ids: list[str]) -> None:
    for slot in await slots.batch_slots(db, ids):
        if slot.bulk_id is None:
            stale = slot.taken_at_s < time.time() - STALE_SLOT_S
        else:
            order = await find_order(db, slot.bulk_id)
            stale = order is None or not order.is_processing
        if stale:
            await slots.free_batch_slot(db, slot)


async def take_rows(db: Database, client_id: str, rows: int, limit: int) -> list[str]:
    """The unit slots for `rows` rows in this minute, or TooManyRequests."""
    unit = math.ceil(limit / MAX_UNITS)
    units, needed = limit // unit, math.ceil(rows / unit)
    now_s = time.time()
    window = int(now_s // WINDOW_S)
    ends_s = float((window + 1) * WINDOW_S)
    retry_after_s = max(1, math.ceil(ends_s - now_s))
    if needed > units:
        raise TooManyRequests(f"the batch has {rows} rows; this subscription may submit at "
                              f"most {units * unit} a minute: split it", retry_after_s=WINDOW_S)
    ids = [f"rows:{client_id}:{window}:{k}" for k in range(1, units + 1)]
    random.shuffle(ids)  # concurrent batches then mostly try different slots
    taken: list[str] = []
    while ids and len(taken) < needed:
        tries, ids = ids[: needed - len(taken)], ids[needed - len(taken):]
        taken += await slots.take_slots(db, tries, ends_s)
    if len(taken) < needed:
        await slots.give_back(db, taken)
        raise TooManyRequests(f"this subscription may submit {units * unit} rows a minute and "
                              f"this minute has room for fewer than {rows}; retry in "
                              f"{retry_after_s} s", retry_after_s=retry_after_s)
    return taken


async def admitted(db: Database, sub: Subscription, settings: Settings,
                   parse: Callable[[], Awaitable[Batch]],
                   accept: Callable[[Batch], Awaitable[str]],
                   submit: Callable[[Callable[[], Awaitable[str]]], Awaitable[str]]) -> str:
    """Take a batch slot, `parse` the body, take its rows of this minute, then `submit`
    (the idempotent wrapper) its `accept`; whatever fails or was a repeat gives back."""
    slot = await take_batch_slot(db, sub.client_id,
                                 sub.batches_in_flight or settings.batches_in_flight)
    held, accepted = [slot], False
    try:
        batch = await parse()
        held += await take_rows(db, sub.client_id, batch.count,
                                sub.rows_per_minute or settings.rows_per_minute)

        async def accept_once() -> str:
            nonlocal accepted
            bulk_id = await accept(batch)
            accepted = True
            return bulk_id

        bulk_id = await submit(accept_once)
    except BaseException:
        await asyncio.shield(slots.give_back(db, held))
        raise
    if accepted:
        await slots.name_batch(db, slot, bulk_id)
    else:  # a repeat of an accepted submission: it holds its own slot and rows
        await slots.give_back(db, held)
    return bulk_id
