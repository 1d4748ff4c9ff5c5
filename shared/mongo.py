"""The MongoDB client (PyMongo's async API), collection names, and index creation."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.settings import Settings

Doc = dict[str, Any]
Database = AsyncDatabase[Doc]
Collection = AsyncCollection[Doc]

DUPLICATE_KEY = 11000

SUBSCRIPTIONS = "subscriptions"
ORDERS = "orders"
CLAIMS = "claims"
RATE_LIMITS = "rate_limits"


def progress_collection(bulk_id: str) -> str:
    """Per-bulk chunk completions (small documents), dropped when the bulk ends.

    FerretDB scans a whole collection per query, so one bulk's progress never lives
    beside another's, and the per-chunk completion checks never read the (larger)
    quota charge records, which live in `charges_collection`.
    """
    return f"progress_{bulk_id}"


def charges_collection(bulk_id: str) -> str:
    """Per-bulk quota charge records, one per chunk; read only when a chunk is redelivered."""
    return f"charges_{bulk_id}"


def quota_collection(client_id: str) -> str:
    """Per-subscription quota ledger: one document per used slot, `_id` the slot number."""
    return f"quota_{client_id}"


def links_collection(shard: int) -> str:
    """One of the link shards; a short code's first two characters name its shard."""
    return f"links_{shard:04d}"


def open_client(settings: Settings) -> AsyncMongoClient[Doc]:
    return AsyncMongoClient(
        settings.mongo_url.get_secret_value(),
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        retryWrites=False,  # FerretDB v1 does not support retryable writes
        tz_aware=True,
    )


async def ensure_indexes(db: Database) -> None:
    """Create the indexes production MongoDB needs (FerretDB accepts them too)."""
    await db[ORDERS].create_indexes(
        [IndexModel([("subscription", ASCENDING), ("createdAt", DESCENDING)], name="by_owner")]
    )
    await db[RATE_LIMITS].create_indexes([IndexModel([("expiresAt", ASCENDING)], name="expiry")])


async def ensure_quota_indexes(db: Database, client_id: str) -> None:
    await db[quota_collection(client_id)].create_indexes(
        [IndexModel([("bulkId", ASCENDING), ("chunk", ASCENDING)], name="by_chunk")]
    )


def is_duplicate_key(exc: BaseException) -> bool:
    return isinstance(exc, DuplicateKeyError) or (
        isinstance(exc, BulkWriteError)
        and all(e.get("code") == DUPLICATE_KEY for e in exc.details.get("writeErrors", []))
    )


async def insert_unique(collection: Collection, doc: Doc) -> bool:
    """Insert `doc`; True if this call created it, False if its `_id` already existed.

    Unique-index inserts are the one primitive that has exactly one winner on both
    MongoDB and FerretDB, so every exactly-once decision goes through here.
    """
    try:
        await collection.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def insert_many_unique(collection: Collection, docs: list[Doc]) -> set[Any]:
    """Insert what is new among `docs` (unordered); returns the `_id`s this call created."""
    if not docs:
        return set()
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        failed = {e["index"] for e in errors}
        return {doc["_id"] for i, doc in enumerate(docs) if i not in failed}
    return {doc["_id"] for doc in docs}
