"""Handlers of the bulk API: submit, status, list, and (in download.py) the one-shot result."""

from __future__ import annotations

from aiohttp import web

from gateway.auth import caller
from gateway.body import parse_rows, read_capped, require_json_type
from gateway.resources import BROKER, DB, METRICS, SETTINGS, STORE
from gateway.submit import accept_batch
from shared.errors import BadRequest
from shared.orders import MAX_LIST_LIMIT, get_owned_order, list_orders, status_document


async def submit(request: web.Request) -> web.Response:
    sub = await caller(request)
    require_json_type(request)
    settings = request.app[SETTINGS]
    rows = parse_rows(await read_capped(request, settings.max_body_bytes))
    bulk_id = await accept_batch(settings, request.app[DB], request.app[STORE],
                                 request.app[BROKER], sub, rows)
    metrics = request.app[METRICS]
    metrics.submissions.labels("bulk-generate").inc()
    metrics.rows_accepted.inc(len(rows))
    return web.json_response(bulk_id)


async def status(request: web.Request) -> web.Response:
    sub = await caller(request)
    bulk_id = request.match_info.get("bulk_id", "").strip()
    if not bulk_id:
        raise BadRequest("bulkId is missing from the path")
    doc = await get_owned_order(request.app[DB], bulk_id, sub.client_id)
    return web.json_response(status_document(doc))


async def missing_id(request: web.Request) -> web.Response:
    await caller(request)
    raise BadRequest("bulkId is missing from the path")


async def list_bulks(request: web.Request) -> web.Response:
    sub = await caller(request)
    limit = _limit(request.query.get("limit", "20"))
    docs, cursor = await list_orders(request.app[DB], sub.client_id, limit,
                                     request.query.get("cursor") or None)
    return web.json_response({"items": [status_document(d) for d in docs], "next": cursor})


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIST_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIST_LIMIT}")
    return int(text)
