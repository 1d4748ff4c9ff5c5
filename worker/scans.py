"""Apply scan counts from the gateways; the queue's single active consumer is the one writer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import orjson
import structlog
from aio_pika.abc import AbstractIncomingMessage
from pydantic import TypeAdapter, ValidationError
from pymongo import UpdateOne

from shared.ids import shard_of_code
from shared.mongo import Database, links_collection
from shared.schemas import ScanEvent

log = structlog.get_logger(__name__)
EVENTS = TypeAdapter(list[ScanEvent])
RETRY_PAUSE_S = 1.0


async def apply_scans(db: Database, events: list[ScanEvent]) -> None:
    """Add each code's count to its link document, one bulk write per shard."""
    by_shard: dict[int, list[UpdateOne]] = {}
    for event in events:
        shard = shard_of_code(event.code)
        if shard is None:
            continue
        by_shard.setdefault(shard, []).append(UpdateOne(
            {"_id": event.code},
            {"$inc": {"scans": event.count}, "$max": {"lastScanAt": event.last_scan_ms}},
        ))
    for shard, updates in by_shard.items():
        await db[links_collection(shard)].bulk_write(updates, ordered=False)


def scan_consumer(db: Database) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
    async def on_message(incoming: AbstractIncomingMessage) -> None:
        try:
            events = EVENTS.validate_python(orjson.loads(incoming.body))
        except (ValidationError, orjson.JSONDecodeError) as exc:
            log.error("scan message rejected", error=str(exc))
            await incoming.reject(requeue=False)
            return
        try:
            await apply_scans(db, events)
        except Exception as exc:  # noqa: BLE001 - retried; counts are at-least-once
            log.warning("scan counts not applied; requeued", error=repr(exc))
            await asyncio.sleep(RETRY_PAUSE_S)  # the store is down: do not spin
            await incoming.nack(requeue=True)
            return
        await incoming.ack()

    return on_message
