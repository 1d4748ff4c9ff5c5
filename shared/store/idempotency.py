"""Idempotency keys: one document per (subscription, key) in `idempotency_tNN`, expiring.

A record's `_id` is `{client}:{key}` in the shard of its subscription (client ids hold no
`:`, so two tenants' keys never collide); it holds the first body's SHA-256, the bulkId
once accepted, and `expiresAt` (a datetime) that ends the key's window. The first writer
wins by unique insert (DESIGN §4); a record past its window is deleted before the insert,
so the key can be used again, and otherwise by the TTL index or the sweeper.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.store.client import Collection, Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import idempotency_collection
from shared.store.sweep import as_datetime, seconds_of
from shared.store.unique import insert_unique


@dataclass(frozen=True)
class KeyRecord:
    """What the first request with a key stored: its body's hash, then its batch."""

    body_sha256: str
    expires_at_s: float
    bulk_id: str | None = None


def record_id(client_id: str, key: str) -> str:
    return f"{client_id}:{key}"


def _collection(db: Database, client_id: str) -> Collection:
    return db[idempotency_collection(client_id)]


def _to_doc(client_id: str, key: str, record: KeyRecord) -> Doc:
    return {"_id": record_id(client_id, key), "bodySha256": record.body_sha256,
            "bulkId": record.bulk_id, "expiresAt": as_datetime(record.expires_at_s)}


def _from_doc(doc: Doc) -> KeyRecord:
    bulk_id = doc.get("bulkId")
    return KeyRecord(str(doc["bodySha256"]), seconds_of(doc["expiresAt"]),
                     None if bulk_id is None else str(bulk_id))


async def begin(db: Database, client_id: str, key: str, record: KeyRecord, now_s: float) -> bool:
    """Store `record` as the key's first request; False if a live record holds the key."""
    expired: Doc = {"_id": record_id(client_id, key), "expiresAt": {"$lt": as_datetime(now_s)}}
    with store_errors():
        await _collection(db, client_id).delete_one(expired)
    return await insert_unique(_collection(db, client_id), _to_doc(client_id, key, record))


async def find(db: Database, client_id: str, key: str) -> KeyRecord | None:
    with store_errors():
        doc = await _collection(db, client_id).find_one({"_id": record_id(client_id, key)})
    return None if doc is None else _from_doc(doc)


async def accepted(db: Database, client_id: str, key: str, bulk_id: str) -> None:
    """The first request's batch was accepted as `bulk_id`: repeats now answer it."""
    with store_errors():
        await _collection(db, client_id).update_one({"_id": record_id(client_id, key)},
                                                    {"$set": {"bulkId": bulk_id}})


async def forget(db: Database, client_id: str, key: str) -> None:
    """The first request failed: the key is free again."""
    with store_errors():
        await _collection(db, client_id).delete_one({"_id": record_id(client_id, key)})

