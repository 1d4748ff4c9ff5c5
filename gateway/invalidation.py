"""Keep every gateway's link cache fresh: a fanout message names the codes that changed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import orjson
from aio_pika.abc import AbstractIncomingMessage
from aiohttp import web
from aiormq.exceptions import AMQPError, ChannelInvalidStateError

from gateway.redirect import LINK_CACHE
from gateway.resources import BROKER, SETTINGS
from shared import amqp

CANCEL_TIMEOUT_S = 2.0


async def invalidation_ctx(app: web.Application) -> AsyncIterator[None]:
    """Bind a private, self-deleting queue of this process to the links fanout."""
    broker = app[BROKER]
    queue = await broker.channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(broker.topology.links)

    async def on_message(incoming: AbstractIncomingMessage) -> None:
        async with incoming.process():
            for code in orjson.loads(incoming.body):
                app[LINK_CACHE].invalidate(str(code))

    tag = await queue.consume(on_message)
    yield
    # The queue deletes itself with the connection; cancelling first is only politeness.
    with contextlib.suppress(AMQPError, ChannelInvalidStateError, TimeoutError):
        await asyncio.wait_for(queue.cancel(tag), CANCEL_TIMEOUT_S)


async def announce_change(app: web.Application, codes: list[str]) -> None:
    """Drop `codes` from this process's cache now, and from every other gateway's."""
    for code in codes:
        app[LINK_CACHE].invalidate(code)
    await amqp.publish(app[BROKER].topology.links, "", orjson.dumps(codes),
                       timeout_s=app[SETTINGS].publish_timeout_s)
