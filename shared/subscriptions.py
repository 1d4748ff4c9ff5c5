"""Subscriptions: creation, API-key authentication, disabling and key rotation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from shared.errors import Forbidden, NotFound, Unauthorized
from shared.ids import api_key_matches, hash_api_key, new_api_key, new_client_id
from shared.mongo import SUBSCRIPTIONS, Database, Doc, ensure_quota_indexes

DEFAULT_QR_LIMIT = 10_000


@dataclass(frozen=True)
class Subscription:
    client_id: str
    name: str
    qr_limit: int
    quota_hint: int = 0
    # Admission limits of this subscription; None: the gateway's setting applies.
    batches_in_flight: int | None = None
    rows_per_minute: int | None = None

    @classmethod
    def from_doc(cls, doc: Doc) -> Subscription:
        limits = doc.get("limits") or {}
        return cls(doc["_id"], doc.get("name", ""), int(doc["qrLimit"]),
                   int(doc.get("quotaHint", 0)), limits.get("batchesInFlight"),
                   limits.get("rowsPerMinute"))


async def create_subscription(db: Database, name: str = "", qr_limit: int = DEFAULT_QR_LIMIT
                              ) -> tuple[str, str]:
    """Create a subscription; returns (clientId, apiKey). Only the key's hash is stored."""
    client_id, api_key = new_client_id(), new_api_key()
    await db[SUBSCRIPTIONS].insert_one({
        "_id": client_id, "name": name, "keyHash": hash_api_key(api_key),
        "revokedKeyHashes": [], "disabled": False, "qrLimit": qr_limit,
        "quotaHint": 0, "createdAt": _now_ms(),
    })
    await ensure_quota_indexes(db, client_id)
    return client_id, api_key


async def authenticate(db: Database, client_id: str | None, api_key: str | None) -> Subscription:
    """The caller's subscription: 401 for missing or unknown credentials, 403 when the
    subscription is disabled or the key was revoked."""
    if not client_id or not api_key:
        raise Unauthorized("client-id and api-key headers are required")
    doc = await db[SUBSCRIPTIONS].find_one({"_id": client_id})
    if doc is None:
        raise Unauthorized("unknown client-id or api-key")
    if not api_key_matches(api_key, doc["keyHash"]):
        if any(api_key_matches(api_key, h) for h in doc.get("revokedKeyHashes", [])):
            raise Forbidden("this api-key was revoked")
        raise Unauthorized("unknown client-id or api-key")
    if doc.get("disabled"):
        raise Forbidden("this subscription is disabled")
    return Subscription.from_doc(doc)


async def get_subscription(db: Database, client_id: str) -> Subscription:
    doc = await db[SUBSCRIPTIONS].find_one({"_id": client_id})
    if doc is None:
        raise NotFound(f"no subscription {client_id}")
    return Subscription.from_doc(doc)


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
    doc = await db[SUBSCRIPTIONS].find_one({"_id": client_id})
    if doc is None:
        raise NotFound(f"no subscription {client_id}")
    api_key = new_api_key()
    await db[SUBSCRIPTIONS].update_one({"_id": client_id}, {
        "$set": {"keyHash": hash_api_key(api_key)},
        "$push": {"revokedKeyHashes": doc["keyHash"]},
    })
    return api_key


async def list_subscriptions(db: Database) -> list[dict[str, Any]]:
    docs = db[SUBSCRIPTIONS].find({}, {"keyHash": 0, "revokedKeyHashes": 0}).sort("createdAt", 1)
    return [
        {"clientId": d["_id"], "name": d.get("name", ""), "qrLimit": d["qrLimit"],
         "disabled": d.get("disabled", False), "createdAt": d.get("createdAt")}
        async for d in docs
    ]


def _now_ms() -> int:
    return int(time.time() * 1000)
