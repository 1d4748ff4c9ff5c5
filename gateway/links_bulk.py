"""POST /api/qr/bulk-generate/{bulkId}/links/update: change many of a batch's codes at once.

The body names the codes (`uids`, or all of the batch) and the change: a destination
(where `{uid}` is replaced by each code's uid), an expiry (null: never) or `disabled`.
`dryRun: true` answers what would change and writes nothing. Writes go a bounded page at a
time (FerretDB updates one document at a time, so a page is one bulk write); after each
page every gateway drops the page's links from its cache.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web
from pymongo import UpdateOne

from gateway.auth import caller
from gateway.body import parse_json, read_capped, require_json_type
from gateway.invalidation import announce_change
from gateway.qr_records import link_changes
from gateway.resources import DB, SETTINGS
from shared.errors import BadRequest
from shared.ids import shard_of_code
from shared.linkdoc import Link
from shared.links import bulk_record_pages
from shared.mongo import Database, Doc, links_collection
from shared.orders import get_owned_order

MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_UIDS = 100_000
PAGE_SIZE = 500
SAMPLE_SIZE = 20
FIELDS = {"uids", "destination", "expiry", "disabled", "dryRun"}


async def update_links(request: web.Request) -> web.Response:
    sub = await caller(request)
    require_json_type(request)
    db, settings = request.app[DB], request.app[SETTINGS]
    order = await get_owned_order(db, request.match_info["bulk_id"], sub.client_id)
    body = _body(parse_json(await read_capped(request, MAX_BODY_BYTES)))
    dry_run, template = body.get("dryRun", False), body.get("destination")
    fixed = link_changes({k: v for k, v in body.items() if k in ("expiry", "disabled")})
    query: Doc = {} if "uids" not in body else {"uid": {"$in": body["uids"]}}
    matched, changed = 0, 0
    sample: list[dict[str, Any]] = []
    async for page in bulk_record_pages(db, order, settings.link_shards, query, PAGE_SIZE):
        matched += len(page)
        updates = [(link, _changes(link, template, fixed)) for link in page]
        updates = [(link, c) for link, c in updates if c]
        changed += len(updates)
        sample += [_described(link, c) for link, c in updates[:SAMPLE_SIZE - len(sample)]]
        if updates and not dry_run:
            await _write(db, updates)
            await announce_change(request.app, [c for link, _ in updates for c in link.codes])
    return web.json_response({"dryRun": dry_run, "matched": matched, "changed": changed,
                              "sample": sample})


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not body.keys() & {"destination", "expiry", "disabled"}:
        raise BadRequest("send a JSON object with destination, expiry and/or disabled")
    unknown = body.keys() - FIELDS
    if unknown:
        raise BadRequest(f"unknown fields {sorted(unknown)}; allowed: {sorted(FIELDS)}")
    if not isinstance(body.get("dryRun", False), bool):
        raise BadRequest("dryRun must be true or false")
    uids = body.get("uids")
    if "uids" in body and (not isinstance(uids, list) or not 1 <= len(uids) <= MAX_UIDS
                           or not all(isinstance(u, str | int) and not isinstance(u, bool)
                                      for u in uids)):
        raise BadRequest(f"uids must be a list of 1 to {MAX_UIDS} strings or integers")
    if "destination" in body:
        if not isinstance(body["destination"], str):
            raise BadRequest("destination must be a URL (it may hold {uid})")
        link_changes({"destination": _fill(body["destination"], "uid")})  # 400 if not a URL
    return body


def _fill(template: str, uid: str | int | None) -> str:
    return template.replace("{uid}", quote(str(uid), safe=""))


def _changes(link: Link, template: str | None, fixed: Doc) -> Doc:
    """The stored fields that would change on this record."""
    wanted = dict(fixed)
    if template is not None:
        wanted |= link_changes({"destination": _fill(template, link.uid)})
    stored = link.to_doc()
    return {k: v for k, v in wanted.items() if stored.get(k, False if k == "disabled" else None)
            != v}


def _described(link: Link, changes: Doc) -> dict[str, Any]:
    stored = link.to_doc()
    return {"uid": link.uid, "changes": {k: {"from": stored.get(k), "to": v}
                                         for k, v in changes.items()}}


async def _write(db: Database, updates: list[tuple[Link, Doc]]) -> None:
    by_shard: dict[int, list[UpdateOne]] = {}
    for link, changes in updates:
        by_shard.setdefault(shard_of_code(link.code) or 0, []).append(
            UpdateOne({"_id": link.code}, {"$set": changes}))
    for shard, writes in by_shard.items():
        await db[links_collection(shard)].bulk_write(writes, ordered=False)
