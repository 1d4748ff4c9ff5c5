"""create_app(settings): the gateway's one route table, its middleware and its resources."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

from aiohttp import web

from gateway import bulk, download, generate, health, openapi, qr_records, redirect, workspace
from gateway.admission import BODY_BUDGET, BodyBudget
from gateway.assets import ROUTES as ASSET_ROUTES
from gateway.bodydeadline import body_deadline
from gateway.dashboardpage import STATIC_DIR
from gateway.heap import HeapTrimmer
from gateway.invalidation import invalidation_ctx
from gateway.linkcache import LinkCache
from gateway.links_api import routes as links_routes
from gateway.metrics import GatewayMetrics
from gateway.middleware import handle_errors
from gateway.overlaycache import overlays_ctx
from gateway.resources import (
    METRICS,
    PARSE_TURNS,
    SETTINGS,
    amqp_ctx,
    mongo_ctx,
    render_pool_ctx,
    s3_ctx,
)
from gateway.scans import scans_ctx
from gateway.webhooks import ROUTES as WEBHOOK_ROUTES
from shared import formatplugins
from shared.settings import Settings


def create_app(settings: Settings) -> web.Application:
    formatplugins.load(settings.format_modules)  # styling checks and ZIPs read the formats
    app = web.Application(middlewares=[handle_errors, body_deadline],
                          client_max_size=settings.max_body_bytes + 1)
    app[SETTINGS] = settings
    app[METRICS] = GatewayMetrics()
    app[redirect.LINK_CACHE] = LinkCache(max_bytes=settings.link_cache_max_bytes)
    app[redirect.GUESSES] = {}
    app[BODY_BUDGET] = BodyBudget(settings.body_budget_bytes, HeapTrimmer())
    app[PARSE_TURNS] = asyncio.Lock()
    app.cleanup_ctx.extend([mongo_ctx, overlays_ctx, amqp_ctx, s3_ctx, scans_ctx, invalidation_ctx,
                            render_pool_ctx])
    app.router.add_routes([
        web.post("/api/qr/bulk-generate", bulk.submit),
        web.get("/api/qr/bulk-generate", bulk.list_bulks),
        web.get("/api/qr/bulk-generate/", bulk.missing_id),
        web.get("/api/qr/bulk-generate/{bulk_id}", bulk.status),
        web.get("/api/qr/bulk-generate/{bulk_id}/result", download.download),
        web.post("/api/qr/workspace-bulk-generate", workspace.submit_csv),
        web.get("/dashboard", workspace.dashboard),
        web.static("/dashboard/assets", STATIC_DIR),
        web.post("/api/qr/generate", generate.generate),
        *links_routes(),
        web.get("/api/qr/{qr_id}", qr_records.get_record),
        web.patch("/api/qr/{qr_id}", qr_records.patch_record),
        web.get("/r/{code}", redirect.redirect),
        web.post("/r/{code}", redirect.unlock),
        web.get("/healthz", health.healthz),
        web.get("/readyz", health.readyz),
        web.get("/metrics", health.metrics),
        web.get("/openapi.json", openapi.serve),
        *WEBHOOK_ROUTES,
        *ASSET_ROUTES,
    ])
    return app


async def startup_objects_frozen(app: web.Application) -> AsyncIterator[None]:
    """While serving, what starting made (the drivers' and libraries' ~100,000 objects)
    sits in the collector's permanent generation: a full collection walked it for 60-80 ms
    on our machines, a stall every few seconds under load that every request waited out.
    Unfrozen at shutdown, so that exit frees it as usual (native bindings report the
    objects still alive at exit as leaks, on the log that must stay JSON)."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


def run(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM (aiohttp handles both and runs the cleanup contexts)."""
    app = create_app(settings)
    app.cleanup_ctx.append(startup_objects_frozen)  # last: once everything has started
    web.run_app(app, host=settings.http_host, port=settings.http_port,
                access_log=None, print=None, shutdown_timeout=settings.drain_timeout_s,
                keepalive_timeout=settings.keepalive_timeout_s)
