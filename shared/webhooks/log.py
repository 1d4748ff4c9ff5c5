"""The delivery log of one endpoint: a document per message and one per attempt to send it."""

from __future__ import annotations

import secrets
from typing import Any

from shared.store import Database, Doc, insert_unique
from shared.webhooks.endpoints import log_collection, now_ms
from shared.webhooks.events import WebhookMessage
from shared.webhooks.sender import Outcome

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


async def remember(db: Database, delivery: WebhookMessage) -> bool:
    """Keep the message (for manual retries); False if it was already delivered, so a
    duplicate event is not sent again."""
    doc = {"_id": delivery.webhook_id, "kind": "message", "type": delivery.type,
           "key": delivery.key, "payload": delivery.payload, "state": PENDING,
           "createdAt": now_ms()}
    log = db[log_collection(delivery.endpoint)]
    if await insert_unique(log, doc):
        return True
    held = await log.find_one({"_id": delivery.webhook_id})
    return held is None or held.get("state") != DELIVERED


async def find_message(db: Database, endpoint_id: str, webhook_id: str) -> Doc | None:
    return await db[log_collection(endpoint_id)].find_one({"_id": webhook_id,
                                                           "kind": "message"})


async def set_state(db: Database, delivery: WebhookMessage, state: str) -> None:
    await db[log_collection(delivery.endpoint)].update_one(
        {"_id": delivery.webhook_id}, {"$set": {"state": state, "updatedAt": now_ms()}})


async def record_attempt(db: Database, delivery: WebhookMessage, outcome: Outcome,
                         note: str | None = None) -> None:
    doc = {"_id": "att_" + secrets.token_hex(10), "kind": "attempt",
           "deliveryId": delivery.webhook_id, "type": delivery.type,
           "attempt": delivery.attempt, "manual": delivery.manual, "at": now_ms(),
           "ok": outcome.ok, "status": outcome.status, "error": outcome.error,
           "latencyMs": outcome.latency_ms, "answer": outcome.answer, "note": note}
    await db[log_collection(delivery.endpoint)].insert_one(doc)


async def list_attempts(db: Database, endpoint_id: str, limit: int) -> list[dict[str, Any]]:
    """The endpoint's attempts, newest first."""
    found = db[log_collection(endpoint_id)].find({"kind": "attempt"}).sort(
        [("at", -1), ("_id", -1)]).limit(limit)
    return [attempt_view(d) async for d in found]


def attempt_view(doc: Doc) -> dict[str, Any]:
    return {"id": doc["_id"], "deliveryId": doc["deliveryId"], "event": doc["type"],
            "attempt": doc["attempt"], "manual": doc["manual"], "at": doc["at"],
            "ok": doc["ok"], "status": doc["status"], "error": doc["error"],
            "latencyMs": doc["latencyMs"], "answer": doc["answer"], "note": doc.get("note")}
