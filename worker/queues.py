"""Every queue the worker consumes, in one table: its parser, its handler and its policy."""

from __future__ import annotations

from shared.schemas import WorkMessage
from worker.chunk import handle_chunk
from worker.consume import Consuming, Parser, Tracking, consume
from worker.deadletter import handle_dead
from worker.delivery import Delivery
from worker.deps import Deps
from worker.policy import Policy
from worker.scans import SCAN_PARSER, scan_handler
from worker.split import handle_split
from worker.webhooks import WEBHOOK_PARSER, webhook_handler


def _describe(message: WorkMessage) -> dict[str, object]:
    return {"bulkId": message.bulk_id, "chunk": message.chunk, "kind": message.kind}


WORK = Parser("a work message", WorkMessage.from_bytes, _describe)


async def route_work(deps: Deps, message: WorkMessage, delivery: Delivery) -> None:
    if message.kind == "split":
        await handle_split(deps, message, delivery)
    else:
        await handle_chunk(deps, message, delivery)


def policies(retry_s: float) -> dict[str, Policy]:
    """Each queue's policy, by its label. Every queue retries a failing server in place for
    up to `retry_s`; chunks and splits, and the dead-lettered ones, are timed as chunks; the
    scans queue (whose single active consumer is the one writer of scan counts) applies its
    batches in turn and in order, retrying a failure of any kind in place, a second apart,
    rather than let a later batch by."""
    return {
        "chunks": Policy("chunks", retry_s, timed_as_chunk=True),
        "dead": Policy("dead", retry_s, timed_as_chunk=True),
        "scans": Policy("scans", retry_s, first_pause_s=1.0, max_pause_s=1.0,
                        retry_every_failure=True, one_at_a_time=True),
        "webhooks": Policy("webhooks", retry_s),
    }


async def consume_all(deps: Deps, tracking: Tracking) -> list[Consuming]:
    """Start consuming every queue; cancel what this returns to stop taking messages."""
    topology, policy = deps.topology, policies(deps.settings.transient_retry_s)
    return [
        await consume(topology.chunks, WORK, lambda m, d: route_work(deps, m, d),
                      policy["chunks"], tracking),
        await consume(topology.dead_chunks, WORK, lambda m, d: handle_dead(deps, m, d),
                      policy["dead"], tracking),
        await consume(topology.scans, SCAN_PARSER,
                      scan_handler(deps.db, deps.settings.scan_dimension_values),
                      policy["scans"], tracking),
        await consume(topology.webhooks, WEBHOOK_PARSER, webhook_handler(deps),
                      policy["webhooks"], tracking),
    ]
