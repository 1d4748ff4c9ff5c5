"""The ZIP form of the one-shot download: the stored archive streamed through ZipBuilder.

The archive is read twice from S3, once for the images and once for result.json, and the
row index alongside the first pass, never further ahead than the entries parsed. Each
step of CPU work (parsing, decoding, hashing, deflating) runs in a thread, one S3 piece
at a time, so the event loop keeps serving and memory stays at a few pieces.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

from aiohttp import web

from gateway.resources import STORE
from gateway.zipbuild import ZipBuilder
from shared.errors import ObjectMissing
from shared.keys import result_key, result_rows_key
from shared.orderdoc import Order
from shared.rowindex import RowIndex
from shared.s3 import ObjectStore
from shared.zipstream import DateTime

ZIP_HEADERS = {"Content-Type": "application/zip"}


def zip_headers(bulk_id: str) -> dict[str, str]:
    return {**ZIP_HEADERS, "Content-Disposition": f'attachment; filename="{bulk_id}.zip"'}


async def write_zip(request: web.Request, response: web.StreamResponse, order: Order) -> None:
    """Prepare `response` and write the whole ZIP into it (the caller writes the EOF)."""
    store = request.app[STORE]
    key = result_key(order.bulk_id)
    builder = ZipBuilder(zip_time(order.updated_at_ms), await store.size(key))
    try:
        await response.prepare(request)
        await _images_pass(store, order.bulk_id, builder, response)
        await pump(builder.manifest(), response)
        async for piece in store.stream(key):
            await send(response, await asyncio.to_thread(builder.add_result, piece))
        await send(response, await asyncio.to_thread(builder.add_result, None))
        await send(response, await asyncio.to_thread(builder.close))
    finally:
        builder.release()


async def _images_pass(store: ObjectStore, bulk_id: str, builder: ZipBuilder,
                       response: web.StreamResponse) -> None:
    """The archive's first reading: every image in, the row index read alongside."""
    rows = RowFeed(store.stream(result_rows_key(bulk_id)), builder.rows)
    try:
        async for piece in store.stream(result_key(bulk_id)):
            await _images(builder, rows, piece, response)
        await _images(builder, rows, None, response)
    finally:
        await rows.aclose()


async def _images(builder: ZipBuilder, rows: RowFeed, piece: bytes | None,
                  response: web.StreamResponse) -> None:
    last_row = await asyncio.to_thread(builder.parse, piece)
    await rows.cover(last_row)
    await send(response, await asyncio.to_thread(builder.add_images))


async def pump(pieces: Iterator[bytes], response: web.StreamResponse) -> None:
    """Send what a synchronous producer makes, advancing it in a thread piece by piece."""
    while (data := await asyncio.to_thread(next, pieces, None)) is not None:
        await send(response, data)


async def send(response: web.StreamResponse, data: bytes) -> None:
    if data:
        await response.write(data)


class RowFeed:
    """Reads the row index from S3 only as far as the entries parsed need it."""

    def __init__(self, pieces: AsyncIterator[bytes], index: RowIndex) -> None:
        self._pieces, self._index = pieces, index

    async def cover(self, row: int) -> None:
        while not self._index.covers(row):
            try:
                self._index.feed(await anext(self._pieces))
            except (StopAsyncIteration, ObjectMissing):  # a batch from before the index
                self._index.finish()

    async def aclose(self) -> None:
        aclose = getattr(self._pieces, "aclose", None)
        if aclose is not None:
            await aclose()


def zip_time(epoch_ms: int) -> DateTime:
    """The entries' modification time: when the batch completed (UTC), within ZIP's range."""
    moment = datetime.fromtimestamp(max(epoch_ms / 1000, 315_532_800), UTC)  # 1980-01-01
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
