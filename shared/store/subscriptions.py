"""The subscriptions repository: every query on `subscriptions` (tenants, key hashes, limits,
quota hint), typed `SubscriptionRecord`s in and out.

Query shapes: every read and write is by `_id` (the client id), except the admin listing:
no filter, sorted by `createdAt` (`subscriptions.by_creation`).
"""

from __future__ import annotations

from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import SUBSCRIPTIONS
from shared.subscriptiondoc import SubscriptionRecord

WITHOUT_KEYS = {"keyHash": 0, "revokedKeyHashes": 0}


async def insert_subscription(db: Database, record: SubscriptionRecord) -> None:
    """Store a new subscription (AlreadyExists if its client id is taken)."""
    with store_errors():
        await db[SUBSCRIPTIONS].insert_one(record.to_doc())


async def find_subscription(db: Database, client_id: str) -> SubscriptionRecord | None:
    with store_errors():
        doc = await db[SUBSCRIPTIONS].find_one({"_id": client_id})
    return None if doc is None else SubscriptionRecord.from_doc(doc)


async def all_subscriptions(db: Database) -> list[SubscriptionRecord]:
    """Every subscription, oldest first, read without key hashes (they accept no key)."""
    with store_errors():
        docs = db[SUBSCRIPTIONS].find({}, WITHOUT_KEYS).sort("createdAt", 1)
        return [SubscriptionRecord.from_doc(doc) async for doc in docs]


async def store_disabled(db: Database, client_id: str, disabled: bool) -> bool:
    """Disable or enable; False if there is no such subscription."""
    return await _set(db, client_id, {"disabled": disabled})


async def store_limits(db: Database, client_id: str, batches_in_flight: int | None,
                       rows_per_minute: int | None) -> bool:
    """Set the admission limits (None: the gateway's setting); False if there is no such
    subscription."""
    return await _set(db, client_id, {"limits": {"batchesInFlight": batches_in_flight,
                                                 "rowsPerMinute": rows_per_minute}})


async def replace_key(db: Database, client_id: str, key_hash: str, revoked_hash: str) -> bool:
    """Make `key_hash` the current key and remember `revoked_hash` as revoked; False if
    there is no such subscription."""
    with store_errors():
        result = await db[SUBSCRIPTIONS].update_one({"_id": client_id}, {
            "$set": {"keyHash": key_hash}, "$push": {"revokedKeyHashes": revoked_hash}})
    return result.matched_count > 0


async def raise_quota_hint(db: Database, client_id: str, slot: int) -> None:
    """Raise the quota hint to `slot` if it is below. A hint, not the truth: a lost update
    (FerretDB's `$max` is a read then a write) only means more slot collisions later."""
    with store_errors():
        await db[SUBSCRIPTIONS].update_one({"_id": client_id}, {"$max": {"quotaHint": slot}})


async def _set(db: Database, client_id: str, fields: Doc) -> bool:
    with store_errors():
        result = await db[SUBSCRIPTIONS].update_one({"_id": client_id}, {"$set": fields})
    return result.matched_count > 0
