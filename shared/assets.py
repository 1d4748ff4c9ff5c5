"""A subscription's uploaded images: bytes in S3, records and slots in the assets
repository (shared/store/assets.py).

The count per subscription is exact under concurrent uploads: each asset first takes one of
`limit` slots by unique insert (slot numbers 1..limit), the one primitive with exactly one
winner on FerretDB, whose compare-and-set is not atomic; deleting an asset frees its slot.
A slot whose upload died before its record was written is taken back after a grace period.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from functools import lru_cache
from typing import Any

import shared.store.assets as records
from shared.brand.assetcheck import AssetRefused, CheckedAsset, check_asset
from shared.errors import ObjectMissing, RowInvalid
from shared.orders import decode_cursor, encode_pair
from shared.s3 import ObjectStore
from shared.store.assets import AssetRecord, AssetSlot
from shared.store.client import Database

ASSET_ID_RE = re.compile(r"asset_[0-9a-f]{32}")
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
SLOT_GRACE_MS = 120_000  # far longer than an upload takes between its slot and its record


def asset_key(client_id: str, asset_id: str) -> str:
    return f"assets/{client_id}/{asset_id}"


def public(record: AssetRecord) -> dict[str, Any]:
    return {"assetId": record.asset_id, "kind": record.kind, "width": record.width,
            "height": record.height, "sha256": record.sha256,
            "sizeBytes": record.size_bytes}


async def save_asset(db: Database, store: ObjectStore, client_id: str, asset: CheckedAsset,
                     now_ms: int, limit: int) -> AssetRecord | None:
    """Take a slot, store the bytes, then the record: an asset exists once its record does.
    None when the subscription already keeps `limit` assets."""
    asset_id = "asset_" + secrets.token_hex(16)  # 128 random bits: unique across tenants
    slot = await take_slot(db, client_id, asset_id, now_ms, limit)
    if slot is None:
        return None
    record = AssetRecord(asset_id, client_id, asset.kind, asset.width, asset.height,
                         asset.sha256, len(asset.data), now_ms, slot)
    try:
        await store.put(asset_key(client_id, asset_id), asset.data, CONTENT_TYPES[asset.kind])
        await records.insert_asset(db, record)
    except BaseException:
        await records.free_slots(db, client_id, [slot])
        raise
    return record


async def take_slot(db: Database, client_id: str, asset_id: str, now_ms: int, limit: int
                    ) -> int | None:
    """The number of a free slot, now this asset's; None when all `limit` are taken (after
    taking back the slots of uploads that died)."""
    for attempt in range(2):
        held = await records.slots_of(db, client_id)
        taken = {slot.slot for slot in held}
        for number in [n for n in range(1, limit + 1) if n not in taken]:
            if await records.take_slot(db, AssetSlot(client_id, number, asset_id, now_ms)):
                return number
        if attempt == 0 and not await _free_dead_slots(db, client_id, held, now_ms):
            break
    return None


async def _free_dead_slots(db: Database, client_id: str, held: list[AssetSlot],
                           now_ms: int) -> int:
    """Delete those of `held` older than the grace period whose asset has no record; how
    many."""
    old = [slot for slot in held if slot.taken_at_ms < now_ms - SLOT_GRACE_MS]
    if not old:
        return 0
    kept = await records.existing_assets(db, client_id, [slot.asset_id for slot in old])
    dead = [slot.slot for slot in old if slot.asset_id not in kept]
    if dead:
        await records.free_slots(db, client_id, dead)
    return len(dead)


async def list_assets(db: Database, client_id: str, limit: int, cursor: str | None
                      ) -> tuple[list[AssetRecord], str | None]:
    """A page of the assets, oldest first, and the cursor of the next page (or None)."""
    after = decode_cursor(cursor) if cursor else None
    found = await records.list_assets(db, client_id, after, limit + 1)
    page = found[:limit]
    more = len(found) > limit
    return page, encode_pair(page[-1].created_at_ms, page[-1].asset_id) if more else None


async def find_asset(db: Database, client_id: str, asset_id: str) -> AssetRecord | None:
    if not ASSET_ID_RE.fullmatch(asset_id):
        return None
    return await records.find_asset(db, client_id, asset_id)


async def delete_asset(db: Database, store: ObjectStore, client_id: str, asset_id: str) -> bool:
    """Forget the record first (rows stop finding it), then the bytes."""
    if not ASSET_ID_RE.fullmatch(asset_id):
        return False
    if not await records.delete_asset(db, client_id, asset_id):
        return False
    await store.delete(asset_key(client_id, asset_id))
    await records.free_slot_of(db, asset_id)  # its slot is free once the asset is gone
    return True


async def load_asset(db: Database, store: ObjectStore, client_id: str,
                     asset_id: str) -> CheckedAsset | None:
    """The checked image a row names, or None when this subscription has no such asset."""
    record = await find_asset(db, client_id, asset_id)
    if record is None:
        return None
    try:
        data = await store.get(asset_key(client_id, asset_id))
    except ObjectMissing:
        return None
    if record.kind == "svg":
        return await _rechecked_svg(asset_id, data)
    return CheckedAsset(record.kind, data, record.width, record.height, record.sha256)


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
