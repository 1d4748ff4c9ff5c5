"""The one-shot result download: claimed by a unique insert, streamed, then consumed.

Exactly one of several concurrent downloads wins the claim. The archive is consumed
(status resultDownloaded, object deleted) only after the peer acknowledged its last byte
(sendack.py); a download cut off before that releases the claim so the owner can try again.
"""

from __future__ import annotations

import asyncio
import secrets
import time

import structlog
from aiohttp import web

from gateway.auth import caller
from gateway.resources import DB, SETTINGS, STORE
from gateway.sendack import wait_acknowledged
from gateway.webhooks import on_downloaded
from shared.claimdoc import Claim
from shared.errors import Gone
from shared.mongo import CLAIMS, Database, insert_unique
from shared.orders import get_owned_order, transition
from shared.schemas import result_key
from shared.status import OrderStatus

log = structlog.get_logger(__name__)
NOT_READY = "the result is not ready yet: poll the status until it reads completed"
CONSUMED = "the result was already downloaded; it is kept for one download only"


async def download(request: web.Request) -> web.StreamResponse:
    sub = await caller(request)
    bulk_id = request.match_info["bulk_id"]
    structlog.contextvars.bind_contextvars(bulkId=bulk_id)
    db, store = request.app[DB], request.app[STORE]
    order = await get_owned_order(db, bulk_id, sub.client_id)
    if order.is_processing:
        raise Gone(NOT_READY)
    if not order.is_completed:
        raise Gone(CONSUMED)
    claim = await _claim(db, bulk_id, request.app[SETTINGS].download_claim_ttl_s)
    key = result_key(bulk_id)
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    try:
        response.content_length = await store.size(key)
        await response.prepare(request)
        async for piece in store.stream(key):
            await response.write(piece)
        await response.write_eof()
        await wait_acknowledged(request.transport, request.app[SETTINGS].download_ack_timeout_s)
    except BaseException as exc:
        await asyncio.shield(db[CLAIMS].delete_one(claim.held_filter()))
        if not response.prepared or not isinstance(exc, Exception):
            raise
        # Headers are out: the only honest signal left is a cut connection, which the
        # client sees as a short body. The archive stays for the next try.
        log.warning("download cut off", error=repr(exc))
        if request.transport is not None:
            request.transport.abort()
        return response
    await transition(db, bulk_id, OrderStatus.COMPLETED, OrderStatus.RESULT_DOWNLOADED)
    await store.delete(key)
    await on_downloaded(request.app, bulk_id)
    return response


async def _claim(db: Database, bulk_id: str, ttl_s: float) -> Claim:
    """Take the download claim, or 410. A claim left by a crashed gateway expires."""
    claim = Claim.download(bulk_id, secrets.token_hex(8), time.time(), ttl_s)
    if await insert_unique(db[CLAIMS], claim.to_doc()):
        return claim
    found = await db[CLAIMS].find_one({"_id": claim.claim_id})
    held = None if found is None else Claim.from_doc(found)
    if held is not None and held.is_expired(time.time()):
        await db[CLAIMS].delete_one(held.held_filter())
        if await insert_unique(db[CLAIMS], claim.to_doc()):
            return claim
    raise Gone(CONSUMED)
