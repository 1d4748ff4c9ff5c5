"""Label sheets in the one-shot download: `sheet=` checked, and the PDF alone or in the ZIP.

The query is checked before the download's claim is taken, so a bad one consumes nothing:
`sheet` needs format zip or pdf, format pdf needs `sheet`, a sheet's own parameters need
`sheet`, and the layout's refusals (shared.sheets.layout_for) are answered as 400s. The
sheet is one more reading of the stored archive (archivepass.py); drawing runs in a
thread, one S3 piece of rows at a time, and the writer is closed however the download ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from aiohttp import web

from gateway.archivepass import rows_pass, send
from gateway.resources import STORE
from gateway.sheetbuild import SHEET_NAME, SheetBuilder
from shared.errors import BadRequest
from shared.formats.zipstream import ZipStream
from shared.orderdoc import Order
from shared.s3 import ObjectStore
from shared.sheets import SHEETS, SheetLayout, layout_for
from shared.sheets.params import CUSTOM_ONLY

SHEET_FORMATS = ("zip", "pdf")
SHEET_PARAMS = ("cropMarks", *CUSTOM_ONLY)
NEEDS_SHEET = f"format=pdf needs sheet: one of {', '.join(SHEETS)}"
SHEET_NEEDS_FORMAT = "sheet applies to format=zip (sheet.pdf inside) or format=pdf (the PDF alone)"
# A sheet.pdf entry's size bound, for its Zip64 choice: a label's PDF is far smaller than its
# entry in the archive (a caption-only label is a few hundred bytes), so this is generous.
SHEET_BYTES_PER_ARCHIVE_BYTE, SHEET_FIXED_BYTES = 16, 64 * 1024 * 1024


def sheet_for(query: Mapping[str, str], fmt: str) -> SheetLayout | None:
    """The sheet the query asks for (None: none), or BadRequest saying what to change."""
    preset = query.get("sheet")
    if preset is None:
        if fmt == "pdf":
            raise BadRequest(NEEDS_SHEET)
        given = [key for key in SHEET_PARAMS if key in query]
        if given:
            raise BadRequest(
                f"{', '.join(given)} only apply with sheet: one of {', '.join(SHEETS)}"
            )
        return None
    if fmt not in SHEET_FORMATS:
        raise BadRequest(SHEET_NEEDS_FORMAT)
    try:
        return layout_for(preset, query)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def pdf_headers(bulk_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="{bulk_id}.pdf"',
    }


async def write_pdf(
    request: web.Request, response: web.StreamResponse, order: Order, *, sheet: SheetLayout
) -> None:
    """Prepare `response` and write the whole PDF into it (the caller writes the EOF)."""
    builder = SheetBuilder(sheet)
    try:
        await response.prepare(request)
        await rows_pass(
            request.app[STORE], order.bulk_id, builder.archive, builder.add_labels, response
        )
        await send(response, await asyncio.to_thread(builder.finish))
    finally:
        await _close(builder)


async def write_sheet_entry(
    store: ObjectStore,
    bulk_id: str,
    sheet: SheetLayout,
    zip_stream: ZipStream,
    archive_bytes: int,
    response: web.StreamResponse,
) -> None:
    """sheet.pdf, stored (its pages are deflated already), into a ZIP being sent."""
    builder = SheetBuilder(sheet)
    try:
        entry = zip_stream.open(
            SHEET_NAME,
            compress=False,
            max_bytes=(archive_bytes * SHEET_BYTES_PER_ARCHIVE_BYTE + SHEET_FIXED_BYTES),
        )

        def into_zip(data: bytes) -> bytes:
            entry.write(data)
            return zip_stream.drain()

        await rows_pass(
            store, bulk_id, builder.archive, lambda: into_zip(builder.add_labels()), response
        )
        await send(response, await asyncio.to_thread(lambda: into_zip(builder.finish())))
        entry.close()  # its data descriptor
        await send(response, zip_stream.drain())
    finally:
        await _close(builder)


async def _close(builder: SheetBuilder) -> None:
    # In a thread, shielded: it waits for a drawing call still running in its thread when
    # the download was cancelled, and a second cancel must not skip it.
    await asyncio.shield(asyncio.to_thread(builder.close))
