"""Moves each batch's legacy `overlays_<bulkId>` collection into the overlay shards.

A legacy overlay's `_id` (`{time}-{nanos}:{part}`) was unique in its batch only; in the
shared shard it becomes `{bulkId}:{old _id}` and gains the `bulkId` the reads filter on.
Its uid array becomes one JSON text (`uidsJson`), the form other batches' reads of the
shard pay least for (shared/overlays.py).
The link shards keep their names and codes, so the links themselves do not move.
"""

from __future__ import annotations

import re
from functools import partial

import orjson

from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.layout import overlays_collection
from shared.store.migrate import legacy_collections, move_collection

# `overlays_` and a bulk id; the shards `overlays_t00`… are the new layout's, not legacy.
LEGACY = re.compile(r"overlays_(?!t\d{2}$).+")


async def migrate_overlays(db: Database, settings: Settings) -> int:
    """Copy every legacy overlay into its batch's shard, dropping each legacy collection
    once copied; returns the overlays this run copied (0 when run again)."""
    del settings  # the overlay shards do not depend on it
    copied = 0
    for legacy in await legacy_collections(db, LEGACY):
        bulk_id = legacy.removeprefix("overlays_")
        copied += await move_collection(db, legacy, partial(_shard, bulk_id),
                                        partial(moved_overlay, bulk_id))
    return copied


def _shard(bulk_id: str, _doc: Doc) -> str:
    return overlays_collection(bulk_id)


def moved_overlay(bulk_id: str, doc: Doc) -> Doc:
    """A legacy overlay document as the shard holds it."""
    moved = doc | {"_id": f"{bulk_id}:{doc['_id']}", "bulkId": bulk_id}
    if isinstance(moved.get("uids"), list):
        moved["uidsJson"] = orjson.dumps(moved.pop("uids")).decode()
    return moved
