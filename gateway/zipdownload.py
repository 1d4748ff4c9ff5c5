"""The ZIP form of the one-shot download: the stored archive streamed through ZipBuilder.

The archive is read twice from S3, once for the images and once for result.json (three
times with `sheet=`: sheet.pdf in between, sheetdownload.py), and the row index alongside
the image and sheet passes, never further ahead than the entries parsed. Each step of CPU
work (parsing, decoding, hashing, deflating, drawing) runs in a thread, one S3 piece at a
time (archivepass.py), so the event loop keeps serving and memory stays at a few pieces.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiohttp import web

from gateway.archivepass import pump, rows_pass, send
from gateway.resources import STORE
from gateway.sheetdownload import write_sheet_entry
from gateway.zipbuild import ZipBuilder
from shared.keys import result_key
from shared.orderdoc import Order
from shared.sheets import SheetLayout
from shared.zipstream import DateTime

ZIP_HEADERS = {"Content-Type": "application/zip"}


def zip_headers(bulk_id: str) -> dict[str, str]:
    return {**ZIP_HEADERS, "Content-Disposition": f'attachment; filename="{bulk_id}.zip"'}


async def write_zip(
    request: web.Request,
    response: web.StreamResponse,
    order: Order,
    *,
    sheet: SheetLayout | None = None,
) -> None:
    """Prepare `response` and write the whole ZIP into it (the caller writes the EOF)."""
    store = request.app[STORE]
    key = result_key(order.bulk_id)
    archive_bytes = await store.size(key)
    builder = ZipBuilder(zip_time(order.updated_at_ms), archive_bytes)
    try:
        await response.prepare(request)
        await rows_pass(store, order.bulk_id, builder.archive, builder.add_images, response)
        await pump(builder.manifest(), response)
        if sheet is not None:
            await write_sheet_entry(
                store, order.bulk_id, sheet, builder.zip, archive_bytes, response
            )
        async for piece in store.stream(key):
            await send(response, await asyncio.to_thread(builder.add_result, piece))
        await send(response, await asyncio.to_thread(builder.add_result, None))
        await send(response, await asyncio.to_thread(builder.close))
    finally:
        builder.release()


def zip_time(epoch_ms: int) -> DateTime:
    """The entries' modification time: when the batch completed (UTC), within ZIP's range."""
    moment = datetime.fromtimestamp(max(epoch_ms / 1000, 315_532_800), UTC)  # 1980-01-01
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
