"""Fan an accepted batch out: one confirmed chunk message per stored chunk."""

from __future__ import annotations

import asyncio

from shared import amqp
from shared.orders import find_order
from shared.schemas import WorkMessage
from shared.status import OrderStatus
from worker.deps import Deps

PUBLISH_CONCURRENCY = 32


async def handle_split(deps: Deps, message: WorkMessage) -> None:
    """Publish every chunk; a redelivered split publishes duplicates, which chunks absorb."""
    order = await find_order(deps.db, message.bulk_id)
    if order is None or order["status"] != OrderStatus.PROCESSING:
        return
    gate = asyncio.Semaphore(PUBLISH_CONCURRENCY)

    async def publish(work: WorkMessage) -> None:
        async with gate:
            await amqp.publish(deps.topology.work, amqp.CHUNK_KEY, work.to_bytes(),
                               timeout_s=deps.settings.publish_timeout_s,
                               message_id=work.message_id)

    async with asyncio.TaskGroup() as group:
        for work in message.chunk_messages():
            group.create_task(publish(work))
