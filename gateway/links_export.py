"""GET /api/qr/bulk-generate/{bulkId}/links: every code of a batch, streamed as CSV or JSON.

Each line is a record with its destination and scan totals, read a page at a time (by
shard, then row), so memory does not grow with the batch.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from aiohttp import web

from gateway.auth import caller
from gateway.overlaycache import OVERLAYS
from gateway.qr_records import record_views
from gateway.resources import DB, SETTINGS
from shared.errors import BadRequest
from shared.links import bulk_record_pages
from shared.orders import get_owned_order

PAGE_SIZE = 500
COLUMNS = ("id", "uid", "url", "destination", "expiry", "disabled", "maxScans", "scans",
           "lastScanAt", "createdAt")
EXPORT_FORMATS = ("json", "csv")  # ?format=, the first the default
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


async def export_links(request: web.Request) -> web.StreamResponse:
    sub = await caller(request)
    fmt = request.query.get("format", EXPORT_FORMATS[0])
    if fmt not in EXPORT_FORMATS:
        raise BadRequest("format must be csv or json")
    db, settings = request.app[DB], request.app[SETTINGS]
    order = await get_owned_order(db, request.match_info["bulk_id"], sub.client_id)
    answer = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8" if fmt == "csv" else "application/json",
        "Content-Disposition": f'attachment; filename="{order.bulk_id}-links.{fmt}"'})
    await answer.prepare(request)
    await answer.write(_csv_line(COLUMNS) if fmt == "csv" else b"[")
    first = True
    async for page in bulk_record_pages(db, order, settings.link_shards, PAGE_SIZE):
        views = await record_views(db, settings.public_url,
                                   await request.app[OVERLAYS].apply(page))
        if fmt == "csv":
            await answer.write(b"".join(_csv_line(_cells(view)) for view in views))
        else:
            body = b",".join(orjson.dumps(view) for view in views)
            await answer.write(body if first else b"," + body)
            first = False
    if fmt == "json":
        await answer.write(b"]")
    await answer.write_eof()
    return answer


def _cells(view: dict[str, Any]) -> list[Any]:
    return [view["scans"]["total"] if name == "scans" else view[name] for name in COLUMNS]


def _csv_line(cells: Any) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow([_safe("" if c is None else str(c)) for c in cells])
    return out.getvalue().encode()


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a leading quote marks it text)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
