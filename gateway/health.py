"""Liveness, readiness (naming the backing server that fails) and Prometheus metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from gateway.resources import BROKER, DB, METRICS, STORE

CHECK_TIMEOUT_S = 2.0


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    app = request.app
    checks = {
        "mongodb": app[DB].command("ping"),
        "rabbitmq": _check_broker(app),
        "s3": app[STORE].ping(),
    }
    results = await asyncio.gather(*(_ok(check) for check in checks.values()))
    failed = [name for name, ok in zip(checks, results, strict=True) if not ok]
    if failed:
        return web.json_response({"status": "unavailable", "failed": failed}, status=503)
    return web.json_response({"status": "ready"})


async def _check_broker(app: web.Application) -> None:
    broker = app[BROKER]
    if broker.connection.is_closed or broker.channel.is_closed:
        raise ConnectionError("broker connection is closed")
    # A passive declare is a round trip that fails when the broker is gone.
    await broker.channel.declare_queue(broker.topology.names.chunks, passive=True)


async def _ok(check: Awaitable[object]) -> bool:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
    return True


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
