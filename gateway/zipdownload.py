"""The ZIP form of the one-shot download: the stored result streamed through ZipBuilder.

The images come from the batch's joined ZIP parts, which the workers made as they
rendered, so the download only names and relays them; a batch stored before parts existed
has its images made from the archive and its row index instead (archivepass.py). Then
the manifest, sheet.pdf with `sheet=` (sheetdownload.py, reading the archive again), and
the archive itself as result.json. Each step of CPU work runs in a thread, one S3 piece
at a time, so the event loop keeps serving and memory stays at a few pieces (and a part).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.archivepass import pump, rows_pass, send
from gateway.resources import STORE
from gateway.sheetdownload import write_sheet_entry
from gateway.zipbuild import ZipBuilder
from shared.formats.zipstream import date_time_of
from shared.keys import result_key, result_zip_key
from shared.orderdoc import Order
from shared.sheets import SheetLayout

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
    builder = ZipBuilder(date_time_of(order.updated_at_ms / 1000), archive_bytes)
    try:
        await response.prepare(request)
        if await store.exists(result_zip_key(order.bulk_id)):
            async for piece in store.stream(result_zip_key(order.bulk_id)):
                await send(response, await asyncio.to_thread(builder.add_parts, piece))
            builder.add_parts(None)
        else:
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
