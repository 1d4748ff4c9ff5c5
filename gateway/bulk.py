"""Handlers of the bulk API: submit, status, list, and (in download.py) the one-shot result."""

from __future__ import annotations

import structlog
from aiohttp import web

from gateway.admission import BODY_BUDGET, admitted
from gateway.auth import caller
from gateway.body import read_body, require_json_type
from gateway.idempotency import key_of, submit_once
from gateway.query import limit_param
from gateway.resources import BROKER, DB, METRICS, PARSE_TURNS, SETTINGS, STORE
from gateway.submit import Batch, accept_batch, parse_batch
from shared.errors import BadRequest
from shared.logging import timed
from shared.orders import MAX_LIST_LIMIT, get_owned_order, list_orders, status_document


async def submit(request: web.Request) -> web.Response:
    settings, db = request.app[SETTINGS], request.app[DB]
    # The budget comes first: a burst of refused big bodies then costs no lookup at all.
    with request.app[BODY_BUDGET].hold(request, settings.max_body_bytes):
        sub = await caller(request)
        require_json_type(request)
        key = key_of(request)
        verify = flag(request, "verify")
        body: list[bytearray] = []  # read inside `admitted`, once a batch slot is held

        async def parse() -> Batch:
            with timed("read_ms"):
                body.append(await read_body(request, settings.max_body_bytes))
            with timed("parse_ms"):
                return await parse_batch(body[0], settings, request.app[PARSE_TURNS])

        async def accept(batch: Batch) -> str:
            bulk_id = await accept_batch(settings, db, request.app[STORE], request.app[BROKER],
                                         sub, batch, verify=verify)
            request.app[METRICS].submissions.labels("bulk-generate").inc()
            request.app[METRICS].rows_accepted.inc(batch.count)
            structlog.contextvars.bind_contextvars(rows=batch.count)
            return bulk_id

        bulk_id = await admitted(db, sub, settings, parse, accept,
                                 lambda once: submit_once(db, sub.client_id, key, body[0], once))
    structlog.contextvars.bind_contextvars(bulkId=bulk_id)
    return web.json_response(bulk_id)


async def status(request: web.Request) -> web.Response:
    sub = await caller(request)
    bulk_id = request.match_info.get("bulk_id", "").strip()
    if not bulk_id:
        raise BadRequest("bulkId is missing from the path")
    structlog.contextvars.bind_contextvars(bulkId=bulk_id)
    doc = await get_owned_order(request.app[DB], bulk_id, sub.client_id)
    return web.json_response(status_document(doc))


async def missing_id(request: web.Request) -> web.Response:
    await caller(request)
    raise BadRequest("bulkId is missing from the path")


async def list_bulks(request: web.Request) -> web.Response:
    sub = await caller(request)
    limit = limit_param(request.query.get("limit"), 20, MAX_LIST_LIMIT)
    docs, cursor = await list_orders(request.app[DB], sub.client_id, limit,
                                     request.query.get("cursor") or None)
    return web.json_response({"items": [status_document(d) for d in docs], "next": cursor})


FLAG_VALUES = ("true", "false", "1", "0")  # a flag query parameter: true/1 or false/0


def flag(request: web.Request, name: str) -> bool:
    """A true/false query parameter (absent: false)."""
    value = request.query.get(name, "false").lower()
    if value not in FLAG_VALUES:
        raise BadRequest(f"{name} must be true or false")
    return value in ("true", "1")
