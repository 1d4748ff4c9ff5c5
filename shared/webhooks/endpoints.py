"""Webhook endpoints: one small collection per subscription, the secret sealed at rest.

Each endpoint holds one of MAX_ENDPOINTS slots of its subscription (shared/webhooks/slots.py),
taken by unique insert before the endpoint is stored, so the cap is exact under concurrency.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.errors import BadRequest, NotFound
from shared.settings import Settings
from shared.store import Database, Doc
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


def endpoints_collection(client_id: str) -> str:
    """A subscription's endpoints: read on every event of that subscription, so it stays
    apart from everyone else's (FerretDB scans whole collections)."""
    return f"webhooks_{client_id}"


def log_collection(endpoint_id: str) -> str:
    """One endpoint's delivery log: its messages and every attempt to send them."""
    return f"webhook_log_{endpoint_id}"


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
    collection = db[endpoints_collection(client_id)]
    secret = new_secret()
    endpoint_id = "wh_" + secrets.token_hex(12)
    slot = await _take_slot(db, client_id, endpoint_id)
    doc = {"_id": endpoint_id, "url": checked_url, "events": checked_events,
           "sealedSecret": seal(settings.webhook_seal_key.get_secret_value(), secret),
           "createdAt": now_ms(), "disabled": False, "disabledReason": None,
           "failingSince": None, "slot": slot}
    try:
        await collection.insert_one(doc)
    except Exception:
        await free_endpoint_slot(db, client_id, endpoint_id)
        raise
    await db[log_collection(endpoint_id)].create_indexes(  # for MongoDB; FerretDB scans
        [IndexModel([("kind", ASCENDING), ("at", DESCENDING)], name="attempts")])
    return {**public_view(doc), "secret": secret}


async def _take_slot(db: Database, client_id: str, endpoint_id: str) -> int:
    """A free slot for the new endpoint, or 400 when the subscription has its cap.
    Reading the endpoints first only refuses early (at the cap, one read instead of
    MAX_ENDPOINTS failed inserts); the slot alone admits. Endpoints made before slots
    existed hold none: they count against the cap, and as no more are ever made their
    count can only fall, so a stale read of it errs on the side of refusing."""
    held = [d async for d in db[endpoints_collection(client_id)].find({}, {"slot": 1})]
    limit = MAX_ENDPOINTS - sum(1 for d in held if "slot" not in d)
    slot = None
    if len(held) < MAX_ENDPOINTS:
        slot = await take_endpoint_slot(db, client_id, endpoint_id, limit)
        if slot is None and await free_orphan_slots(db, client_id, {d["_id"] for d in held}):
            slot = await take_endpoint_slot(db, client_id, endpoint_id, limit)
    if slot is None:
        raise BadRequest(f"a subscription has at most {MAX_ENDPOINTS} webhooks")
    return slot


def public_view(doc: Doc) -> dict[str, Any]:
    return {"id": doc["_id"], "url": doc["url"], "events": doc["events"],
            "createdAt": doc["createdAt"], "disabled": bool(doc.get("disabled")),
            "disabledReason": doc.get("disabledReason"), "failingSince": doc.get("failingSince")}


def endpoint_secret(settings: Settings, doc: Doc) -> str:
    return unseal(settings.webhook_seal_key.get_secret_value(), doc["sealedSecret"])


async def list_endpoints(db: Database, client_id: str) -> list[Doc]:
    return [d async for d in db[endpoints_collection(client_id)].find({}).sort("createdAt", 1)]


async def get_endpoint(db: Database, client_id: str, endpoint_id: str) -> Doc:
    """The caller's endpoint; another subscription's id is as unknown as a made-up one."""
    doc = await db[endpoints_collection(client_id)].find_one({"_id": endpoint_id})
    if doc is None:
        raise NotFound(NO_ENDPOINT)
    return doc


async def delete_endpoint(db: Database, client_id: str, endpoint_id: str) -> None:
    """Delete the endpoint, then free its slot (a slot left by a failure in between is
    freed as an orphan when the cap is next reached)."""
    result = await db[endpoints_collection(client_id)].delete_one({"_id": endpoint_id})
    if result.deleted_count == 0:
        raise NotFound(NO_ENDPOINT)
    await free_endpoint_slot(db, client_id, endpoint_id)
    await db.drop_collection(log_collection(endpoint_id))


async def record_success(db: Database, client_id: str, doc: Doc) -> None:
    """A delivery got through: the endpoint is healthy (and enabled again)."""
    if doc.get("failingSince") is not None or doc.get("disabled"):
        await db[endpoints_collection(client_id)].update_one({"_id": doc["_id"]}, {"$set": {
            "failingSince": None, "disabled": False, "disabledReason": None}})


async def record_failure(db: Database, settings: Settings, client_id: str, doc: Doc,
                         error: str) -> bool:
    """Note a failed delivery; True when the endpoint has failed for so long that it is
    now disabled. Racing writers set the same fields to nearly the same values."""
    since = doc.get("failingSince")
    changes: dict[str, Any] = {}
    if since is None:
        changes["failingSince"] = since = now_ms()
    if now_ms() - since >= settings.webhook_disable_after_s * 1000:
        failing_s = round((now_ms() - since) / 1000)
        changes |= {"disabled": True, "disabledReason":
                    f"every delivery failed for {failing_s} s; last error: {error}"}
    if changes:
        await db[endpoints_collection(client_id)].update_one({"_id": doc["_id"]},
                                                             {"$set": changes})
    return bool(changes.get("disabled"))
