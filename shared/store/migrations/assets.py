"""Migration step: each subscription's `assets_<client>` and `asset_slots_<client>` into the
shared `assets` and `asset_slots` collections.

Asset ids are 128 random bits, unique across subscriptions, so they keep their `_id` and
gain a `subscription` field; a slot's `_id` (its number, 1..limit, the same in every
subscription) becomes `client:slot`.
"""

from __future__ import annotations

import re
from functools import partial

from shared.settings import Settings
from shared.store.assets import slot_id
from shared.store.client import Database, Doc
from shared.store.layout import ASSET_SLOTS, ASSETS
from shared.store.migrate import legacy_collections, move_collection

LEGACY_ASSETS = re.compile(r"assets_(?P<client>.+)")
LEGACY_SLOTS = re.compile(r"asset_slots_(?P<client>.+)")


def legacy_assets_collection(client_id: str) -> str:
    """Where the layout before DESIGN §11 kept a subscription's asset records."""
    return f"assets_{client_id}"


def legacy_slots_collection(client_id: str) -> str:
    """Where the layout before DESIGN §11 kept a subscription's asset slots."""
    return f"asset_slots_{client_id}"


def asset_from_legacy(client_id: str, doc: Doc) -> Doc:
    return {**doc, "subscription": client_id}


def slot_from_legacy(client_id: str, doc: Doc) -> Doc:
    return {"_id": slot_id(client_id, doc["_id"]), "client": client_id, "slot": doc["_id"],
            "assetId": doc["assetId"], "takenAt": doc["takenAt"]}


async def migrate_assets(db: Database, settings: Settings) -> int:
    """Move every legacy asset record and slot; returns the documents this run copied."""
    copied = 0
    for pattern, target, rewrite in ((LEGACY_ASSETS, ASSETS, asset_from_legacy),
                                     (LEGACY_SLOTS, ASSET_SLOTS, slot_from_legacy)):
        for name in await legacy_collections(db, pattern):
            client_id = _client_of(pattern, name)
            copied += await move_collection(db, name, partial(_into, target),
                                            partial(rewrite, client_id))
    return copied


def _into(target: str, _doc: Doc) -> str:
    return target


def _client_of(pattern: re.Pattern[str], name: str) -> str:
    match = pattern.fullmatch(name)
    assert match is not None  # legacy_collections returned only full matches
    return match["client"]
