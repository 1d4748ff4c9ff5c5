"""The gateway's typed app keys and one cleanup context per backing server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aio_pika.abc import AbstractChannel, AbstractRobustConnection
from aiohttp import web

from gateway.metrics import GatewayMetrics
from shared import amqp
from shared.pooledrender import warm_up
from shared.renderpool import RenderPool
from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store import Client, Database, ensure_layout, open_client


@dataclass(frozen=True)
class Broker:
    connection: AbstractRobustConnection
    channel: AbstractChannel
    topology: amqp.Topology


SETTINGS = web.AppKey("settings", Settings)
MONGO = web.AppKey("mongo", Client)
DB = web.AppKey("db", Database)
BROKER = web.AppKey("broker", Broker)
STORE = web.AppKey("store", ObjectStore)
METRICS = web.AppKey("metrics", GatewayMetrics)
PARSE_TURNS = web.AppKey("parse_turns", asyncio.Lock)  # see gateway/rowsplit.py
RENDER_POOL = web.AppKey("render_pool", RenderPool)
# Renders waiting for a busy pool, per process, before the next one is answered 503: a
# few seconds of queue at most (a branded 4096 px PNG takes ~1.3 s), never an unbounded one.
WAITING_RENDERS_PER_PROCESS = 4


async def mongo_ctx(app: web.Application) -> AsyncIterator[None]:
    client = open_client(app[SETTINGS])
    app[MONGO] = client
    app[DB] = client[app[SETTINGS].mongo_db]
    await ensure_layout(app[DB], app[SETTINGS])
    yield
    await client.close()


async def amqp_ctx(app: web.Application) -> AsyncIterator[None]:
    connection = await amqp.connect(app[SETTINGS])
    with amqp.broker_errors():
        channel = await amqp.open_channel(connection)
        topology = await amqp.declare_topology(channel, app[SETTINGS])
    app[BROKER] = Broker(connection, channel, topology)
    yield
    await connection.close()


async def s3_ctx(app: web.Application) -> AsyncIterator[None]:
    async with ObjectStore(app[SETTINGS]) as store:
        await store.ensure_bucket()
        app[STORE] = store
        yield


async def render_pool_ctx(app: web.Application) -> AsyncIterator[None]:
    """The processes that decode uploads and draw single rows, off the event loop."""
    settings = app[SETTINGS]
    pool = RenderPool(settings.render_pool_processes, settings.render_timeout_s,
                      max_waiting=WAITING_RENDERS_PER_PROCESS * settings.render_pool_processes,
                      warm_up=warm_up, log_level=settings.log_level, log_json=settings.log_json)
    app[RENDER_POOL] = pool
    yield
    await pool.close()
