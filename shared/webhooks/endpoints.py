"""Webhook endpoints: registered, listed, deleted and marked healthy or failing per
subscription, the secret sealed at rest (stored by shared/store/webhooks.py).

Each endpoint holds one of MAX_ENDPOINTS slots of its subscription (shared/webhooks/slots.py),
taken by unique insert before the endpoint is stored, so the cap is exact under concurrency.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import shared.store.webhooks as repo
from shared.errors import BadRequest, NotFound
from shared.settings import Settings
from shared.store.client import Database
from shared.store.webhooks import Endpoint
from shared.webhooks.addresses import validate_url
from shared.webhooks.events import EVENTS
from shared.webhooks.seal import seal, unseal
from shared.webhooks.signing import new_secret
from shared.webhooks.slots import (
    free_endpoint_slot,
    free_orphan_slots,
    take_endpoint_slot,
)

MAX_ENDPOINTS = 20
NO_ENDPOINT = "no webhook with that id"


def validate_events(events: object) -> list[str]:
    if not isinstance(events, list) or not events:
        raise BadRequest(f"events must be a non-empty array of {', '.join(EVENTS)}")
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise BadRequest(f"unknown events {unknown!r}; known: {', '.join(EVENTS)}")
    return sorted(set(events))


def now_ms() -> int:
    return int(time.time() * 1000)


async def create_endpoint(db: Database, settings: Settings, client_id: str, url: object,
                          events: object) -> dict[str, Any]:
    """Register an endpoint; the answer holds its secret, which is never shown again."""
    checked_url = validate_url(url, settings.webhook_allow_private)
    checked_events = validate_events(events)
    secret = new_secret()
    endpoint_id = "wh_" + secrets.token_hex(12)
    slot = await _take_slot(db, client_id, endpoint_id)
    endpoint = Endpoint(id=endpoint_id, subscription=client_id, url=checked_url,
                        events=tuple(checked_events), created_at_ms=now_ms(), slot=slot,
                        sealed_secret=seal(settings.webhook_seal_key.get_secret_value(),
                                           secret))
    try:
        await repo.insert_endpoint(db, endpoint)
    except Exception:
        await free_endpoint_slot(db, client_id, endpoint_id)
        raise
    return {**public_view(endpoint), "secret": secret}


async def _take_slot(db: Database, client_id: str, endpoint_id: str) -> int:
    """A free slot for the new endpoint, or 400 when the subscription has its cap.
    Reading the endpoints first only refuses early (at the cap, one read instead of
    MAX_ENDPOINTS failed inserts); the slot alone admits. Endpoints made before slots
    existed hold none: they count against the cap, and as no more are ever made their
    count can only fall, so a stale read of it errs on the side of refusing."""
    held = await repo.list_endpoints(db, client_id)
    limit = MAX_ENDPOINTS - sum(1 for e in held if e.slot is None)
    slot = None
    if len(held) < MAX_ENDPOINTS:
        slot = await take_endpoint_slot(db, client_id, endpoint_id, limit)
        if slot is None and await free_orphan_slots(db, client_id, {e.id for e in held}):
            slot = await take_endpoint_slot(db, client_id, endpoint_id, limit)
    if slot is None:
        raise BadRequest(f"a subscription has at most {MAX_ENDPOINTS} webhooks")
    return slot


def public_view(endpoint: Endpoint) -> dict[str, Any]:
    return {"id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events),
            "createdAt": endpoint.created_at_ms, "disabled": endpoint.disabled,
            "disabledReason": endpoint.disabled_reason,
            "failingSince": endpoint.failing_since_ms}


def endpoint_secret(settings: Settings, endpoint: Endpoint) -> str:
    return unseal(settings.webhook_seal_key.get_secret_value(), endpoint.sealed_secret)


async def list_endpoints(db: Database, client_id: str) -> list[Endpoint]:
    return await repo.list_endpoints(db, client_id)


async def get_endpoint(db: Database, client_id: str, endpoint_id: str) -> Endpoint:
    """The caller's endpoint; another subscription's id is as unknown as a made-up one."""
    endpoint = await repo.find_endpoint(db, client_id, endpoint_id)
    if endpoint is None:
        raise NotFound(NO_ENDPOINT)
    return endpoint


async def delete_endpoint(db: Database, client_id: str, endpoint_id: str) -> None:
    """Delete the endpoint, then free its slot and its log (a slot left by a failure in
    between is freed as an orphan when the cap is next reached)."""
    if not await repo.delete_endpoint(db, client_id, endpoint_id):
        raise NotFound(NO_ENDPOINT)
    await free_endpoint_slot(db, client_id, endpoint_id)
    await repo.delete_log(db, endpoint_id)


async def record_success(db: Database, endpoint: Endpoint) -> None:
    """A delivery got through: the endpoint is healthy (and enabled again)."""
    if endpoint.failing_since_ms is not None or endpoint.disabled:
        await repo.mark_healthy(db, endpoint.id)


async def record_failure(db: Database, settings: Settings, endpoint: Endpoint,
                         error: str) -> bool:
    """Note a failed delivery; True when the endpoint has failed for so long that it is
    now disabled. Racing writers set the same fields to nearly the same values."""
    since, new_since = endpoint.failing_since_ms, None
    if since is None:
        since = new_since = now_ms()
    reason = None
    if now_ms() - since >= settings.webhook_disable_after_s * 1000:
        failing_s = round((now_ms() - since) / 1000)
        reason = f"every delivery failed for {failing_s} s; last error: {error}"
    await repo.mark_failing(db, endpoint.id, new_since, reason)
    return reason is not None
