"""Idempotency-Key on the bulk POSTs: a retried submission returns the first one's bulkId.

The first request with a key wins a unique insert; it stores the body's hash and, once
the batch is accepted, its bulkId. A repeat with the same body gets that bulkId; with a
different body, 409. A repeat that arrives while the first is still being accepted
waits for it. Keys are kept for 24 hours, per subscription (shared/store/idempotency.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

import shared.store.idempotency as keys
from shared.errors import BadRequest, Conflict
from shared.store.client import Database

HEADER = "Idempotency-Key"
KEEP_S = 24 * 3600
WAIT_FOR_FIRST_S = 30.0
MAX_KEY_CHARS = 255


def key_of(request: web.Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise BadRequest(f"{HEADER} must be 1 to {MAX_KEY_CHARS} printable characters")
    return key


async def submit_once(db: Database, client_id: str, key: str | None, body: bytes | bytearray,
                      accept: Callable[[], Awaitable[str]]) -> str:
    """Run `accept` at most once per (subscription, key) and body; returns the bulkId."""
    if key is None:
        return await accept()
    digest = (await asyncio.to_thread(hashlib.sha256, body)).hexdigest()  # 25 MB: ~50 ms
    now_s = time.time()
    if not await keys.begin(db, client_id, key, keys.KeyRecord(digest, now_s + KEEP_S), now_s):
        return await _repeat(db, client_id, key, digest)
    try:
        bulk_id = await accept()
    except BaseException:
        await asyncio.shield(keys.forget(db, client_id, key))
        raise
    await keys.accepted(db, client_id, key, bulk_id)
    return bulk_id


async def _repeat(db: Database, client_id: str, key: str, digest: str) -> str:
    deadline = time.monotonic() + WAIT_FOR_FIRST_S
    while time.monotonic() < deadline:
        first = await keys.find(db, client_id, key)
        if first is None:
            raise Conflict(f"the first request with this {HEADER} failed; retry with a new key")
        if first.body_sha256 != digest:
            raise Conflict(f"this {HEADER} was used with a different body")
        if first.bulk_id is not None:
            return first.bulk_id
        await asyncio.sleep(0.05)
    raise Conflict(f"the first request with this {HEADER} is still being processed")
