"""Keep every gateway's caches fresh: a fanout message names the codes and batches that changed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

import orjson
from aio_pika.abc import AbstractIncomingMessage
from aiohttp import web
from aiormq.exceptions import AMQPError, ChannelInvalidStateError

from gateway.overlaycache import OVERLAYS
from gateway.redirect import LINK_CACHE, export_cache_sizes
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
            changed = orjson.loads(incoming.body)
            if isinstance(changed, list):  # a gateway of the previous release: codes only
                changed = {"codes": changed}
            _forget(app, changed.get("codes", ()), changed.get("bulks", ()))

    tag = await queue.consume(on_message)
    yield
    # The queue deletes itself with the connection; cancelling first is only politeness.
    with contextlib.suppress(AMQPError, ChannelInvalidStateError, TimeoutError):
        await asyncio.wait_for(queue.cancel(tag), CANCEL_TIMEOUT_S)


async def announce_change(app: web.Application, codes: list[str],
                          bulks: list[str] | None = None) -> None:
    """Drop `codes` (and the overlays of `bulks`) from this process's caches now, and
    from every other gateway's."""
    _forget(app, codes, bulks or ())
    await amqp.publish(app[BROKER].topology.links, "",
                       orjson.dumps({"codes": codes, "bulks": bulks or []}),
                       timeout_s=app[SETTINGS].publish_timeout_s)


def _forget(app: web.Application, codes: Iterable[object], bulks: Iterable[object]) -> None:
    for code in codes:
        app[LINK_CACHE].invalidate(str(code))
    for bulk_id in bulks:
        app[OVERLAYS].invalidate(str(bulk_id))
    export_cache_sizes(app)  # the gauges shrink now, not at the next lookup
