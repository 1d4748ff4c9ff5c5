"""The MongoDB client (PyMongo's async API), collection names, indexes, and its error table."""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    OperationFailure,
)

from shared.errors import AlreadyExists, BulkQRError, StoreUnavailable, map_exceptions
from shared.settings import Settings

Doc = dict[str, Any]
Database = AsyncDatabase[Doc]
Collection = AsyncCollection[Doc]

DUPLICATE_KEY = 11000
SHUTDOWN_CODES = frozenset({91, 189, 11600, 11602})  # shutting down, stepping down

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


def scan_totals_collection(shard: int) -> str:
    """The scan totals of one link shard's codes (see shared/scantotals.py)."""
    return f"linkscans_{shard:04d}"


def open_client(settings: Settings) -> AsyncMongoClient[Doc]:
    return AsyncMongoClient(
        settings.mongo_url.get_secret_value(),
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        retryWrites=False,  # FerretDB v1 does not support retryable writes
        tz_aware=True,
    )


def store_error(exc: BaseException) -> BulkQRError | None:
    """The project's name for a PyMongo exception, or None for one that is a bug."""
    if is_duplicate_key(exc):
        return AlreadyExists(str(exc))
    if isinstance(exc, ConnectionFailure | ExecutionTimeout) or (
        isinstance(exc, OperationFailure) and exc.code in SHUTDOWN_CODES
    ):
        return StoreUnavailable(f"MongoDB: {exc}")
    return None


def store_errors() -> contextlib.AbstractContextManager[None]:
    """Translate PyMongo's exceptions raised inside the block into the project's tree."""
    return map_exceptions(store_error)


async def ensure_indexes(db: Database) -> None:
    """Create the indexes production MongoDB needs (FerretDB accepts them too)."""
    with store_errors():
        await _create_indexes(db)


async def _create_indexes(db: Database) -> None:
    await db[ORDERS].create_indexes(
        [IndexModel([("subscription", ASCENDING), ("createdAt", DESCENDING)], name="by_owner")]
    )
    await db[RATE_LIMITS].create_indexes([IndexModel([("expiresAt", ASCENDING)], name="expiry")])


async def ensure_quota_indexes(db: Database, client_id: str) -> None:
    with store_errors():
        await db[quota_collection(client_id)].create_indexes(
            [IndexModel([("bulkId", ASCENDING), ("chunk", ASCENDING)], name="by_chunk")]
        )


def is_duplicate_key(exc: BaseException) -> bool:
    """A lost unique insert: one duplicate, or a bulk insert whose only errors are those."""
    if isinstance(exc, DuplicateKeyError):
        return True
    errors = exc.details.get("writeErrors", []) if isinstance(exc, BulkWriteError) else []
    return bool(errors) and all(e.get("code") == DUPLICATE_KEY for e in errors)


async def insert_unique(collection: Collection, doc: Doc) -> bool:
    """Insert `doc`; True if this call created it, False if its `_id` already existed.

    Unique-index inserts are the one primitive that has exactly one winner on both
    MongoDB and FerretDB, so every exactly-once decision goes through here.
    """
    try:
        with store_errors():
            await collection.insert_one(doc)
    except AlreadyExists:
        return False
    return True


async def insert_many_unique(collection: Collection, docs: list[Doc]) -> set[Any]:
    """Insert what is new among `docs` (unordered); returns the `_id`s this call created."""
    if not docs:
        return set()
    try:
        with store_errors():
            await collection.insert_many(docs, ordered=False)
    except AlreadyExists as exc:
        cause = exc.__cause__
        if not isinstance(cause, BulkWriteError):  # insert_many reports duplicates in bulk
            raise
        failed = {e["index"] for e in cause.details.get("writeErrors", [])}
        return {doc["_id"] for i, doc in enumerate(docs) if i not in failed}
    return {doc["_id"] for doc in docs}
