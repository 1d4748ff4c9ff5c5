"""The webhook API (register, list, delete, delivery log, manual retry) and the download event."""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from gateway.auth import caller
from gateway.body import parse_json, read_capped, require_json_type
from gateway.query import limit_param
from gateway.resources import BROKER, DB, SETTINGS
from shared.errors import BadRequest, BulkQRError, NotFound
from shared.store.orders import find_order
from shared.webhooks import endpoints, log
from shared.webhooks.events import DOWNLOADED, WebhookMessage
from shared.webhooks.publish import publish_event, publish_message
from shared.webhooks.slots import take_retry_slot

logger = structlog.get_logger(__name__)
MAX_BODY_BYTES = 16 * 1024
DEFAULT_LIMIT, MAX_LIMIT = 50, 100


async def on_downloaded(app: web.Application, bulk_id: str) -> None:
    """Publish `bulk.downloaded` after a complete download. The body is already with the
    client, so a broker failure here is logged, not answered."""
    try:
        order = await find_order(app[DB], bulk_id)
        if order is not None and order.is_downloaded:
            await publish_event(app[BROKER].topology.work, app[SETTINGS], DOWNLOADED, order)
    except BulkQRError as exc:
        logger.error("bulk.downloaded event not published", error=repr(exc))


async def create(request: web.Request) -> web.Response:
    sub = await caller(request)
    body = await _json_object(request)
    created = await endpoints.create_endpoint(request.app[DB], request.app[SETTINGS],
                                              sub.client_id, body.get("url"),
                                              body.get("events"))
    return web.json_response(created, status=201)


async def list_all(request: web.Request) -> web.Response:
    sub = await caller(request)
    found = await endpoints.list_endpoints(request.app[DB], sub.client_id)
    return web.json_response({"items": [endpoints.public_view(e) for e in found]})


async def delete(request: web.Request) -> web.Response:
    sub = await caller(request)
    await endpoints.delete_endpoint(request.app[DB], sub.client_id,
                                    request.match_info["webhook_id"])
    return web.Response(status=204)


async def deliveries(request: web.Request) -> web.Response:
    sub = await caller(request)
    endpoint = await endpoints.get_endpoint(request.app[DB], sub.client_id,
                                            request.match_info["webhook_id"])
    limit = limit_param(request.query.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)
    items = await log.list_attempts(request.app[DB], endpoint.id, limit)
    return web.json_response({"items": items})


async def retry(request: web.Request) -> web.Response:
    """Send a logged delivery again now, with its own webhook-id; one attempt, no backoff,
    at most webhook_manual_retries_per_hour times an hour per endpoint (then 429)."""
    sub = await caller(request)
    db = request.app[DB]
    endpoint = await endpoints.get_endpoint(db, sub.client_id, request.match_info["webhook_id"])
    message = await log.find_message(db, endpoint.id, request.match_info["delivery_id"])
    if message is None:
        raise NotFound("no delivery with that id for this webhook")
    settings = request.app[SETTINGS]
    await take_retry_slot(db, endpoint.id, settings.webhook_manual_retries_per_hour)
    delivery = WebhookMessage(kind="delivery", client=sub.client_id, type=message.type,
                              key=message.key, payload=message.payload,
                              endpoint=endpoint.id, webhook_id=message.id, manual=True)
    await publish_message(request.app[BROKER].topology.work, settings, delivery)
    return web.json_response({"deliveryId": message.id, "queued": True}, status=202)


async def _json_object(request: web.Request) -> dict[str, Any]:
    """The body as every JSON route reads it (gateway/body.py): 415 for another Content-Type,
    413 past MAX_BODY_BYTES, 400 for text that is not strict JSON (a repeated key too)."""
    require_json_type(request)
    body = parse_json(await read_capped(request, MAX_BODY_BYTES))
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object {"url": …, "events": […]}')
    return body


ROUTES = [
    web.post("/api/webhooks", create),
    web.get("/api/webhooks", list_all),
    web.delete("/api/webhooks/{webhook_id}", delete),
    web.get("/api/webhooks/{webhook_id}/deliveries", deliveries),
    web.post("/api/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", retry),
]
