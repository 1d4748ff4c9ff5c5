"""Webhook events and the two messages that carry them through RabbitMQ.

An `event` message says that something happened to a subscription's batch; the worker fans
it out into one `delivery` message per endpoint that listens to it. A delivery's
`webhookId` is derived from (endpoint, event), so its retries and any duplicate of the
event carry the same `webhook-id` header.
"""

from __future__ import annotations

import hashlib
import time
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict

from shared.orderdoc import Order
from shared.orders import status_document

COMPLETED = "bulk.completed"
DOWNLOADED = "bulk.downloaded"
EVENTS = (COMPLETED, DOWNLOADED)


class WebhookMessage(BaseModel):
    """One message on the webhooks queue; `kind` says which fields are set."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["event", "delivery"]
    client: str
    type: str
    key: str  # what the event is about, e.g. "bulk.completed:bulk_…"
    payload: str  # the JSON body sent to the endpoint
    endpoint: str = ""
    webhook_id: str = ""
    attempt: int = 0
    manual: bool = False

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump())

    @classmethod
    def from_bytes(cls, body: bytes) -> WebhookMessage:
        return cls.model_validate_json(body)


def event_message(event: str, order: Order) -> WebhookMessage:
    """The event message for an order that just reached a status."""
    data = status_document(order)
    payload = {"type": event, "timestamp": _iso(order.updated_at_ms), "data": data}
    return WebhookMessage(kind="event", client=order.subscription, type=event,
                          key=f"{event}:{data['bulkId']}",
                          payload=orjson.dumps(payload).decode())


def webhook_id(endpoint_id: str, key: str) -> str:
    """The stable `webhook-id` of one event at one endpoint."""
    return "msg_" + hashlib.sha256(f"{endpoint_id}|{key}".encode()).hexdigest()[:32]


def delivery_for(event: WebhookMessage, endpoint_id: str) -> WebhookMessage:
    return event.model_copy(update={"kind": "delivery", "endpoint": endpoint_id,
                                    "webhook_id": webhook_id(endpoint_id, event.key)})


def _iso(epoch_ms: int) -> str:
    seconds, millis = divmod(epoch_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"
