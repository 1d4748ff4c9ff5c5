"""The workspace: the dashboard page and its CSV bulk upload, limited per client IP."""

from __future__ import annotations

import orjson
from aiohttp import BodyPartReader, web

from gateway.admission import BODY_BUDGET, admitted
from gateway.auth import caller
from gateway.body import read_capped
from gateway.dashboardpage import dashboard_html
from gateway.idempotency import key_of, submit_once
from gateway.ratelimit import request_ip, take_call
from gateway.resources import BROKER, DB, METRICS, PARSE_TURNS, SETTINGS, STORE
from gateway.submit import Batch, accept_batch, parse_batch
from shared.csvrows import decode_csv, parse_csv
from shared.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

CSV_TYPES = ("text/csv", "application/csv")
FILE_FIELD = "file"
MULTIPART_SLACK_BYTES = 64 * 1024  # boundaries and part headers around the file
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


async def dashboard(request: web.Request) -> web.Response:
    """The dashboard's page, carrying the registered formats' table (gateway/dashboardpage.py)."""
    return web.Response(text=dashboard_html(), content_type="text/html", headers=PAGE_HEADERS)


async def submit_csv(request: web.Request) -> web.Response:
    sub = await caller(request)
    settings, db = request.app[SETTINGS], request.app[DB]
    key = key_of(request)
    mime = _csv_mime(request)
    await take_call(db, "workspace", request_ip(request, settings.trusted_proxies),
                    settings.workspace_calls_per_minute)
    with request.app[BODY_BUDGET].hold(request, settings.workspace_max_bytes):
        body: list[bytes] = []

        async def parse() -> Batch:
            upload, charset = await read_upload(request, mime, settings.workspace_max_bytes)
            body.append(upload)
            rows = parse_csv(decode_csv(upload, charset), settings.workspace_max_rows)
            return await parse_batch(orjson.dumps(rows), settings, request.app[PARSE_TURNS])

        async def accept(batch: Batch) -> str:
            bulk_id = await accept_batch(settings, db, request.app[STORE], request.app[BROKER],
                                         sub, batch)
            request.app[METRICS].submissions.labels("workspace-bulk-generate").inc()
            request.app[METRICS].rows_accepted.inc(batch.count)
            return bulk_id

        bulk_id = await admitted(db, sub, settings, parse, accept,
                                 lambda once: submit_once(db, sub.client_id, key, body[0], once))
    return web.json_response(bulk_id)


def _csv_mime(request: web.Request) -> str:
    """text/csv (also when no Content-Type is given) or multipart/form-data, else 415."""
    if "Content-Type" not in request.headers:
        return "text/csv"
    mime = request.content_type
    if mime not in (*CSV_TYPES, "multipart/form-data"):
        raise UnsupportedMediaType(f"send the CSV as text/csv or as multipart/form-data with a "
                                   f"part named {FILE_FIELD}, not {mime}")
    return mime


async def read_upload(request: web.Request, mime: str, max_bytes: int
                      ) -> tuple[bytes, str | None]:
    """The CSV's bytes and declared charset, from the body or its `file` part."""
    if mime != "multipart/form-data":
        return await read_capped(request, max_bytes), request.charset
    length = request.content_length
    if length is not None and length > max_bytes + MULTIPART_SLACK_BYTES:
        raise PayloadTooLarge(_too_large(max_bytes))
    try:
        return await _file_part(request, max_bytes)
    except (ValueError, AssertionError) as exc:  # aiohttp's errors for a malformed body
        raise BadRequest(f"the multipart body is malformed: {exc}") from exc


async def _file_part(request: web.Request, max_bytes: int) -> tuple[bytes, str | None]:
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and part.name == FILE_FIELD:
            body = bytearray()
            while piece := await part.read_chunk(256 * 1024):
                body += piece
                if len(body) > max_bytes:
                    raise PayloadTooLarge(_too_large(max_bytes))
            charset = part.get_charset("") or None
            return bytes(body), charset
        await part.release()
    raise BadRequest(f"the multipart body has no part named {FILE_FIELD}")


def _too_large(max_bytes: int) -> str:
    return f"the CSV is over the {max_bytes / (1024 * 1024):g} MB limit"
