"""Subscriptions: creation, API-key authentication, disabling and key rotation."""

from __future__ import annotations

import time
from typing import Any

from shared.errors import Forbidden, NotFound, Unauthorized
from shared.ids import hash_api_key, new_api_key, new_client_id
from shared.store import SUBSCRIPTIONS, Database
from shared.subscriptiondoc import Subscription as Subscription  # re-exported: its old home
from shared.subscriptiondoc import SubscriptionRecord

DEFAULT_QR_LIMIT = 10_000


async def create_subscription(db: Database, name: str = "", qr_limit: int = DEFAULT_QR_LIMIT
                              ) -> tuple[str, str]:
    """Create a subscription; returns (clientId, apiKey). Only the key's hash is stored."""
    client_id, api_key = new_client_id(), new_api_key()
    record = SubscriptionRecord(client_id, hash_api_key(api_key), qr_limit, name,
                                created_at_ms=_now_ms())
    await db[SUBSCRIPTIONS].insert_one(record.to_doc())
    return client_id, api_key


async def authenticate(db: Database, client_id: str | None, api_key: str | None) -> Subscription:
    """The caller's subscription: 401 for missing or unknown credentials, 403 when the
    subscription is disabled or the key was revoked."""
    if not client_id or not api_key:
        raise Unauthorized("client-id and api-key headers are required")
    record = await _find(db, client_id)
    if record is None:
        raise Unauthorized("unknown client-id or api-key")
    if not record.accepts(api_key):
        if record.was_revoked(api_key):
            raise Forbidden("this api-key was revoked")
        raise Unauthorized("unknown client-id or api-key")
    if not record.is_active:
        raise Forbidden("this subscription is disabled")
    return record.subscription


async def get_subscription(db: Database, client_id: str) -> Subscription:
    return (await _existing(db, client_id)).subscription


async def set_disabled(db: Database, client_id: str, disabled: bool = True) -> None:
    result = await db[SUBSCRIPTIONS].update_one({"_id": client_id},
                                                {"$set": {"disabled": disabled}})
    if result.matched_count == 0:
        raise NotFound(f"no subscription {client_id}")


async def set_limits(db: Database, client_id: str, *, batches_in_flight: int | None,
                     rows_per_minute: int | None) -> None:
    """Set (or, with None, clear back to the gateway's setting) the admission limits."""
    result = await db[SUBSCRIPTIONS].update_one({"_id": client_id}, {"$set": {"limits": {
        "batchesInFlight": batches_in_flight, "rowsPerMinute": rows_per_minute}}})
    if result.matched_count == 0:
        raise NotFound(f"no subscription {client_id}")


async def rotate_key(db: Database, client_id: str) -> str:
    """Issue a new key; the old one answers 403 from now on."""
    record = await _existing(db, client_id)
    api_key = new_api_key()
    await db[SUBSCRIPTIONS].update_one({"_id": client_id}, {
        "$set": {"keyHash": hash_api_key(api_key)},
        "$push": {"revokedKeyHashes": record.key_hash},
    })
    return api_key


async def list_subscriptions(db: Database) -> list[dict[str, Any]]:
    docs = db[SUBSCRIPTIONS].find({}, {"keyHash": 0, "revokedKeyHashes": 0}).sort("createdAt", 1)
    return [SubscriptionRecord.from_doc(d).listing() async for d in docs]


async def _find(db: Database, client_id: str) -> SubscriptionRecord | None:
    doc = await db[SUBSCRIPTIONS].find_one({"_id": client_id})
    return None if doc is None else SubscriptionRecord.from_doc(doc)


async def _existing(db: Database, client_id: str) -> SubscriptionRecord:
    record = await _find(db, client_id)
    if record is None:
        raise NotFound(f"no subscription {client_id}")
    return record


def _now_ms() -> int:
    return int(time.time() * 1000)
