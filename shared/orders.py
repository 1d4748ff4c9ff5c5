"""Bulk orders: creation, owner-scoped reads, listing, and status changes via the state machine."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

import orjson

from shared.errors import BadRequest, NotFound
from shared.orderdoc import Order
from shared.progress import read_progress
from shared.status import OrderStatus, check_transition
from shared.store.client import Database, Doc
from shared.store.orders import find_order, page_orders, set_status

MAX_LIST_LIMIT = 100


def now_ms() -> int:
    return int(time.time() * 1000)


def new_order(bulk_id: str, subscription: str, count: int, chunks: int,
              verify: bool = False, input_ends: tuple[int, ...] = ()) -> Doc:
    """The document to insert for a batch just accepted."""
    return Order.new(bulk_id, subscription, count, chunks, now_ms(), verify,
                     input_ends).to_doc()


async def get_owned_order(db: Database, bulk_id: str, subscription: str) -> Order:
    """The order if the caller owns it (with its progress); else the 404 of an unknown id."""
    order = await find_order(db, bulk_id)
    if order is None or order.subscription != subscription:
        raise NotFound("no bulk order with that id")
    return await with_processed(db, order)


async def with_processed(db: Database, order: Order) -> Order:
    """The order with `processed`, the rows finished so far: while it is processing, read
    from its progress (a bounded read, never a big one); afterwards, every row."""
    if not order.is_processing:
        return order.with_processed(order.count)
    return order.with_processed((await read_progress(db, order.bulk_id)).done_rows)


async def transition(db: Database, bulk_id: str, current: OrderStatus, target: OrderStatus,
                     extra: Mapping[str, Mapping[str, int]] | None = None) -> Order | None:
    """Move the order from `current` to `target`; None if it was not in `current`.
    `extra` may set `failedFeatures` (the totals of a batch completing) along with it.

    The filter on `current` makes this a compare-and-set. On FerretDB v1 two racing
    compare-and-sets can both win, so callers only race here with identical writes;
    decisions that need one winner are made by unique inserts first.
    """
    check_transition(current, target)
    fields = dict(extra or {})
    failed = fields.pop("failedFeatures", None)
    if fields:
        raise ValueError(f"a transition sets no other field: {sorted(fields)}")
    return await set_status(db, bulk_id, current, target, now_ms(), failed)


def status_document(order: Order) -> dict[str, Any]:
    """The API's view of an order (`processed` comes from `with_processed`)."""
    return order.status_document()


async def list_orders(db: Database, subscription: str, limit: int, cursor: str | None
                      ) -> tuple[list[Order], str | None]:
    """The owner's orders, newest first, and the cursor of the next page (or None)."""
    after = decode_cursor(cursor) if cursor else None
    found = await page_orders(db, subscription, limit + 1, after)
    more = len(found) > limit
    orders = [await with_processed(db, order) for order in found[:limit]]
    return orders, encode_cursor(orders[-1]) if more else None


def encode_cursor(order: Order) -> str:
    return encode_pair(order.created_at_ms, order.bulk_id)


def encode_pair(number: int, key: str) -> str:
    """A cursor of the listings' shape: a number and an id, opaque to clients."""
    return base64.urlsafe_b64encode(orjson.dumps([number, key])).decode()


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        created, bulk_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise BadRequest("cursor is not one this API issued") from exc
    if not isinstance(created, int) or not isinstance(bulk_id, str):
        raise BadRequest("cursor is not one this API issued")
    return created, bulk_id
