"""`bulkqr admin migrate`'s assets step: per-subscription asset and slot collections, as the
release before DESIGN §11 wrote them, moved into `assets` and `asset_slots`, losing nothing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from shared.assets import asset_key, delete_asset, list_assets, load_asset, save_asset
from shared.brand.assetcheck import CheckedAsset
from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store.assets import find_asset, slots_of
from shared.store.client import Database, Doc
from shared.store.migrations.assets import (
    asset_from_legacy,
    legacy_assets_collection,
    legacy_slots_collection,
    migrate_assets,
)
from tests.shared.brandkit import png_logo

NOW_MS = 1_800_000_000_000
LONG_AGO_MS = NOW_MS - 3_600_000  # past the slot grace period


@dataclass
class Legacy:
    """One subscription's documents as the old release stored them."""

    client_id: str
    assets: list[Doc]
    slots: list[Doc]


def old_asset(created_ms: int, slot: int | None, data: bytes) -> Doc:
    """A record exactly as the old `save_asset` wrote it (`slot` absent before slots)."""
    doc: Doc = {"_id": "asset_" + secrets.token_hex(16), "kind": "png", "width": 80,
                "height": 80, "sha256": hashlib.sha256(data).hexdigest(),
                "sizeBytes": len(data), "createdAt": created_ms}
    if slot is not None:
        doc["slot"] = slot
    return doc


async def write_legacy(db: Database, store: ObjectStore, slots: list[int | None],
                       dead_slots: list[int]) -> Legacy:
    """Assets holding `slots` (None: a record older than the slots), two of them created
    in the same millisecond, plus slots whose upload died before its record."""
    client_id = "cust_" + secrets.token_hex(8)
    data = png_logo()
    assets = [old_asset(NOW_MS - 1000 + min(i, 1), slot, data) for i, slot in enumerate(slots)]
    slot_docs = [{"_id": doc["slot"], "assetId": doc["_id"], "takenAt": doc["createdAt"]}
                 for doc in assets if "slot" in doc]
    slot_docs += [{"_id": n, "assetId": "asset_" + secrets.token_hex(16),
                   "takenAt": LONG_AGO_MS} for n in dead_slots]
    await db[legacy_assets_collection(client_id)].insert_many(assets)
    await db[legacy_slots_collection(client_id)].insert_many(slot_docs)
    for doc in assets:
        await store.put(asset_key(client_id, doc["_id"]), data, "image/png")
    return Legacy(client_id, assets, slot_docs)


async def test_the_assets_step_moves_everything_once_and_drops_the_legacy_collections(
        db: Database, store: ObjectStore, settings: Settings) -> None:
    first = await write_legacy(db, store, [1, 2, None], dead_slots=[3])
    second = await write_legacy(db, store, [1, 2], dead_slots=[])
    # a run stopped after copying one record: the next run finishes the move
    await db["assets"].insert_one(asset_from_legacy(first.client_id, first.assets[0]))
    total = sum(len(legacy.assets) + len(legacy.slots) for legacy in (first, second))
    assert await migrate_assets(db, settings) == total - 1
    assert await migrate_assets(db, settings) == 0
    names = set(await db.list_collection_names())
    for legacy in (first, second):
        assert legacy_assets_collection(legacy.client_id) not in names
        assert legacy_slots_collection(legacy.client_id) not in names
        await reads_back(db, store, legacy)
    assert {s.slot for s in await slots_of(db, first.client_id)} == {1, 2, 3}
    assert {s.slot for s in await slots_of(db, second.client_id)} == {1, 2}
    assert await db["assets"].count_documents({"subscription": first.client_id}) == 3


async def reads_back(db: Database, store: ObjectStore, legacy: Legacy) -> None:
    """Every record listed, oldest first, with its fields; its bytes load; no other
    subscription finds it."""
    page, cursor = await list_assets(db, legacy.client_id, 10, None)
    oldest_first = sorted(legacy.assets, key=lambda doc: (doc["createdAt"], doc["_id"]))
    assert [record.asset_id for record in page] == [doc["_id"] for doc in oldest_first]
    assert cursor is None
    for record, doc in zip(page, oldest_first, strict=True):
        assert (record.subscription, record.kind, record.width, record.sha256,
                record.size_bytes, record.created_at_ms, record.slot) == (
            legacy.client_id, doc["kind"], doc["width"], doc["sha256"], doc["sizeBytes"],
            doc["createdAt"], doc.get("slot"))
        loaded = await load_asset(db, store, legacy.client_id, record.asset_id)
        assert loaded is not None and loaded.data == png_logo()
        assert await find_asset(db, "cust_" + secrets.token_hex(8), record.asset_id) is None
    moved = {(slot.slot, slot.asset_id, slot.taken_at_ms)
             for slot in await slots_of(db, legacy.client_id)}
    assert moved == {(doc["_id"], doc["assetId"], doc["takenAt"]) for doc in legacy.slots}


async def test_the_cap_and_the_slots_keep_working_on_moved_data(
        db: Database, store: ObjectStore, settings: Settings) -> None:
    legacy = await write_legacy(db, store, [1, 2], dead_slots=[3])
    assert await migrate_assets(db, settings) == len(legacy.assets) + len(legacy.slots)
    data = png_logo()
    asset = CheckedAsset("png", data, 80, 80, hashlib.sha256(data).hexdigest())
    taken = await save_asset(db, store, legacy.client_id, asset, NOW_MS, limit=3)
    assert taken is not None and taken.slot == 3  # the dead upload's slot came back
    assert await save_asset(db, store, legacy.client_id, asset, NOW_MS, limit=3) is None
    assert await delete_asset(db, store, legacy.client_id, legacy.assets[0]["_id"])
    assert {s.slot for s in await slots_of(db, legacy.client_id)} == {2, 3}
    again = await save_asset(db, store, legacy.client_id, asset, NOW_MS, limit=3)
    assert again is not None and again.slot == 1
