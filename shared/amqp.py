"""RabbitMQ: the connection, the whole topology declared in one place, confirmed publishing,
and the table that turns aio-pika's and aiormq's exceptions into the project's."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractQueue,
    AbstractRobustConnection,
)
from aiormq.exceptions import AMQPError, ChannelInvalidStateError

from shared.errors import BrokerUnavailable, BulkQRError, PublishFailed, map_exceptions
from shared.settings import Settings
from shared.webhooks.queues import declare_webhook_queues

CHUNK_KEY = "chunk"
SCAN_KEY = "scan"


@dataclass(frozen=True)
class Names:
    """Exchange and queue names, all under one prefix so test runs can be isolated."""

    prefix: str

    @property
    def work_exchange(self) -> str:
        return f"{self.prefix}.work"

    @property
    def dead_exchange(self) -> str:
        return f"{self.prefix}.dead"

    @property
    def links_exchange(self) -> str:
        return f"{self.prefix}.links"

    @property
    def chunks(self) -> str:
        return f"{self.prefix}.chunks"

    @property
    def dead_chunks(self) -> str:
        return f"{self.prefix}.chunks.dead"

    @property
    def scans(self) -> str:
        return f"{self.prefix}.scans"


@dataclass(frozen=True)
class Topology:
    names: Names
    work: AbstractExchange
    links: AbstractExchange
    chunks: AbstractQueue
    dead_chunks: AbstractQueue
    scans: AbstractQueue
    webhooks: AbstractQueue


def broker_error(exc: BaseException) -> BulkQRError | None:
    """The project's name for an aio-pika or aiormq exception (every one of them means the
    broker or the channel to it failed), or None for anything else."""
    if isinstance(exc, AMQPError | ChannelInvalidStateError):
        return BrokerUnavailable(f"RabbitMQ: {exc!r}")
    return None


def _connect_error(exc: BaseException) -> BulkQRError | None:
    """While connecting, a refused socket or a timeout is the broker being away too."""
    if isinstance(exc, OSError | TimeoutError):
        return BrokerUnavailable(f"RabbitMQ: {exc!r}")
    return broker_error(exc)


def broker_errors() -> contextlib.AbstractContextManager[None]:
    """Translate the AMQP client's exceptions raised inside the block into the project's tree."""
    return map_exceptions(broker_error)


async def connect(settings: Settings) -> AbstractRobustConnection:
    """A connection that reconnects by itself and restores channels, queues and consumers."""
    with map_exceptions(_connect_error):
        return await aio_pika.connect_robust(
            settings.amqp_url.get_secret_value(), heartbeat=30, timeout=10,
            client_properties={"connection_name": "bulkqr"},
        )


async def open_channel(connection: AbstractRobustConnection) -> AbstractChannel:
    """A channel with publisher confirms on and unroutable mandatory messages raised."""
    return await connection.channel(publisher_confirms=True, on_return_raises=True)


async def declare_topology(channel: AbstractChannel, settings: Settings) -> Topology:
    """Declare every exchange and queue bulkqr uses (idempotent)."""
    names = Names(settings.queue_prefix)
    work = await channel.declare_exchange(names.work_exchange, aio_pika.ExchangeType.DIRECT,
                                          durable=True)
    dead = await channel.declare_exchange(names.dead_exchange, aio_pika.ExchangeType.FANOUT,
                                          durable=True)
    links = await channel.declare_exchange(names.links_exchange, aio_pika.ExchangeType.FANOUT,
                                           durable=True)
    chunks = await channel.declare_queue(names.chunks, durable=True, arguments={
        "x-queue-type": "quorum",
        # After this many deliveries a chunk goes to the dead-letter queue, whose
        # consumer fails its rows with 500 so the batch still completes.
        "x-delivery-limit": settings.delivery_limit,
        "x-dead-letter-exchange": names.dead_exchange,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    })
    await chunks.bind(work, CHUNK_KEY)
    dead_chunks = await channel.declare_queue(names.dead_chunks, durable=True,
                                              arguments={"x-queue-type": "quorum"})
    await dead_chunks.bind(dead)
    scans = await channel.declare_queue(names.scans, durable=True, arguments={
        "x-queue-type": "quorum",
        "x-single-active-consumer": True,  # one writer per counter: no lost increments
    })
    await scans.bind(work, SCAN_KEY)
    webhooks = await declare_webhook_queues(channel, names.prefix, work,
                                            settings.webhook_retry_delays_s)
    return Topology(names, work, links, chunks, dead_chunks, scans, webhooks)


async def publish(exchange: AbstractExchange, routing_key: str, body: bytes,
                  *, timeout_s: float, message_id: str | None = None) -> None:
    """Publish a persistent, mandatory message and wait for the broker's confirm."""
    message = aio_pika.Message(
        body, content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=message_id,
    )
    try:
        await exchange.publish(message, routing_key, mandatory=True, timeout=timeout_s)
    except (TimeoutError, AMQPError, ConnectionError, RuntimeError) as exc:
        raise PublishFailed(f"broker did not confirm {routing_key!r}: {exc!r}") from exc
