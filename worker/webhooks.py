"""The worker's webhook side: the webhooks queue's handler, and announcing completed batches."""

from __future__ import annotations

import structlog

from shared.orderdoc import Order
from shared.store.orders import find_order
from shared.webhooks.deliver import handle_message
from shared.webhooks.events import COMPLETED, WebhookMessage
from shared.webhooks.publish import publish_event
from worker.consume import Handler, Parser
from worker.delivery import Delivery
from worker.deps import Deps


def _describe(message: WebhookMessage) -> dict[str, object]:
    return {"webhook_kind": message.kind, "event_key": message.key,
            "webhook_id": message.webhook_id or None, "attempt": message.attempt}


WEBHOOK_PARSER = Parser("a webhook message", WebhookMessage.from_bytes, _describe)


async def on_completed(deps: Deps, bulk_id: str, completed: Order | None) -> None:
    """Publish `bulk.completed` (confirmed) once the order reads completed. Also called by
    a redelivered assembly that found the order already completed, so a worker that died
    between the status change and this publish still gets the event out."""
    order = completed or await find_order(deps.db, bulk_id)
    if order is not None and order.is_completed:
        await publish_event(deps.topology.work, deps.settings, COMPLETED, order)


def webhook_handler(deps: Deps) -> Handler[WebhookMessage]:
    """Fan an event out, or send one delivery; the wrapper acks only after the attempt is
    recorded and any retry or fan-out is confirmed."""

    async def handle(message: WebhookMessage, delivery: Delivery) -> None:
        result = await handle_message(deps.db, deps.settings, deps.topology.work, message)
        # Bound, so it lands on the message's one canonical "message handled" line.
        structlog.contextvars.bind_contextvars(result=result)

    return handle
