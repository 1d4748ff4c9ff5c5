"""Publish webhook messages (confirmed): an event now, or a delivery into a delay queue."""

from __future__ import annotations

from aio_pika.abc import AbstractExchange

from shared.amqp import publish
from shared.orderdoc import Order
from shared.settings import Settings
from shared.webhooks.events import WebhookMessage, event_message
from shared.webhooks.queues import WEBHOOK_KEY, delay_key


async def publish_message(work: AbstractExchange, settings: Settings, message: WebhookMessage,
                          delay_s: float | None = None) -> None:
    key = WEBHOOK_KEY if delay_s is None else delay_key(delay_s)
    await publish(work, key, message.to_bytes(), timeout_s=settings.publish_timeout_s,
                  message_id=message.webhook_id or message.key)


async def publish_event(work: AbstractExchange, settings: Settings, event: str,
                        order: Order) -> None:
    """Announce that `order` reached the status `event` names; the worker fans it out."""
    await publish_message(work, settings, event_message(event, order))
