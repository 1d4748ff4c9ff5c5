"""The worker's cache of logo assets: a batch names one logo thousands of times, so each is
read from S3 once (bounded by entries and bytes; entries expire so a deletion is seen)."""

from __future__ import annotations

import time
from collections import OrderedDict

from shared.assets import load_asset
from shared.brand.assetcheck import CheckedAsset
from shared.brand.logos import Lookup
from shared.s3 import ObjectStore
from shared.store.client import Database

MAX_ENTRIES, MAX_BYTES, TTL_S = 64, 32 * 1024 * 1024, 60.0
_cache: OrderedDict[tuple[str, str], tuple[float, CheckedAsset]] = OrderedDict()


def cached_lookup(db: Database, store: ObjectStore, client_id: str) -> Lookup:
    """Find `client_id`'s assets by id, through the cache."""
    async def lookup(asset_id: str) -> CheckedAsset | None:
        key = (client_id, asset_id)
        hit = _cache.pop(key, None)
        if hit is not None and time.monotonic() - hit[0] < TTL_S:
            _cache[key] = hit
            return hit[1]
        asset = await load_asset(db, store, client_id, asset_id)
        if asset is not None:
            _cache[key] = (time.monotonic(), asset)
            _trim()
        return asset

    return lookup


def _trim() -> None:
    total = sum(len(asset.data) for _, asset in _cache.values())
    while _cache and (len(_cache) > MAX_ENTRIES or total > MAX_BYTES):
        _, (_, dropped) = _cache.popitem(last=False)
        total -= len(dropped.data)
