"""GET /api/qr: list and search a subscription's dynamic codes, a page at a time.

Codes are found through the subscription's bulk orders (newest first), and a bulk's codes
only in the link shards its chunks wrote to, so no query reads every shard. The cursor
names the order and the last row served. Codes made by single generate belong to no
order and are read by id (`GET /api/qr/{id}`).
"""

from __future__ import annotations

import re

from aiohttp import web

from gateway.auth import caller
from gateway.overlaycache import OVERLAYS
from gateway.qr_records import record_views
from gateway.query import limit_param
from gateway.resources import DB, SETTINGS
from shared.errors import BadRequest
from shared.linkdoc import Link
from shared.links import bulk_shards, order_records
from shared.orderdoc import Order
from shared.orders import MAX_LIST_LIMIT, decode_cursor, encode_pair, get_owned_order, list_orders
from shared.orders import encode_cursor as order_cursor
from shared.overlays import Overlay, apply_overlays
from shared.rows.plan import INT64_MAX, INT64_MIN
from shared.store.client import Database
from shared.store.links import record_page

SCAN_PAGE = 2_000  # records read at a time when a search must look at overlaid destinations
ORDERS_PER_PAGE = 20  # a page with few matches stops here and hands back a cursor
MAX_Q_CHARS = 200


async def list_codes(request: web.Request) -> web.Response:
    sub = await caller(request)
    query = request.query
    limit = limit_param(query.get("limit"), 20, MAX_LIST_LIMIT)
    uids, search = _uids(query.get("uid")), _search(query.get("q"))
    db, settings = request.app[DB], request.app[SETTINGS]
    bulk_id, after_row = _decode(query.get("cursor") or None)
    only = query.get("bulkId") or None
    if only is not None and bulk_id is not None and only != bulk_id:
        raise BadRequest("cursor is not one this API issued for this bulkId")
    orders = await _orders(db, sub.client_id, only or bulk_id, single=only is not None)
    links: list[Link] = []
    next_cursor: str | None = None
    for order in orders:
        start = after_row if order.bulk_id == bulk_id else -1
        found = await _bulk_page(db, await request.app[OVERLAYS].of(order.bulk_id), order,
                                 settings.link_shards, uids, search, start,
                                 limit - len(links) + 1)
        links += found
        if len(links) > limit:
            links = links[:limit]
            next_cursor = _encode(order.bulk_id, links[-1].row)
            break
    else:
        if len(orders) == ORDERS_PER_PAGE and only is None:
            next_cursor = _encode(orders[-1].bulk_id, 1 << 62)
    items = await record_views(db, settings.public_url, links)
    return web.json_response({"items": items, "next": next_cursor})


async def _orders(db: Database, client_id: str, first: str | None, single: bool
                  ) -> list[Order]:
    """The orders a page reads: `first` (when given) and the ones after it, newest first."""
    head = [] if first is None else [await get_owned_order(db, first, client_id)]
    if single:
        return head
    rest, _ = await list_orders(db, client_id, ORDERS_PER_PAGE - len(head),
                                order_cursor(head[0]) if head else None)
    return head + rest


async def _bulk_page(db: Database, overlays: list[Overlay], order: Order, shards: int,
                     uids: tuple[str | int, ...] | None, search: str | None, after_row: int,
                     limit: int) -> list[Link]:
    """Up to `limit` matching records after `after_row`, as they read (overlays applied).

    A search (`q`) in a batch whose destinations were changed in bulk cannot be left to
    the store, which knows only the stored destinations: its records are read a page at a
    time and searched here."""
    matches = None
    if search is not None and any("destination" in o.changes for o in overlays):
        matches = re.compile(search, re.IGNORECASE)
    wanted = order_records(order, uids, search if matches is None else None)
    found: list[Link] = []
    for shard in bulk_shards(order.bulk_id, order.chunks, shards):
        start, in_shard = after_row, 0
        while page := await record_page(db, shard, wanted, start, SCAN_PAGE if matches
                                        else limit):
            links = [apply_overlays(link, overlays) for link in page]
            kept = [k for k in links if matches is None or _matches(matches, k)]
            found += kept[:limit - in_shard]
            in_shard += len(kept)
            if matches is None or len(page) < SCAN_PAGE or in_shard >= limit:
                break
            start = page[-1].row
    return sorted(found, key=lambda link: link.row)[:limit]


def _matches(pattern: re.Pattern[str], link: Link) -> bool:
    return any(pattern.search(str(text)) for text in (link.uid, link.destination)
               if text is not None)


def _uids(uid: str | None) -> tuple[str | int, ...] | None:
    """The uids `uid` may name: the text, and the integer it spells if any."""
    if not uid:
        return None
    numeric = uid.lstrip("-").isdigit() and INT64_MIN <= int(uid) <= INT64_MAX
    return (uid, int(uid)) if numeric else (uid,)


def _search(q: str | None) -> str | None:
    """`q` as a pattern matching it literally, case aside."""
    if not q:
        return None
    if len(q) > MAX_Q_CHARS:
        raise BadRequest(f"q may be at most {MAX_Q_CHARS} characters")
    return re.escape(q)


def _encode(bulk_id: str, row: int) -> str:
    """The orders' cursor shape, (number, id): here the last row served and its bulk."""
    return encode_pair(row, bulk_id)


def _decode(cursor: str | None) -> tuple[str | None, int]:
    if cursor is None:
        return None, -1
    row, bulk_id = decode_cursor(cursor)
    return bulk_id, row
