"""Every queue the worker consumes goes through worker/consume.py, on the real RabbitMQ and
the real topology (a private prefix): what a handler finished is acked, a failing server is
retried in place, other failures are requeued until the delivery limit dead-letters them,
a body that is not a message is rejected, scan batches take turns in order on their single
active consumer, and each queue is counted under its own label."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aio_pika
import pytest
import structlog
from aio_pika.abc import AbstractRobustConnection

from shared import amqp
from shared.amqp import Topology
from shared.analytics.tally import TallyBatch
from shared.errors import StoreUnavailable
from shared.schemas import WorkMessage
from shared.settings import Settings
from shared.webhooks.events import WebhookMessage
from shared.webhooks.queues import WEBHOOK_KEY, webhooks_queue
from tests.processes import delete_topology
from worker.consume import Consuming, Tracking, consume
from worker.delivery import Delivery
from worker.inflight import InFlight
from worker.metrics import WorkerMetrics
from worker.queues import WORK, policies
from worker.scans import SCAN_PARSER
from worker.webhooks import WEBHOOK_PARSER

RETRY_S = 2.0  # a short in-place budget (a scan batch's pause is 1 s)


@dataclass
class Script:
    """A handler that raises `failures` one call at a time, then succeeds, recording each
    call with its delivery, the log context bound for it and the in-flight count."""

    failures: list[BaseException] = field(default_factory=list)
    hold_s: float = 0.0
    tracking: Tracking | None = None
    calls: list[tuple[object, Delivery]] = field(default_factory=list)
    contexts: list[dict[str, object]] = field(default_factory=list)
    in_flight: list[int] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    async def __call__(self, message: object, delivery: Delivery) -> None:
        self.calls.append((message, delivery))
        self.contexts.append(structlog.contextvars.get_contextvars())
        if self.tracking is not None:
            self.in_flight.append(self.tracking.in_flight.count)
        self.events.append(f"start {len(self.calls)}")
        await asyncio.sleep(self.hold_s)
        self.events.append(f"end {len(self.calls)}")
        if self.failures:
            raise self.failures.pop(0)


@dataclass
class Broker:
    """A private topology, one consuming connection, and the metrics it counts into."""

    settings: Settings
    connection: AbstractRobustConnection
    topology: Topology
    tracking: Tracking

    async def publish(self, key: str, body: bytes) -> None:
        await amqp.publish(self.topology.work, key, body, timeout_s=5)

    def count(self, queue: str, action: str) -> float:
        value = self.tracking.metrics.registry.get_sample_value(
            "bulkqr_messages_total", {"queue": queue, "action": action})
        return value or 0.0

    def sample(self, name: str) -> float:
        return self.tracking.metrics.registry.get_sample_value(name) or 0.0

    async def ready(self, queue: str) -> int:
        """Messages ready in `queue`, once the consuming connection is closed (so an unacked
        message would be counted again)."""
        await self.connection.close()
        connection = await aio_pika.connect(self.settings.amqp_url.get_secret_value())
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            return declared.declaration_result.message_count or 0


async def open_topology(settings: Settings) -> tuple[AbstractRobustConnection, Topology]:
    connection = await amqp.connect(settings)
    channel = await amqp.open_channel(connection)
    await channel.set_qos(prefetch_count=2)
    return connection, await amqp.declare_topology(channel, settings)


@pytest.fixture
async def broker(settings: Settings) -> AsyncIterator[Broker]:
    private = settings.model_copy(update={
        "queue_prefix": f"consume-{uuid.uuid4().hex[:8]}", "delivery_limit": 2})
    connection, topology = await open_topology(private)
    try:
        yield Broker(private, connection, topology, Tracking(WorkerMetrics(), InFlight()))
    finally:
        if not connection.is_closed:
            await connection.close()
        await delete_topology(private)


async def until(check: Callable[[], bool], what: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"waited {timeout_s} s for {what}"
        await asyncio.sleep(0.02)


def bound(context: dict[str, object], **expected: object) -> bool:
    """Whether the log context a handler ran with held every `expected` field."""
    return all(context.get(name) == value for name, value in expected.items())


def chunk(bulk_id: str = "bulk_consume") -> bytes:
    return WorkMessage(kind="chunk", bulk_id=bulk_id, chunk=1, chunks=3, rows=10).to_bytes()


def batch(seq: int, gateway: str = "0123abcd") -> bytes:
    return TallyBatch(gateway=gateway, seq=seq, links=[], cells=[]).model_dump_json().encode()


async def consume_chunks(broker: Broker, script: Script, retry_s: float = RETRY_S) -> Consuming:
    return await consume(broker.topology.chunks, WORK, script, policies(retry_s)["chunks"],
                         broker.tracking)


async def test_a_finished_chunk_is_acked_and_counted(broker: Broker) -> None:
    script = Script(tracking=broker.tracking)
    await consume_chunks(broker, script)
    await broker.publish(amqp.CHUNK_KEY, chunk("bulk_acked"))
    await until(lambda: broker.count("chunks", "acked") == 1, "the ack")
    [(message, delivery)] = script.calls
    assert isinstance(message, WorkMessage) and message.bulk_id == "bulk_acked"
    assert not delivery.redelivered and not delivery.may_have_run
    assert script.in_flight == [1]  # tracked while handled
    assert bound(script.contexts[0], queue="chunks", bulkId="bulk_acked", chunk=1, kind="chunk",
                 redelivered=False)
    assert broker.tracking.in_flight.count == 0
    assert broker.sample("bulkqr_chunks_in_flight") == 0
    assert broker.sample("bulkqr_chunk_duration_seconds_count") == 1
    assert broker.sample("bulkqr_redeliveries_total") == 0
    assert await broker.ready(broker.topology.names.chunks) == 0


async def test_a_failing_server_is_retried_in_place_with_the_same_delivery(
        broker: Broker) -> None:
    script = Script([StoreUnavailable("MongoDB: down"), ConnectionResetError("reset")])
    await consume_chunks(broker, script, retry_s=10.0)  # pauses of 0.5 s and 1 s fit
    await broker.publish(amqp.CHUNK_KEY, chunk())
    await until(lambda: broker.count("chunks", "acked") == 1, "the ack")
    deliveries = [delivery for _, delivery in script.calls]
    assert [d.attempt for d in deliveries] == [0, 1, 2]
    assert [d.may_have_run for d in deliveries] == [False, True, True]
    assert not any(d.redelivered for d in deliveries)  # never given back to the broker
    assert len({d.token for d in deliveries}) == 1
    assert broker.count("chunks", "requeued") == 0
    assert await broker.ready(broker.topology.names.chunks) == 0


async def test_past_its_budget_a_failing_server_gives_the_message_back(broker: Broker) -> None:
    script = Script([StoreUnavailable("MongoDB: down")])
    await consume_chunks(broker, script, retry_s=0.0)
    await broker.publish(amqp.CHUNK_KEY, chunk())
    await until(lambda: broker.count("chunks", "acked") == 1, "the redelivery's ack")
    assert [d.redelivered for _, d in script.calls] == [False, True]
    assert [d.may_have_run for _, d in script.calls] == [False, True]
    assert broker.count("chunks", "requeued") == 1
    assert broker.sample("bulkqr_redeliveries_total") == 1
    assert script.contexts[1]["redelivered"] is True


async def test_a_failing_chunk_is_dead_lettered_after_the_delivery_limit(
        broker: Broker) -> None:
    failing = Script([ValueError("a bug") for _ in range(10)])
    dead = Script()
    await consume_chunks(broker, failing)
    await consume(broker.topology.dead_chunks, WORK, dead, policies(RETRY_S)["dead"],
                  broker.tracking)
    await broker.publish(amqp.CHUNK_KEY, chunk("bulk_poisoned"))
    await until(lambda: broker.count("dead", "acked") == 1, "the dead letter")
    assert 2 <= len(failing.calls) <= 3  # delivery_limit=2, then to the dead-letter queue
    assert [d.attempt for _, d in failing.calls] == [0] * len(failing.calls)  # not in place
    assert broker.count("chunks", "requeued") == len(failing.calls)
    [(message, _)] = dead.calls
    assert isinstance(message, WorkMessage) and message.bulk_id == "bulk_poisoned"
    assert dead.contexts[0]["queue"] == "dead"
    assert broker.sample("bulkqr_chunk_duration_seconds_count") == len(failing.calls) + 1


async def test_a_body_that_is_no_work_message_is_rejected_unhandled(broker: Broker) -> None:
    script, dead = Script(), Script()
    await consume_chunks(broker, script)
    await consume(broker.topology.dead_chunks, WORK, dead, policies(RETRY_S)["dead"],
                  broker.tracking)
    await broker.publish(amqp.CHUNK_KEY, b'{"kind": "nonsense"}')
    await until(lambda: broker.count("dead", "rejected") == 1, "the dead letter's rejection")
    assert broker.count("chunks", "rejected") == 1  # to the dead-letter queue, not requeued
    assert script.calls == [] and dead.calls == []
    assert await broker.ready(broker.topology.names.dead_chunks) == 0


async def test_scan_batches_take_turns_in_order_and_any_failure_is_retried_in_place(
        broker: Broker) -> None:
    script = Script([ValueError("a bug")], hold_s=0.05)
    await consume(broker.topology.scans, SCAN_PARSER, script, policies(RETRY_S)["scans"],
                  broker.tracking)
    for seq in (1, 2, 3):
        await broker.publish(amqp.SCAN_KEY, batch(seq))
    await until(lambda: broker.count("scans", "acked") == 3, "three scan batches")
    seqs = [message.seq for message, _ in script.calls if isinstance(message, TallyBatch)]
    assert seqs == [1, 1, 2, 3]  # the failed batch again, in place, before the next
    assert script.events == [f"{edge} {n}" for n in range(1, 5) for edge in ("start", "end")]
    assert [d.attempt for _, d in script.calls] == [0, 1, 0, 0]
    assert not any(d.redelivered for _, d in script.calls)
    assert script.contexts[0]["batch"] == "0123abcd:1"
    assert broker.count("scans", "requeued") == 0
    assert broker.tracking.in_flight.count == 0
    assert broker.sample("bulkqr_chunk_duration_seconds_count") == 0  # scans are not chunks


async def test_the_scans_queue_has_one_active_consumer(broker: Broker) -> None:
    other_connection, other = await open_topology(broker.settings)
    try:
        first, second = Script(), Script()
        scans = policies(RETRY_S)["scans"]
        await consume(broker.topology.scans, SCAN_PARSER, first, scans, broker.tracking)
        await consume(other.scans, SCAN_PARSER, second, scans, broker.tracking)
        for seq in range(1, 6):
            await broker.publish(amqp.SCAN_KEY, batch(seq))
        await until(lambda: broker.count("scans", "acked") == 5, "five scan batches")
        assert sorted([len(first.calls), len(second.calls)]) == [0, 5]
    finally:
        await other_connection.close()


async def test_webhook_messages_are_acked_or_rejected_under_their_label(broker: Broker) -> None:
    script = Script()
    await consume(broker.topology.webhooks, WEBHOOK_PARSER, script,
                  policies(RETRY_S)["webhooks"], broker.tracking)
    message = WebhookMessage(kind="event", client="c1", type="bulk.completed",
                             key="bulk.completed:bulk_1", payload="{}")
    await broker.publish(WEBHOOK_KEY, b"not json")
    await broker.publish(WEBHOOK_KEY, message.to_bytes())
    await until(lambda: broker.count("webhooks", "acked") == 1, "the webhook's ack")
    await until(lambda: broker.count("webhooks", "rejected") == 1, "the rejection")
    assert [m for m, _ in script.calls] == [message]
    assert bound(script.contexts[0], queue="webhooks", webhook_kind="event",
                 event_key="bulk.completed:bulk_1", attempt=0)
    # The webhooks queue has no dead-letter exchange: what it rejects is gone.
    assert await broker.ready(webhooks_queue(broker.settings.queue_prefix)) == 0


async def test_a_cancelled_handler_leaves_its_message_to_the_broker(broker: Broker) -> None:
    cancelled = Script([asyncio.CancelledError()])
    await consume_chunks(broker, cancelled)
    await broker.publish(amqp.CHUNK_KEY, chunk("bulk_cancelled"))
    await until(lambda: broker.count("chunks", "requeued") == 1, "the cancelled delivery")
    assert broker.tracking.in_flight.count == 0
    assert await broker.ready(broker.topology.names.chunks) == 1  # unacked, so back
    connection, topology = await open_topology(broker.settings)
    try:
        again = Script()
        await consume(topology.chunks, WORK, again, policies(RETRY_S)["chunks"],
                      broker.tracking)
        await until(lambda: broker.count("chunks", "acked") == 1, "the redelivery")
        assert [d.redelivered for _, d in again.calls] == [True]
    finally:
        await connection.close()
