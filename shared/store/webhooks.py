"""Every query of the webhooks aggregate: endpoints, their delivery logs, their slots.

- `webhooks`: a document per endpoint, `_id` its id, `subscription` its owner; read by
  `_id` or by (subscription, createdAt).
- `webhook_log_tNN`, the shard of the endpoint id: a document per message (`_id` its
  webhook-id, derived from the endpoint id, so endpoints sharing a shard never collide)
  and one per attempt (`_id` random); listed by (endpoint, kind, at desc).
  Each expires LOG_KEPT_S after it was written (`expiresAt`), so a shard holds the
  last month of its endpoints' deliveries, not their whole history.
- `webhook_slots`: `{client}:{n}` for as long as an endpoint holds slot n of its
  subscription (shared/webhooks/slots.py says why slots).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import WEBHOOK_SLOTS, WEBHOOKS, webhook_log_collection
from shared.store.sweep import as_datetime
from shared.store.unique import insert_unique

MESSAGE, ATTEMPT = "message", "attempt"
LOG_KEPT_S = 30 * 86_400  # a delivery older than this is neither listed nor retried


def log_expiry(written_at_ms: int) -> datetime:
    """When a log document written at `written_at_ms` expires."""
    return as_datetime(written_at_ms / 1000 + LOG_KEPT_S)


@dataclass(frozen=True)
class Endpoint:
    """A registered endpoint; `slot` is None for one made before slots existed."""

    id: str
    subscription: str
    url: str
    events: tuple[str, ...]
    sealed_secret: str
    created_at_ms: int
    slot: int | None = None
    disabled: bool = False
    disabled_reason: str | None = None
    failing_since_ms: int | None = None


@dataclass(frozen=True)
class LoggedMessage:
    """A delivery kept for manual retries; `id` is its webhook-id."""

    id: str
    endpoint: str
    type: str
    key: str
    payload: str
    state: str
    created_at_ms: int


@dataclass(frozen=True)
class Attempt:
    """One try at sending a delivery, as the delivery log shows it."""

    id: str
    endpoint: str
    delivery_id: str
    type: str
    attempt: int
    manual: bool
    at_ms: int
    ok: bool
    status: int | None
    error: str | None
    latency_ms: float
    answer: str | None
    note: str | None = None


@dataclass(frozen=True)
class EndpointSlot:
    """Slot `number` of a subscription, held by `endpoint` since `taken_at_ms`."""

    client: str
    number: int
    endpoint: str
    taken_at_ms: int

    @property
    def id(self) -> str:
        return f"{self.client}:{self.number}"


# Endpoints ---------------------------------------------------------------------------

async def insert_endpoint(db: Database, endpoint: Endpoint) -> None:
    with store_errors():
        await db[WEBHOOKS].insert_one(_endpoint_doc(endpoint))


async def list_endpoints(db: Database, client_id: str) -> list[Endpoint]:
    """The subscription's endpoints, oldest first (at most a few dozen)."""
    with store_errors():
        found = db[WEBHOOKS].find({"subscription": client_id}).sort("createdAt", 1)
        return [endpoint_of(doc) async for doc in found]


async def find_endpoint(db: Database, client_id: str, endpoint_id: str) -> Endpoint | None:
    """The endpoint if `client_id` owns it; another subscription's is as absent as none."""
    with store_errors():
        doc = await db[WEBHOOKS].find_one({"_id": endpoint_id, "subscription": client_id})
    return None if doc is None else endpoint_of(doc)


async def delete_endpoint(db: Database, client_id: str, endpoint_id: str) -> bool:
    """Delete the subscription's endpoint; False if it had none of that id."""
    with store_errors():
        result = await db[WEBHOOKS].delete_one({"_id": endpoint_id,
                                                "subscription": client_id})
    return result.deleted_count == 1


async def mark_healthy(db: Database, endpoint_id: str) -> None:
    await _set_endpoint(db, endpoint_id, {"failingSince": None, "disabled": False,
                                          "disabledReason": None})


async def mark_failing(db: Database, endpoint_id: str, since_ms: int | None,
                       disabled_reason: str | None) -> None:
    """Set when the failures began (if given) and disable the endpoint (if a reason is)."""
    changes: Doc = {} if since_ms is None else {"failingSince": since_ms}
    if disabled_reason is not None:
        changes |= {"disabled": True, "disabledReason": disabled_reason}
    if changes:
        await _set_endpoint(db, endpoint_id, changes)


async def _set_endpoint(db: Database, endpoint_id: str, changes: Doc) -> None:
    with store_errors():
        await db[WEBHOOKS].update_one({"_id": endpoint_id}, {"$set": changes})


def _endpoint_doc(e: Endpoint) -> Doc:
    return {"_id": e.id, "subscription": e.subscription, "url": e.url,
            "events": list(e.events), "sealedSecret": e.sealed_secret,
            "createdAt": e.created_at_ms, "slot": e.slot, "disabled": e.disabled,
            "disabledReason": e.disabled_reason, "failingSince": e.failing_since_ms}


