"""The one-shot result download: claimed by a unique insert, streamed, then consumed.

Exactly one of several concurrent downloads wins the claim, whatever its format. The
archive is consumed (status resultDownloaded, objects deleted) only after the peer
acknowledged its last byte (sendack.py); a download cut off before that releases the claim
so the owner can try again. `format=json` (the default) sends the stored JSON string as it
is; `format=zip` (zipdownload.py) sends a ZIP made from it on the way, with `sheet.pdf`
when `sheet=` names a label sheet; `format=pdf&sheet=…` (sheetdownload.py) sends the sheet
alone. The query is checked in full before the claim, so a 400 consumes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog
from aiohttp import web

from gateway.auth import caller
from gateway.resources import DB, SETTINGS, STORE
from gateway.sendack import watch_connection
from gateway.sheetdownload import pdf_headers, sheet_for, write_pdf
from gateway.webhooks import on_downloaded
from gateway.zipdownload import write_zip, zip_headers
from shared.claimdoc import Claim
from shared.errors import BadRequest, Gone, ServerUnavailable
from shared.keys import result_key
from shared.orderdoc import Order
from shared.orders import get_owned_order, transition
from shared.results import delete_result
from shared.status import OrderStatus
from shared.store.claims import release_claim, renew_claim, take_claim, take_over_lapsed
from shared.store.client import Database

log = structlog.get_logger(__name__)
NOT_READY = "the result is not ready yet: poll the status until it reads completed"
CONSUMED = "the result was already downloaded; it is kept for one download only"
# Prepares the response and writes the whole body, short of its EOF.
BodyWriter = Callable[[web.Request, web.StreamResponse, Order], Awaitable[None]]
Headers = Callable[[str], dict[str, str]]


async def write_json(request: web.Request, response: web.StreamResponse, order: Order) -> None:
    store, key = request.app[STORE], result_key(order.bulk_id)
    response.content_length = await store.size(key)
    await response.prepare(request)
    async for piece in store.stream(key):
        await response.write(piece)


FORMATS: dict[str, Headers] = {
    "json": lambda _bulk_id: {"Content-Type": "application/json"},
    "zip": zip_headers,
    "pdf": pdf_headers,
}
BAD_FORMAT = f"format must be one of: {', '.join(FORMATS)} (default json)"


async def download(request: web.Request) -> web.StreamResponse:
    sub = await caller(request)
    headers, write_body = _format(request)
    bulk_id = request.match_info["bulk_id"]
    structlog.contextvars.bind_contextvars(bulkId=bulk_id)
    db = request.app[DB]
    order = await get_owned_order(db, bulk_id, sub.client_id)
    if order.is_processing:
        raise Gone(NOT_READY)
    if not order.is_completed:
        raise Gone(CONSUMED)
    ttl_s = request.app[SETTINGS].download_claim_ttl_s
    claim = await _claim(db, bulk_id, ttl_s)
    response = web.StreamResponse(headers=headers(bulk_id))
    try:
        async with _renewed(db, claim, ttl_s):
            with watch_connection(request.transport) as connection:
                await write_body(request, response, order)
                await response.write_eof()
                await connection.acknowledged(request.app[SETTINGS].download_ack_timeout_s)
    except BaseException as exc:
        await asyncio.shield(release_claim(db, claim))
        if not response.prepared or not isinstance(exc, Exception):
            raise
        # Headers are out: the only honest signal left is a cut connection, which the
        # client sees as a short body. The archive stays for the next try.
        log.warning("download cut off", error=repr(exc))
        if request.transport is not None:
            request.transport.abort()
        return response
    await transition(db, bulk_id, OrderStatus.COMPLETED, OrderStatus.RESULT_DOWNLOADED)
    await delete_result(request.app[STORE], bulk_id)
    await on_downloaded(request.app, bulk_id)
    return response


def _format(request: web.Request) -> tuple[Headers, BodyWriter]:
    """The headers and body writer the query asks for; BadRequest for a bad query."""
    fmt = request.query.get("format", "json")
    headers = FORMATS.get(fmt)
    if headers is None:
        raise BadRequest(BAD_FORMAT)
    sheet = sheet_for(request.query, fmt)
    if sheet is not None and fmt == "pdf":
        return headers, functools.partial(write_pdf, sheet=sheet)
    if fmt == "zip":
        return headers, functools.partial(write_zip, sheet=sheet)
    return headers, write_json


@contextlib.asynccontextmanager
async def _renewed(db: Database, claim: Claim, ttl_s: float) -> AsyncIterator[None]:
    """Keep `claim` alive while the download runs: its expiry moves a TTL ahead every third
    of one, so a short TTL frees the archive soon after a gateway dies mid-download while a
    long download by a live gateway keeps it."""
    async def renew() -> None:
        while True:
            await asyncio.sleep(ttl_s / 3)
            try:
                if not await renew_claim(db, claim, time.time() + ttl_s):
                    log.warning("download claim lapsed and was taken over")
                    return
            except ServerUnavailable as exc:  # the store may be back a third of a TTL later
                log.warning("download claim not renewed", error=repr(exc))

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        (ended,) = await asyncio.gather(task, return_exceptions=True)
        if not isinstance(ended, asyncio.CancelledError | None):
            log.error("download claim renewal failed", error=repr(ended))


async def _claim(db: Database, bulk_id: str, ttl_s: float) -> Claim:
    """Take the download claim, or 410. A claim left by a crashed gateway expires."""
    now_s = time.time()
    claim = Claim.download(bulk_id, secrets.token_hex(8), now_s, ttl_s)
    if await take_claim(db, claim) or await take_over_lapsed(db, claim, now_s):
        return claim
    raise Gone(CONSUMED)
