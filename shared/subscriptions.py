"""Subscriptions: creation, API-key authentication, disabling and key rotation."""

from __future__ import annotations

import time
from typing import Any

from shared.errors import Forbidden, NotFound, Unauthorized
from shared.ids import hash_api_key, new_api_key, new_client_id
from shared.store.client import Database
from shared.store.subscriptions import (
    all_subscriptions,
    find_subscription,
    insert_subscription,
    replace_key,
    store_disabled,
    store_limits,
)
from shared.subscriptiondoc import Subscription, SubscriptionRecord

DEFAULT_QR_LIMIT = 10_000


async def create_subscription(db: Database, name: str = "", qr_limit: int = DEFAULT_QR_LIMIT
                              ) -> tuple[str, str]:
    """Create a subscription; returns (clientId, apiKey). Only the key's hash is stored."""
    client_id, api_key = new_client_id(), new_api_key()
    record = SubscriptionRecord(client_id, hash_api_key(api_key), qr_limit, name,
                                created_at_ms=_now_ms())
    await insert_subscription(db, record)
    return client_id, api_key


async def authenticate(db: Database, client_id: str | None, api_key: str | None) -> Subscription:
    """The caller's subscription: 401 for missing or unknown credentials, 403 when the
    subscription is disabled or the key was revoked."""
    if not client_id or not api_key:
        raise Unauthorized("client-id and api-key headers are required")
    record = await find_subscription(db, client_id)
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
    if not await store_disabled(db, client_id, disabled):
        raise NotFound(f"no subscription {client_id}")


async def set_limits(db: Database, client_id: str, *, batches_in_flight: int | None,
                     rows_per_minute: int | None) -> None:
    """Set (or, with None, clear back to the gateway's setting) the admission limits."""
    if not await store_limits(db, client_id, batches_in_flight, rows_per_minute):
        raise NotFound(f"no subscription {client_id}")


async def rotate_key(db: Database, client_id: str) -> str:
    """Issue a new key; the old one answers 403 from now on."""
    record = await _existing(db, client_id)
    api_key = new_api_key()
    if not await replace_key(db, client_id, hash_api_key(api_key), record.key_hash):
        raise NotFound(f"no subscription {client_id}")
    return api_key


async def list_subscriptions(db: Database) -> list[dict[str, Any]]:
    """The admin listing, oldest first, without key material."""
    return [record.listing() for record in await all_subscriptions(db)]


async def _existing(db: Database, client_id: str) -> SubscriptionRecord:
    record = await find_subscription(db, client_id)
    if record is None:
        raise NotFound(f"no subscription {client_id}")
    return record


def _now_ms() -> int:
    return int(time.time() * 1000)
