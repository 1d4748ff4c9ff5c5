"""Bulk orders: creation, owner-scoped reads, listing, and status changes via the state machine."""

from __future__ import annotations

import base64
import time
from typing import Any

import orjson
from pymongo import ReturnDocument

from shared.errors import BadRequest, NotFound
from shared.mongo import ORDERS, Database, Doc
from shared.progress import read_progress
from shared.status import OrderStatus, check_transition

FEATURE_KEYS = ("dynamicQr", "securedQr", "sourceQr")
MAX_LIST_LIMIT = 100


def now_ms() -> int:
    return int(time.time() * 1000)


def new_order(bulk_id: str, subscription: str, count: int, chunks: int,
              verify: bool = False) -> Doc:
    created = now_ms()
    return {
        "_id": bulk_id, "subscription": subscription, "status": OrderStatus.PROCESSING.value,
        "count": count, "chunks": chunks, "failedFeatures": dict.fromkeys(FEATURE_KEYS, 0),
        "product": "qr", "createdAt": created, "updatedAt": created, "verify": verify,
    }


async def find_order(db: Database, bulk_id: str) -> Doc | None:
    return await db[ORDERS].find_one({"_id": bulk_id})


async def get_owned_order(db: Database, bulk_id: str, subscription: str) -> Doc:
    """The order if the caller owns it (with its progress); else the 404 of an unknown id."""
    doc = await db[ORDERS].find_one({"_id": bulk_id})
    if doc is None or doc["subscription"] != subscription:
        raise NotFound("no bulk order with that id")
    return await with_processed(db, doc)


async def with_processed(db: Database, doc: Doc) -> Doc:
    """The order with `processed`, the rows finished so far: while it is processing, read
    from its small progress collection (never from a big one); afterwards, every row."""
    if doc["status"] != OrderStatus.PROCESSING:
        return {**doc, "processed": doc["count"]}
    progress = await read_progress(db, doc["_id"])
    return {**doc, "processed": min(doc["count"], progress.done_rows)}


async def transition(db: Database, bulk_id: str, current: OrderStatus, target: OrderStatus,
                     extra: dict[str, Any] | None = None) -> Doc | None:
    """Move the order from `current` to `target`; None if it was not in `current`.

    The filter on `current` makes this a compare-and-set. On FerretDB v1 two racing
    compare-and-sets can both win, so callers only race here with identical writes;
    decisions that need one winner are made by unique inserts first.
    """
    check_transition(current, target)
    return await db[ORDERS].find_one_and_update(
        {"_id": bulk_id, "status": current.value},
        {"$set": {"status": target.value, "updatedAt": now_ms(), **(extra or {})}},
        return_document=ReturnDocument.AFTER,
    )


def status_document(doc: Doc) -> dict[str, Any]:
    """The API's view of an order (`processed` comes from `with_processed`)."""
    processed = doc.get("processed")
    if processed is None:
        processed = doc["count"] if doc["status"] != OrderStatus.PROCESSING else 0
    return {
        "bulkId": doc["_id"], "status": doc["status"], "count": doc["count"],
        "failedFeatures": {key: int(doc["failedFeatures"].get(key, 0)) for key in FEATURE_KEYS},
        "product": doc["product"], "createdAt": doc["createdAt"], "updatedAt": doc["updatedAt"],
        "processed": int(processed),
    }


async def list_orders(db: Database, subscription: str, limit: int, cursor: str | None
                      ) -> tuple[list[Doc], str | None]:
    """The owner's orders, newest first, and the cursor of the next page (or None)."""
    query: dict[str, Any] = {"subscription": subscription}
    if cursor:
        created, bulk_id = decode_cursor(cursor)
        query["$or"] = [{"createdAt": {"$lt": created}},
                        {"createdAt": created, "_id": {"$lt": bulk_id}}]
    found = db[ORDERS].find(query).sort([("createdAt", -1), ("_id", -1)]).limit(limit + 1)
    docs = [await with_processed(db, doc) async for doc in found]
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, encode_cursor(docs[-1]) if more else None


def encode_cursor(doc: Doc) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([doc["createdAt"], doc["_id"]])).decode()


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        created, bulk_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise BadRequest("cursor is not one this API issued") from exc
    if not isinstance(created, int) or not isinstance(bulk_id, str):
        raise BadRequest("cursor is not one this API issued")
    return created, bulk_id
