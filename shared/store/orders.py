"""The orders repository: every query on the `orders` collection, typed `Order`s in and out.

Query shapes (each an `_id` lookup or served by `orders.by_owner`):
- insert, find, delete, status compare-and-set: by `_id`;
- a subscription's page: filter `subscription` (and, past the first page, `createdAt`
  and `_id` below the cursor's), sort `createdAt` desc, `_id` desc;
- count by `subscription` (admin and tests only; never on a hot path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import DESCENDING, ReturnDocument

from shared.orderdoc import Order
from shared.status import OrderStatus
from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import ORDERS

NEWEST_FIRST = [("createdAt", DESCENDING), ("_id", DESCENDING)]


async def insert_order(db: Database, order: Order) -> None:
    """Store a batch just accepted (AlreadyExists if its bulkId is taken)."""
    with store_errors():
        await db[ORDERS].insert_one(order.to_doc())


async def delete_order(db: Database, bulk_id: str) -> None:
    with store_errors():
        await db[ORDERS].delete_one({"_id": bulk_id})


async def find_order(db: Database, bulk_id: str) -> Order | None:
    with store_errors():
        doc = await db[ORDERS].find_one({"_id": bulk_id})
    return None if doc is None else Order.from_doc(doc)


async def set_status(db: Database, bulk_id: str, current: OrderStatus, target: OrderStatus,
                     at_ms: int, failed_features: Mapping[str, int] | None = None
                     ) -> Order | None:
    """Compare-and-set the status from `current` to `target` (and, if given, the failed
    feature totals); the order after the change, or None if it was not in `current`."""
    fields: Doc = {"status": target.value, "updatedAt": at_ms}
    if failed_features is not None:
        fields["failedFeatures"] = dict(failed_features)
    with store_errors():
        doc = await db[ORDERS].find_one_and_update(
            {"_id": bulk_id, "status": current.value}, {"$set": fields},
            return_document=ReturnDocument.AFTER)
    return None if doc is None else Order.from_doc(doc)


async def page_orders(db: Database, subscription: str, limit: int,
                      after: tuple[int, str] | None = None) -> list[Order]:
    """Up to `limit` of the subscription's orders, newest first, from just past `after`
    (the `createdAt` and bulkId of the last order of the previous page)."""
    query: dict[str, Any] = {"subscription": subscription}
    if after is not None:
        created, bulk_id = after
        query["$or"] = [{"createdAt": {"$lt": created}},
                        {"createdAt": created, "_id": {"$lt": bulk_id}}]
    with store_errors():
        found = db[ORDERS].find(query).sort(NEWEST_FIRST).limit(limit)
        return [Order.from_doc(doc) async for doc in found]


async def count_orders(db: Database, subscription: str) -> int:
    """How many orders a subscription has stored (a count: admin and tests only)."""
    with store_errors():
        return await db[ORDERS].count_documents({"subscription": subscription})
