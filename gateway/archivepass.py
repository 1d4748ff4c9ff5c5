"""One reading of a stored archive with its row index, turned into bytes on a response.

Each S3 piece of the archive is parsed in a thread, the row index is read from S3 only as
far as the parsed rows need it, and what the rows make (ZIP entries, sheet pages) is made
in a thread too and written out before the next piece is read: the event loop keeps
serving and memory holds a few pieces, whatever the batch's size.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

from aiohttp import web

from shared.archiverows import ArchiveRows
from shared.errors import ObjectMissing
from shared.formats.rowindex import RowIndex
from shared.keys import result_key, result_rows_key
from shared.s3 import ObjectStore

# Makes the bytes of the rows that ArchiveRows.ready() hands out; runs in a thread.
Make = Callable[[], bytes]


async def rows_pass(
    store: ObjectStore, bulk_id: str, rows: ArchiveRows, make: Make, response: web.StreamResponse
) -> None:
    """Read the archive once, the row index alongside, sending what `make` makes."""
    feed = RowFeed(store.stream(result_rows_key(bulk_id)), rows.index)
    try:
        async for piece in store.stream(result_key(bulk_id)):
            await _step(rows, feed, piece, make, response)
        await _step(rows, feed, None, make, response)
    finally:
        await feed.aclose()


async def _step(
    rows: ArchiveRows, feed: RowFeed, piece: bytes | None, make: Make, response: web.StreamResponse
) -> None:
    last_row = await asyncio.to_thread(rows.parse, piece)
    await feed.cover(last_row)
    await send(response, await asyncio.to_thread(make))


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
