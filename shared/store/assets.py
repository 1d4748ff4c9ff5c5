"""The assets repository: uploaded images' records (`assets`) and the slots capping their
number per subscription (`asset_slots`), each collection shared by every subscription.

An asset's `_id` is its id, random and 128 bits long, so unique across subscriptions; every
read by id also filters on the subscription, so no tenant reads another's record. A slot's
`_id` is `client:slot`, so taking one is a unique insert with exactly one winner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import ASSET_SLOTS, ASSETS
from shared.store.unique import insert_unique

OLDEST_FIRST = [("createdAt", 1), ("_id", 1)]  # the index by_subscription, walked backwards


@dataclass(frozen=True)
class AssetRecord:
    """What is known of a stored image; its bytes live in S3 under `asset_key`."""

    asset_id: str
    subscription: str
    kind: str
    width: int
    height: int
    sha256: str
    size_bytes: int
    created_at_ms: int
    slot: int | None = None  # releases before the slots kept none


@dataclass(frozen=True)
class AssetSlot:
    """One of a subscription's `limit` places for an asset, held by `asset_id`."""

    client_id: str
    slot: int
    asset_id: str
    taken_at_ms: int


def asset_doc(record: AssetRecord) -> Doc:
    doc: Doc = {"_id": record.asset_id, "subscription": record.subscription,
                "kind": record.kind, "width": record.width, "height": record.height,
                "sha256": record.sha256, "sizeBytes": record.size_bytes,
                "createdAt": record.created_at_ms}
    if record.slot is not None:
        doc["slot"] = record.slot
    return doc


def asset_record(doc: Doc) -> AssetRecord:
    return AssetRecord(doc["_id"], doc["subscription"], doc["kind"], doc["width"],
                       doc["height"], doc["sha256"], doc["sizeBytes"], doc["createdAt"],
                       doc.get("slot"))


def slot_id(client_id: str, slot: int) -> str:
    return f"{client_id}:{slot}"


def slot_doc(slot: AssetSlot) -> Doc:
    return {"_id": slot_id(slot.client_id, slot.slot), "client": slot.client_id,
            "slot": slot.slot, "assetId": slot.asset_id, "takenAt": slot.taken_at_ms}


def slot_record(doc: Doc) -> AssetSlot:
    return AssetSlot(doc["client"], doc["slot"], doc["assetId"], doc["takenAt"])


async def insert_asset(db: Database, record: AssetRecord) -> None:
    with store_errors():
        await db[ASSETS].insert_one(asset_doc(record))


async def find_asset(db: Database, client_id: str, asset_id: str) -> AssetRecord | None:
    """The subscription's asset of that id; None for an unknown one or another tenant's
    (read by `_id` alone, the subscription compared here)."""
    with store_errors():
        doc = await db[ASSETS].find_one({"_id": asset_id})
    return None if doc is None or doc["subscription"] != client_id else asset_record(doc)


async def delete_asset(db: Database, client_id: str, asset_id: str) -> bool:
    """Forget the subscription's asset record; False when it had none of that id. Ids are
    never reused, so the record found is the one deleted."""
    if await find_asset(db, client_id, asset_id) is None:
        return False
    with store_errors():
        result = await db[ASSETS].delete_one({"_id": asset_id})
    return bool(result.deleted_count)


async def list_assets(db: Database, client_id: str, after: tuple[int, str] | None,
                      limit: int) -> list[AssetRecord]:
    """Up to `limit` of the subscription's assets, oldest first, after (createdAt, id)."""
    query: dict[str, Any] = {"subscription": client_id}
    if after is not None:
        created_ms, asset_id = after
        query["$or"] = [{"createdAt": {"$gt": created_ms}},
                        {"createdAt": created_ms, "_id": {"$gt": asset_id}}]
    with store_errors():
        docs = await db[ASSETS].find(query).sort(OLDEST_FIRST).limit(limit).to_list()
    return [asset_record(doc) for doc in docs]


async def existing_assets(db: Database, client_id: str, asset_ids: list[str]) -> set[str]:
    """Which of `asset_ids` the subscription has a record of."""
    with store_errors():
        return {doc["_id"] async for doc in db[ASSETS].find(
            {"_id": {"$in": asset_ids}}, {"subscription": 1})
            if doc["subscription"] == client_id}


async def slots_of(db: Database, client_id: str) -> list[AssetSlot]:
    """The subscription's taken slots (at most its asset limit)."""
    with store_errors():
        docs = await db[ASSET_SLOTS].find({"client": client_id}).to_list()
    return [slot_record(doc) for doc in docs]


async def take_slot(db: Database, slot: AssetSlot) -> bool:
    """True if this call took the slot (a unique insert), False if it was already taken."""
    return await insert_unique(db[ASSET_SLOTS], slot_doc(slot))


async def free_slots(db: Database, client_id: str, slots: list[int]) -> None:
    ids = [slot_id(client_id, slot) for slot in slots]
    with store_errors():
        await db[ASSET_SLOTS].delete_many({"_id": {"$in": ids}})


async def free_slot_of(db: Database, asset_id: str) -> None:
    """Give back the slot the asset held (asset ids are unique across subscriptions)."""
    with store_errors():
        await db[ASSET_SLOTS].delete_one({"assetId": asset_id})
