"""GET /r/{code}: answer a short link from a per-process cache, falling back to its shard."""

from __future__ import annotations

import time

from aiohttp import web

from gateway.linkcache import LinkCache
from gateway.resources import DB, METRICS
from shared.links import find_link
from shared.mongo import Doc

LINK_CACHE = web.AppKey("link_cache", LinkCache)


async def resolve(request: web.Request, code: str) -> Doc | None:
    """The link that decides where `code` goes (a source link resolves to its parent)."""
    cache = request.app[LINK_CACHE]
    hit, doc = cache.get(code)
    if not hit:
        doc = await find_link(request.app[DB], code)
        if doc is not None and doc.get("parent"):
            parent = await find_link(request.app[DB], doc["parent"])
            doc = None if parent is None else {**parent, "scanCode": code}
        cache.put(code, doc)
    return doc


async def redirect(request: web.Request) -> web.StreamResponse:
    code = request.match_info["code"]
    link = await resolve(request, code)
    metrics = request.app[METRICS]
    if link is None:
        metrics.redirects.labels("not_found").inc()
        return _page(404, "This QR code is not known.")
    expiry_ms = link.get("expiryMs")
    if expiry_ms is not None and expiry_ms <= time.time() * 1000:
        metrics.redirects.labels("expired").inc()
        return _page(410, "This QR code has expired.")
    metrics.redirects.labels("redirected").inc()
    raise web.HTTPFound(link["destination"])


def _page(status: int, message: str) -> web.Response:
    body = (f"<!doctype html><html lang=en><meta charset=utf-8><title>bulkqr</title>"
            f"<meta name=viewport content='width=device-width'><p>{message}</p></html>")
    return web.Response(status=status, text=body, content_type="text/html")
