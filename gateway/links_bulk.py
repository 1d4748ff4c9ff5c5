"""POST /api/qr/bulk-generate/{bulkId}/links/update: change many of a batch's codes at once.

The body names the codes (`uids`, or all of the batch) and the change: a destination
(where `{uid}` is replaced by each code's uid), an expiry (null: never) or `disabled`.
`dryRun: true` reads the batch's records (a page of a shard at a time) and answers what
would change, writing nothing. The change itself is one overlay write (shared/store/overlays.py),
after which every gateway drops the batch's cached overlays.

A destination is checked as it will be applied, before either answers 200: filled with
every uid it will be filled with (each named uid, or the uid of each of the batch's
records, read a page of uids at a time unless no uid a row may hold could break it), each
must pass a row destination's rules, else 400 names a uid and the rule. The work is
bounded by the batch (or MAX_UIDS named uids): uids are read PAGE_SIZE at a time (only
`uid` and `row`), checked CHECK_SLICE at a time with the event loop free between slices,
and mostly by length alone (shared/overlays.py's check_filled).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from gateway.auth import caller
from gateway.body import parse_json, read_capped, require_json_type
from gateway.invalidation import announce_change
from gateway.qr_records import link_changes
from gateway.resources import DB, SETTINGS
from shared.errors import BadRequest, RowInvalid
from shared.linkdoc import Link
from shared.links import bulk_record_pages, bulk_uid_pages
from shared.orderdoc import Order
from shared.orders import get_owned_order
from shared.overlays import (
    apply_overlays,
    check_filled,
    fill_template,
    filled_destination,
    fits_every_uid,
    new_overlays,
)
from shared.store.client import Database, Doc
from shared.store.overlays import find_overlays, insert_overlays

MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_UIDS = 100_000
PAGE_SIZE = 5_000  # FerretDB scans the shard for each page: few pages, each a bounded list
SAMPLE_SIZE = 20
CHECK_SLICE = 1_000  # uids checked between two turns of the event loop (a few ms at most)
FIELDS = {"uids", "destination", "expiry", "disabled", "dryRun"}


async def update_links(request: web.Request) -> web.Response:
    sub = await caller(request)
    require_json_type(request)
    db = request.app[DB]
    order = await get_owned_order(db, request.match_info["bulk_id"], sub.client_id)
    body = _body(parse_json(await read_capped(request, MAX_BODY_BYTES)))
    template = body.get("destination")
    fixed = link_changes({k: v for k, v in body.items() if k in ("expiry", "disabled")})
    named = None if "uids" not in body else list(dict.fromkeys(body["uids"]))
    if template is not None and named is not None:
        await _check_uids(template, named)
    if body.get("dryRun", False):  # a batch-wide template is checked record by record there
        return web.json_response(await _preview(request, order, named, template, fixed))
    if template is not None and named is None:
        await _check_batch(db, order, request.app[SETTINGS].link_shards, template)
    stored = fixed | ({} if template is None else {"destination": template})
    overlays = new_overlays(stored, named)
    await insert_overlays(db, order.bulk_id, overlays)
    await announce_change(request.app, [], bulks=[order.bulk_id])
    return web.json_response({"dryRun": False, "scope": "all" if named is None else "uids",
                              "uids": None if named is None else len(named),
                              "appliedAt": overlays[0].at_ms})


async def _preview(request: web.Request, order: Order, named: list[str | int] | None,
                   template: str | None, fixed: Doc) -> dict[str, Any]:
    """What the change would do, code by code, each filled destination checked: this reads
    every record of the batch whole (on FerretDB a scan of each of its shards), which is
    why only a dry run does it (a real update reads only their uids, and only to check)."""
    db, settings = request.app[DB], request.app[SETTINGS]
    wanted = None if named is None else set(named)
    overlays = await find_overlays(db, order.bulk_id)
    matched, changed = 0, 0
    sample: list[dict[str, Any]] = []
    async for page in bulk_record_pages(db, order, settings.link_shards, PAGE_SIZE):
        links = [apply_overlays(link, overlays) for link in page
                 if wanted is None or link.uid in wanted]
        if template is not None:
            await _check_uids(template, [link.uid for link in links])
        matched += len(links)
        updates = [(link, c) for link in links if (c := _changes(link, template, fixed))]
        changed += len(updates)
        sample += [_described(link, c) for link, c in updates[:SAMPLE_SIZE - len(sample)]]
    return {"dryRun": True, "matched": matched, "changed": changed, "sample": sample}


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
        link_changes({"destination": fill_template(body["destination"], "uid")})  # its shape
    return body


async def _check_batch(db: Database, order: Order, shards: int, template: str) -> None:
    """The uid of every record of the batch, a page at a time, unless no uid can break it
    (the common case: one `{uid}` in a template under ~1 KB)."""
    if "{uid}" not in template or fits_every_uid(template):
        return
    async for uids in bulk_uid_pages(db, order, shards, PAGE_SIZE):
        await _check_uids(template, uids)


async def _check_uids(template: str, uids: Sequence[str | int | None]) -> None:
    """400 naming a uid whose filled destination breaks a destination's rules; CHECK_SLICE
    uids at a time, the event loop free between slices."""
    if "{uid}" not in template:
        return  # one destination for every code: its shape was checked with the body
    for start in range(0, len(uids), CHECK_SLICE):
        try:
            check_filled(template, uids[start:start + CHECK_SLICE])
        except RowInvalid as exc:
            raise BadRequest(str(exc)) from exc
        await asyncio.sleep(0)


def _changes(link: Link, template: str | None, fixed: Doc) -> Doc:
    """The stored fields that would change on this record (its destination checked)."""
    wanted = dict(fixed)
    if template is not None:
        wanted["destination"] = filled_destination(template, link.uid)
    stored = link.to_doc()
    return {k: v for k, v in wanted.items() if stored.get(k, False if k == "disabled" else None)
            != v}


def _described(link: Link, changes: Doc) -> dict[str, Any]:
    stored = link.to_doc()
    return {"uid": link.uid, "changes": {k: {"from": stored.get(k), "to": v}
                                         for k, v in changes.items()}}
