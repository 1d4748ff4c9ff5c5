"""Handle one webhook message: fan an event out to its endpoints, or send one delivery,
record the attempt, and schedule the retry (or disable the endpoint) when it failed."""

from __future__ import annotations

from aio_pika.abc import AbstractExchange

from shared.settings import Settings
from shared.store.client import Database
from shared.store.webhooks import Endpoint, find_endpoint
from shared.webhooks import log
from shared.webhooks.endpoints import (
    endpoint_secret,
    list_endpoints,
    record_failure,
    record_success,
)
from shared.webhooks.events import WebhookMessage, delivery_for
from shared.webhooks.publish import publish_message
from shared.webhooks.queues import retry_delay_s
from shared.webhooks.sender import Outcome, send
from shared.webhooks.signing import signed_headers


async def handle_message(db: Database, settings: Settings, work: AbstractExchange,
                         message: WebhookMessage) -> str:
    """What became of the message, in a word for the log line."""
    if message.kind == "event":
        return await fan_out(db, settings, work, message)
    return await deliver(db, settings, work, message)


async def fan_out(db: Database, settings: Settings, work: AbstractExchange,
                  event: WebhookMessage) -> str:
    """One confirmed delivery message per enabled endpoint that listens to the event."""
    count = 0
    for endpoint in await list_endpoints(db, event.client):
        if event.type in endpoint.events and not endpoint.disabled:
            await publish_message(work, settings, delivery_for(event, endpoint.id))
            count += 1
    return f"fanned out to {count}"


async def deliver(db: Database, settings: Settings, work: AbstractExchange,
                  delivery: WebhookMessage) -> str:
    endpoint = await find_endpoint(db, delivery.client, delivery.endpoint)
    if endpoint is None:
        return "endpoint deleted"
    if not delivery.manual and not await log.remember(db, delivery):
        return "already delivered"
    if endpoint.disabled and not delivery.manual:
        await log.record_attempt(db, delivery, Outcome(False, None, "endpoint disabled", 0.0),
                                 note="not sent: the endpoint is disabled")
        await log.set_state(db, delivery, log.FAILED)
        return "endpoint disabled"
    headers = signed_headers(endpoint_secret(settings, endpoint), delivery.webhook_id,
                             delivery.payload)
    outcome = await send(endpoint.url, headers, delivery.payload.encode(),
                         allow_private=settings.webhook_allow_private)
    if outcome.ok:
        # The endpoint is marked healthy before the attempt is logged, so whoever sees
        # the successful attempt also sees the endpoint enabled again.
        await record_success(db, endpoint)
        await log.record_attempt(db, delivery, outcome)
        await log.set_state(db, delivery, log.DELIVERED)
        return "delivered"
    return await _failed(db, settings, work, delivery, endpoint, outcome)


async def _failed(db: Database, settings: Settings, work: AbstractExchange,
                  delivery: WebhookMessage, endpoint: Endpoint, outcome: Outcome) -> str:
    """Record the failed attempt, then publish its retry into the next delay queue."""
    disabled = await record_failure(db, settings, endpoint, outcome.error or "failed")
    delay_s = retry_delay_s(settings.webhook_retry_delays_s, delivery.attempt)
    if delivery.manual:
        note, delay_s = "manual retry: not rescheduled", None
    elif disabled:
        note, delay_s = "the endpoint is now disabled: no more retries", None
    elif delay_s is None:
        note = f"gave up after {delivery.attempt + 1} attempts"
    else:
        note = f"retry in {delay_s:g} s"
    await log.record_attempt(db, delivery, outcome, note=note)
    if delay_s is None:
        await log.set_state(db, delivery, log.FAILED)
        return note
    await publish_message(work, settings, delivery.model_copy(
        update={"attempt": delivery.attempt + 1}), delay_s=delay_s)
    return note
