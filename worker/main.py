"""run(settings): connect, declare the topology, consume with manual acks, drain on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
from contextlib import AsyncExitStack

import structlog
from prometheus_client import start_http_server

from shared import amqp, formatplugins
from shared.pooledrender import PooledRenderer, warm_up
from shared.renderpool import RenderPool
from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store.client import open_client
from shared.store.layout import ensure_layout
from shared.store.sweep import expiring, sweep_forever
from worker.consume import Tracking
from worker.deps import Deps
from worker.inflight import InFlight
from worker.metrics import WorkerMetrics
from worker.pending import refresh_pending
from worker.queues import consume_all

log = structlog.get_logger(__name__)


async def run(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Consume until `stop` is set or SIGTERM/SIGINT arrives, then drain and exit."""
    stop = stop or _stop_on_signals()
    formatplugins.load(settings.format_modules)  # before the render pool starts
    metrics = WorkerMetrics()
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port, addr=settings.http_host,
                          registry=metrics.registry)
    async with AsyncExitStack() as stack:
        mongo = open_client(settings)
        stack.push_async_callback(mongo.close)
        db = mongo[settings.mongo_db]
        await ensure_layout(db, settings)
        store = await stack.enter_async_context(ObjectStore(settings))
        await store.ensure_bucket()
        # Closed after the drain: a timed-out drain abandons what is drawing (its message
        # goes back to the queue).
        pool = RenderPool(settings.render_processes or os.cpu_count() or 1,
                          settings.render_timeout_s, warm_up=warm_up,
                          log_level=settings.log_level, log_json=settings.log_json)
        stack.push_async_callback(pool.close)
        connection = await amqp.connect(settings)
        stack.push_async_callback(connection.close)
        channel = await amqp.open_channel(connection)
        await channel.set_qos(prefetch_count=settings.prefetch_chunks)
        topology = await amqp.declare_topology(channel, settings)
        deps = Deps(settings, db, store, topology, PooledRenderer(pool), pool, metrics)
        in_flight = InFlight()
        consuming = await consume_all(deps, Tracking(metrics, in_flight))
        gauge = asyncio.create_task(refresh_pending(deps))  # also counts the consumers
        stack.callback(gauge.cancel)
        swept = expiring(settings)
        metrics.start_counting_expired({target.family for target in swept})
        sweeper = asyncio.create_task(sweep_forever(
            db, swept, metrics.count_expired, settings.store_sweep_period_s))
        stack.callback(sweeper.cancel)
        log.info("worker consuming", queue=topology.names.chunks,
                 prefetch=settings.prefetch_chunks, render_processes=pool.processes)
        await stop.wait()
        log.info("worker draining", timeout_s=settings.drain_timeout_s)
        for queue in consuming:
            await queue.cancel()
        if not await in_flight.wait_idle(settings.drain_timeout_s):
            log.warning("drain timed out; unacked messages return to the queue",
                        in_flight=in_flight.count)
    log.info("worker stopped")


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def main(settings: Settings) -> None:
    asyncio.run(run(settings))
