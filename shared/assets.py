"""A subscription's uploaded images: bytes in S3, a small metadata collection per subscription
(FerretDB scans every query, so no collection holds another subscription's assets).

The count per subscription is exact under concurrent uploads: each asset first takes one of
`limit` slot documents by unique insert (`_id` 1..limit), the one primitive with exactly one
winner on FerretDB, whose compare-and-set is not atomic; deleting an asset frees its slot.
A slot whose upload died before its record was written is taken back after a grace period.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from functools import lru_cache
from typing import Any

from shared.brand.assetcheck import AssetRefused, CheckedAsset, check_asset
from shared.errors import ObjectMissing, RowInvalid
from shared.orders import decode_cursor, encode_pair
from shared.s3 import ObjectStore
from shared.store import Database, Doc, insert_unique, store_errors

ASSET_ID_RE = re.compile(r"asset_[0-9a-f]{32}")
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def assets_collection(client_id: str) -> str:
    return f"assets_{client_id}"


def asset_slots_collection(client_id: str) -> str:
    return f"asset_slots_{client_id}"


SLOT_GRACE_MS = 120_000  # far longer than an upload takes between its slot and its record


def asset_key(client_id: str, asset_id: str) -> str:
    return f"assets/{client_id}/{asset_id}"


def public(doc: Doc) -> dict[str, Any]:
    return {"assetId": doc["_id"], "kind": doc["kind"], "width": doc["width"],
            "height": doc["height"], "sha256": doc["sha256"], "sizeBytes": doc["sizeBytes"]}


async def save_asset(db: Database, store: ObjectStore, client_id: str, asset: CheckedAsset,
                     now_ms: int, limit: int) -> Doc | None:
    """Take a slot, store the bytes, then the record: an asset exists once its record does.
    None when the subscription already keeps `limit` assets."""
    asset_id = "asset_" + secrets.token_hex(16)
    slot = await take_slot(db, client_id, asset_id, now_ms, limit)
    if slot is None:
        return None
    doc: Doc = {"_id": asset_id, "kind": asset.kind, "width": asset.width,
                "height": asset.height, "sha256": asset.sha256, "sizeBytes": len(asset.data),
                "createdAt": now_ms, "slot": slot}
    try:
        await store.put(asset_key(client_id, asset_id), asset.data, CONTENT_TYPES[asset.kind])
        with store_errors():
            await db[assets_collection(client_id)].insert_one(doc)
    except BaseException:
        with store_errors():
            await db[asset_slots_collection(client_id)].delete_one({"_id": slot})
        raise
    return doc


async def take_slot(db: Database, client_id: str, asset_id: str, now_ms: int, limit: int
                    ) -> int | None:
    """The number of a free slot, now this asset's; None when all `limit` are taken (after
    taking back the slots of uploads that died)."""
    for attempt in range(2):
        with store_errors():
            held = {doc["_id"] async for doc in db[asset_slots_collection(client_id)].find(
                {}, {"_id": 1})}
        for slot in [n for n in range(1, limit + 1) if n not in held]:
            if await insert_unique(db[asset_slots_collection(client_id)],
                                   {"_id": slot, "assetId": asset_id, "takenAt": now_ms}):
                return slot
        if attempt == 0 and not await _free_dead_slots(db, client_id, now_ms):
            break
    return None


async def _free_dead_slots(db: Database, client_id: str, now_ms: int) -> int:
    """Delete slots older than the grace period whose asset has no record; how many."""
    with store_errors():
        old = await db[asset_slots_collection(client_id)].find(
            {"takenAt": {"$lt": now_ms - SLOT_GRACE_MS}}).to_list()
        kept = {doc["_id"] async for doc in db[assets_collection(client_id)].find(
            {"_id": {"$in": [slot["assetId"] for slot in old]}}, {"_id": 1})}
        dead = [slot["_id"] for slot in old if slot["assetId"] not in kept]
        if dead:
            await db[asset_slots_collection(client_id)].delete_many({"_id": {"$in": dead}})
    return len(dead)


async def list_assets(db: Database, client_id: str, limit: int, cursor: str | None
                      ) -> tuple[list[Doc], str | None]:
    """A page of the assets, oldest first, and the cursor of the next page (or None)."""
    query: dict[str, Any] = {}
    if cursor:
        created, asset_id = decode_cursor(cursor)
        query["$or"] = [{"createdAt": {"$gt": created}},
                        {"createdAt": created, "_id": {"$gt": asset_id}}]
    with store_errors():
        docs = await db[assets_collection(client_id)].find(query).sort(
            [("createdAt", 1), ("_id", 1)]).limit(limit + 1).to_list()
    page = docs[:limit]
    more = len(docs) > limit
    return page, encode_pair(page[-1]["createdAt"], page[-1]["_id"]) if more else None


async def find_asset(db: Database, client_id: str, asset_id: str) -> Doc | None:
    if not ASSET_ID_RE.fullmatch(asset_id):
        return None
    with store_errors():
        return await db[assets_collection(client_id)].find_one({"_id": asset_id})


async def delete_asset(db: Database, store: ObjectStore, client_id: str, asset_id: str) -> bool:
    """Forget the record first (rows stop finding it), then the bytes."""
    if not ASSET_ID_RE.fullmatch(asset_id):
        return False
    with store_errors():
        result = await db[assets_collection(client_id)].delete_one({"_id": asset_id})
    if result.deleted_count:
        await store.delete(asset_key(client_id, asset_id))
        with store_errors():  # its slot is free once the asset is gone
            await db[asset_slots_collection(client_id)].delete_one({"assetId": asset_id})
    return bool(result.deleted_count)


async def load_asset(db: Database, store: ObjectStore, client_id: str,
                     asset_id: str) -> CheckedAsset | None:
    """The checked image a row names, or None when this subscription has no such asset."""
    doc = await find_asset(db, client_id, asset_id)
    if doc is None:
        return None
    try:
        data = await store.get(asset_key(client_id, asset_id))
    except ObjectMissing:
        return None
    if doc["kind"] == "svg":
        return await _rechecked_svg(asset_id, data)
    return CheckedAsset(doc["kind"], data, doc["width"], doc["height"], doc["sha256"])


async def _rechecked_svg(asset_id: str, data: bytes) -> CheckedAsset:
    """A stored SVG passed through today's allow-list: older builds kept SVGs that only a
    deny-list had looked at. Clean ones come out unchanged; the check runs once per process
    and file (it is bounded by the SVG budget, and run off the event loop's thread)."""
    checked = await asyncio.to_thread(_checked_svg, data)
    if isinstance(checked, str):
        raise RowInvalid(f"styling.logo {asset_id} was stored by an older release and is "
                         f"refused now: {checked}; upload the image again")
    return checked


@lru_cache(maxsize=16)  # SVG assets are at most 1 MB: at most 32 MB with the results
def _checked_svg(data: bytes) -> CheckedAsset | str:
    """The checked SVG, or why it is refused."""
    try:
        return check_asset(data)
    except AssetRefused as exc:
        return str(exc)
