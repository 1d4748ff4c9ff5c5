"""Exact webhook limits by unique-insert slots: endpoints per subscription, manual retries
per endpoint and hour.

FerretDB's compare-and-set and `$inc` are a read then a write, so a count followed by an
insert lets every concurrent caller through (40 concurrent creations left 40 endpoints
under a cap of 20). A unique `_id` insert has exactly one winner on FerretDB and MongoDB
alike, so each admitted call first takes one of `limit` numbered slot documents:
- an endpoint takes `{client}:{n}` in `webhook_slots` for as long as it exists; deleting
  it frees the slot. A creation that died between taking its slot and storing its
  endpoint leaves a slot naming no endpoint: when every slot is taken, such slots older
  than ORPHAN_AGE_MS are freed and the creation tries once more;
- a manual retry takes `webhook-retry:{endpoint}:{hour}:{n}` in `rate_limits`
  (shared/store/ratelimits.py; expired by `expiresAt` like the other call limits). Retry
  slots are never given back within their hour, so once one call has found them all
  taken, a `full` marker answers the rest with one read instead of `limit` failed inserts.
"""

from __future__ import annotations

import math
import random
import time

from shared.errors import TooManyRequests
from shared.store.client import Database
from shared.store.ratelimits import is_taken, take_slot
from shared.store.webhooks import (
    EndpointSlot,
    delete_endpoint_slots,
    endpoint_slots,
    free_slot,
    insert_endpoint_slot,
)

ORPHAN_AGE_MS = 60_000  # far above any creation's time between its slot and its endpoint
HOUR_S = 3600


def now_ms() -> int:
    return int(time.time() * 1000)


async def take_endpoint_slot(db: Database, client_id: str, endpoint_id: str,
                             limit: int) -> int | None:
    """The number of the slot `endpoint_id` now holds, or None when all `limit` are held."""
    for number in range(1, limit + 1):
        if await insert_endpoint_slot(db, EndpointSlot(client_id, number, endpoint_id,
                                                       now_ms())):
            return number
    return None


async def free_endpoint_slot(db: Database, client_id: str, endpoint_id: str) -> None:
    await delete_endpoint_slots(db, client_id, endpoint_id)


async def free_orphan_slots(db: Database, client_id: str, live_ids: set[str]) -> int:
    """Free the subscription's old slots whose endpoint is not in `live_ids`; how many
    were found (a concurrent caller may have freed some of them first)."""
    before_ms = now_ms() - ORPHAN_AGE_MS
    orphans = [slot for slot in await endpoint_slots(db, client_id)
               if slot.taken_at_ms < before_ms and slot.endpoint not in live_ids]
    for slot in orphans:
        await free_slot(db, slot)
    return len(orphans)


async def take_retry_slot(db: Database, endpoint_id: str, per_hour: int,
                          now_s: float | None = None) -> None:
    """Count one manual retry of the endpoint in this hour, or TooManyRequests with
    Retry-After. Slots are tried from a random one on, so concurrent callers seldom
    collide, and every slot is tried before a refusal."""
    now_s = time.time() if now_s is None else now_s
    hour = int(now_s // HOUR_S)
    ends_s = float((hour + 1) * HOUR_S)
    prefix = f"webhook-retry:{endpoint_id}:{hour}"
    if not await is_taken(db, f"{prefix}:full"):
        start = random.randrange(per_hour)  # spreads the load; decides nothing
        for offset in range(per_hour):
            number = (start + offset) % per_hour + 1
            if await take_slot(db, f"{prefix}:{number}", ends_s):
                return
        await take_slot(db, f"{prefix}:full", ends_s)
    retry_after_s = max(1, math.ceil(ends_s - now_s))
    raise TooManyRequests(f"a webhook's deliveries can be retried by hand at most {per_hour} "
                          f"times an hour; retry in {retry_after_s} s",
                          retry_after_s=retry_after_s)
