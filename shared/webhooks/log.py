"""The delivery log of one endpoint: a record per message and one per attempt to send it."""

from __future__ import annotations

import secrets
from typing import Any

import shared.store.webhooks as repo
from shared.store.client import Database
from shared.store.webhooks import Attempt, LoggedMessage
from shared.webhooks.endpoints import now_ms
from shared.webhooks.events import WebhookMessage
from shared.webhooks.sender import Outcome

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


async def remember(db: Database, delivery: WebhookMessage) -> bool:
    """Keep the message (for manual retries); False if it was already delivered, so a
    duplicate event is not sent again."""
    message = LoggedMessage(id=delivery.webhook_id, endpoint=delivery.endpoint,
                            type=delivery.type, key=delivery.key, payload=delivery.payload,
                            state=PENDING, created_at_ms=now_ms())
    if await repo.insert_message(db, message):
        return True
    held = await repo.find_message(db, delivery.endpoint, delivery.webhook_id)
    return held is None or held.state != DELIVERED


async def find_message(db: Database, endpoint_id: str, webhook_id: str) -> LoggedMessage | None:
    return await repo.find_message(db, endpoint_id, webhook_id)


async def set_state(db: Database, delivery: WebhookMessage, state: str) -> None:
    await repo.set_message_state(db, delivery.endpoint, delivery.webhook_id, state, now_ms())


async def record_attempt(db: Database, delivery: WebhookMessage, outcome: Outcome,
                         note: str | None = None) -> None:
    await repo.insert_attempt(db, Attempt(
        id="att_" + secrets.token_hex(10), endpoint=delivery.endpoint,
        delivery_id=delivery.webhook_id, type=delivery.type, attempt=delivery.attempt,
        manual=delivery.manual, at_ms=now_ms(), ok=outcome.ok, status=outcome.status,
        error=outcome.error, latency_ms=outcome.latency_ms, answer=outcome.answer, note=note))


async def list_attempts(db: Database, endpoint_id: str, limit: int) -> list[dict[str, Any]]:
    """The endpoint's attempts, newest first, as the API shows them."""
    return [attempt_view(a) for a in await repo.list_attempts(db, endpoint_id, limit)]


def attempt_view(attempt: Attempt) -> dict[str, Any]:
    return {"id": attempt.id, "deliveryId": attempt.delivery_id, "event": attempt.type,
            "attempt": attempt.attempt, "manual": attempt.manual, "at": attempt.at_ms,
            "ok": attempt.ok, "status": attempt.status, "error": attempt.error,
            "latencyMs": attempt.latency_ms, "answer": attempt.answer, "note": attempt.note}