def endpoint_of(doc: Doc) -> Endpoint:
    return Endpoint(id=doc["_id"], subscription=doc["subscription"], url=doc["url"],
                    events=tuple(doc["events"]), sealed_secret=doc["sealedSecret"],
                    created_at_ms=doc["createdAt"], slot=doc.get("slot"),
                    disabled=bool(doc.get("disabled")),
                    disabled_reason=doc.get("disabledReason"),
                    failing_since_ms=doc.get("failingSince"))


# The delivery log --------------------------------------------------------------------

async def insert_message(db: Database, message: LoggedMessage) -> bool:
    """Keep the message; False if its webhook-id was logged already."""
    doc = {"_id": message.id, "endpoint": message.endpoint, "kind": MESSAGE,
           "type": message.type, "key": message.key, "payload": message.payload,
           "state": message.state, "createdAt": message.created_at_ms,
           "expiresAt": log_expiry(message.created_at_ms)}
    return await insert_unique(db[webhook_log_collection(message.endpoint)], doc)


async def find_message(db: Database, endpoint_id: str, message_id: str) -> LoggedMessage | None:
    with store_errors():
        doc = await db[webhook_log_collection(endpoint_id)].find_one(
            {"_id": message_id, "endpoint": endpoint_id, "kind": MESSAGE})
    if doc is None:
        return None
    return LoggedMessage(id=doc["_id"], endpoint=endpoint_id, type=doc["type"],
                         key=doc["key"], payload=doc["payload"], state=doc["state"],
                         created_at_ms=doc["createdAt"])


async def set_message_state(db: Database, endpoint_id: str, message_id: str, state: str,
                            at_ms: int) -> None:
    with store_errors():
        await db[webhook_log_collection(endpoint_id)].update_one(
            {"_id": message_id}, {"$set": {"state": state, "updatedAt": at_ms}})


async def insert_attempt(db: Database, attempt: Attempt) -> None:
    doc = {"_id": attempt.id, "endpoint": attempt.endpoint, "kind": ATTEMPT,
           "deliveryId": attempt.delivery_id, "type": attempt.type,
           "attempt": attempt.attempt, "manual": attempt.manual, "at": attempt.at_ms,
           "ok": attempt.ok, "status": attempt.status, "error": attempt.error,
           "latencyMs": attempt.latency_ms, "answer": attempt.answer, "note": attempt.note,
           "expiresAt": log_expiry(attempt.at_ms)}
    with store_errors():
        await db[webhook_log_collection(attempt.endpoint)].insert_one(doc)


async def list_attempts(db: Database, endpoint_id: str, limit: int) -> list[Attempt]:
    """The endpoint's latest `limit` attempts, newest first."""
    with store_errors():
        found = db[webhook_log_collection(endpoint_id)].find(
            {"endpoint": endpoint_id, "kind": ATTEMPT}).sort("at", -1).limit(limit)
        return [_attempt_of(doc) async for doc in found]


async def delete_log(db: Database, endpoint_id: str) -> None:
    with store_errors():
        await db[webhook_log_collection(endpoint_id)].delete_many({"endpoint": endpoint_id})


def _attempt_of(doc: Doc) -> Attempt:
    return Attempt(id=doc["_id"], endpoint=doc["endpoint"], delivery_id=doc["deliveryId"],
                   type=doc["type"], attempt=doc["attempt"], manual=doc["manual"],
                   at_ms=doc["at"], ok=doc["ok"], status=doc.get("status"), error=doc["error"],
                   latency_ms=doc["latencyMs"], answer=doc["answer"], note=doc.get("note"))


# Endpoint slots ----------------------------------------------------------------------

async def insert_endpoint_slot(db: Database, slot: EndpointSlot) -> bool:
    """Take the slot; False if another endpoint holds it."""
    doc = {"_id": slot.id, "client": slot.client, "endpoint": slot.endpoint,
           "takenAt": slot.taken_at_ms}
    return await insert_unique(db[WEBHOOK_SLOTS], doc)


async def delete_endpoint_slots(db: Database, client_id: str, endpoint_id: str) -> None:
    with store_errors():
        await db[WEBHOOK_SLOTS].delete_many({"client": client_id, "endpoint": endpoint_id})


async def endpoint_slots(db: Database, client_id: str) -> list[EndpointSlot]:
    """The subscription's taken slots (at most its cap)."""
    with store_errors():
        return [_slot_of(doc) async for doc in db[WEBHOOK_SLOTS].find({"client": client_id})]


async def free_slot(db: Database, slot: EndpointSlot) -> None:
    """Free the slot if `slot.endpoint` still holds it."""
    with store_errors():
        await db[WEBHOOK_SLOTS].delete_one({"_id": slot.id, "endpoint": slot.endpoint})


def _slot_of(doc: Doc) -> EndpointSlot:
    number = int(str(doc["_id"]).rsplit(":", 1)[1])
    return EndpointSlot(doc["client"], number, doc["endpoint"], doc["takenAt"])
