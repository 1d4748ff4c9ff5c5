"""GET and PATCH /api/qr/{id}: a dynamic QR's record with its scan counts, and its changes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.auth import caller
from gateway.body import parse_json, read_capped, require_json_type
from gateway.invalidation import announce_change
from gateway.overlaycache import OVERLAYS
from gateway.resources import DB, SETTINGS
from shared.errors import BadRequest, NotFound, RowInvalid
from shared.ids import code_of_qr_id, qr_id_of_code
from shared.linkdoc import Link
from shared.links import find_link, short_url, update_link
from shared.orders import now_ms
from shared.rows.payloads import encode_url
from shared.rows.plan import parse_expiry_ms, parse_max_scans
from shared.scantotals import ScanTotal, find_totals
from shared.store.client import Database

MAX_PATCH_BYTES = 64 * 1024


async def owned_record(app: web.Application, qr_id: str, client_id: str) -> Link:
    """The caller's QR record as it reads now (its batch's bulk changes applied)."""
    code = code_of_qr_id(qr_id)
    link = await find_link(app[DB], code) if code else None
    if link is None or not link.is_record_of(client_id):
        raise NotFound("no QR with that id")
    return await app[OVERLAYS].apply_one(link)


async def record_view(db: Database, public_url: str, link: Link) -> dict[str, Any]:
    return (await record_views(db, public_url, [link]))[0]


async def record_views(db: Database, public_url: str, links: list[Link]) -> list[dict[str, Any]]:
    """The records as the API shows them, with their sources' counts (two reads per shard)."""
    totals = await find_totals(db, [code for link in links for code in link.codes])
    return [_view(public_url, link, totals) for link in links]


def _view(public_url: str, link: Link, totals: dict[str, ScanTotal]) -> dict[str, Any]:
    direct = totals[link.code]
    scans = [totals[s.code].scans for s in link.sources]
    sources = [{"source": s.source, "url": short_url(public_url, s.code), "scans": n}
               for s, n in zip(link.sources, scans, strict=True)]
    last = [totals[code].last_scan_ms for code in link.codes]
    return {
        "id": qr_id_of_code(link.code), "uid": link.uid, "bulkId": link.bulk_id,
        "url": short_url(public_url, link.code), "destination": link.destination,
        "expiry": link.expiry_ms, "secured": link.is_secured, "sources": sources,
        "maxScans": link.max_scans, "disabled": link.disabled,
        "scans": {"total": direct.scans + sum(scans), "direct": direct.scans},
        "lastScanAt": max((t for t in last if t is not None), default=None),
        "createdAt": link.created_at_ms,
    }


async def get_record(request: web.Request) -> web.Response:
    sub = await caller(request)
    link = await owned_record(request.app, request.match_info["qr_id"], sub.client_id)
    return web.json_response(await record_view(request.app[DB],
                                                request.app[SETTINGS].public_url, link))


async def patch_record(request: web.Request) -> web.Response:
    """Change where a dynamic QR goes, when it expires (null: never), its scan limit, or
    switch it off and on."""
    sub = await caller(request)
    require_json_type(request)
    db = request.app[DB]
    link = await owned_record(request.app, request.match_info["qr_id"], sub.client_id)
    changes = _changes(parse_json(await read_capped(request, MAX_PATCH_BYTES)))
    # Each field set is stamped, so a later bulk change of the batch overrides it again.
    edited_at = dict(link.edited_at_ms) | dict.fromkeys(changes, now_ms())
    changes |= {"editedAt": edited_at}
    changed = await update_link(db, link, changes)
    await announce_change(request.app, link.codes)
    view = await record_view(db, request.app[SETTINGS].public_url, changed)
    return web.json_response(view)


CHANGEABLE = ("destination", "expiry", "disabled", "maxScans")


def _changes(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not body.keys() & set(CHANGEABLE):
        raise BadRequest(f"send a JSON object with some of {', '.join(CHANGEABLE)}")
    unknown = body.keys() - set(CHANGEABLE)
    if unknown:
        raise BadRequest(f"only {', '.join(CHANGEABLE)} can change, not {sorted(unknown)}")
    changes = link_changes(body)
    if "maxScans" in body:
        try:
            changes["maxScans"] = parse_max_scans(body["maxScans"])
        except RowInvalid as exc:
            raise BadRequest(str(exc)) from exc
    return changes


def link_changes(body: dict[str, Any]) -> dict[str, Any]:
    """The stored fields for a change of destination, expiry (null: never) or disabled."""
    changes: dict[str, Any] = {}
    try:
        if "destination" in body:
            changes["destination"] = encode_url(body["destination"])
        if "expiry" in body:
            changes["expiryMs"] = (None if body["expiry"] is None
                                   else parse_expiry_ms(body["expiry"], now_ms()))
    except RowInvalid as exc:
        raise BadRequest(str(exc).replace("dataType: url", "destination")) from exc
    if "disabled" in body:
        if not isinstance(body["disabled"], bool):
            raise BadRequest("disabled must be true or false")
        changes["disabled"] = body["disabled"]
    return changes
