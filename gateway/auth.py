"""Authenticate the caller of an /api/ route from its client-id and api-key headers."""

from __future__ import annotations

import structlog
from aiohttp import web

from gateway.resources import DB
from shared.subscriptiondoc import Subscription
from shared.subscriptions import authenticate


async def caller(request: web.Request) -> Subscription:
    """The caller's subscription, or Unauthorized / Forbidden."""
    sub = await authenticate(request.app[DB], request.headers.get("client-id"),
                             request.headers.get("api-key"))
    structlog.contextvars.bind_contextvars(client_id=sub.client_id)
    return sub
