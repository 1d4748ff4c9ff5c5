"""A subscription's uploaded images: bytes in S3, a small metadata collection per subscription
(FerretDB scans every query, so no collection holds another subscription's assets)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from shared.brand.assetcheck import CheckedAsset
from shared.errors import ObjectMissing
from shared.mongo import Database, Doc, store_errors
from shared.s3 import ObjectStore

ASSET_ID_RE = re.compile(r"asset_[0-9a-f]{32}")
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def assets_collection(client_id: str) -> str:
    return f"assets_{client_id}"


def asset_key(client_id: str, asset_id: str) -> str:
    return f"assets/{client_id}/{asset_id}"


def public(doc: Doc) -> dict[str, Any]:
    return {"assetId": doc["_id"], "kind": doc["kind"], "width": doc["width"],
            "height": doc["height"], "sha256": doc["sha256"], "sizeBytes": doc["sizeBytes"]}


async def save_asset(db: Database, store: ObjectStore, client_id: str, asset: CheckedAsset,
                     now_ms: int) -> Doc:
    """Store the bytes, then the record: an asset exists once its record does."""
    asset_id = "asset_" + secrets.token_hex(16)
    await store.put(asset_key(client_id, asset_id), asset.data, CONTENT_TYPES[asset.kind])
    doc: Doc = {"_id": asset_id, "kind": asset.kind, "width": asset.width,
                "height": asset.height, "sha256": asset.sha256, "sizeBytes": len(asset.data),
                "createdAt": now_ms}
    with store_errors():
        await db[assets_collection(client_id)].insert_one(doc)
    return doc


async def list_assets(db: Database, client_id: str) -> list[Doc]:
    with store_errors():
        return await db[assets_collection(client_id)].find().sort("createdAt", 1).to_list()


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
    return CheckedAsset(doc["kind"], data, doc["width"], doc["height"], doc["sha256"])
