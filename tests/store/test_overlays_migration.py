"""`bulkqr admin migrate`'s overlays step: each batch's `overlays_<bulkId>` collection, as the
release before DESIGN §11 wrote it, moved into the overlay shards, losing nothing."""

from __future__ import annotations

import uuid
from typing import Any

from shared.ids import shard_of_code
from shared.linkdoc import Link
from shared.links import find_link
from shared.overlays import apply_overlays
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.layout import ensure_layout, links_collection, overlays_collection
from shared.store.links import RecordFilter, record_page
from shared.store.migrations.overlays import migrate_overlays, moved_overlay
from shared.store.overlays import find_overlays

TOKEN = "000001800000000-000000042"  # the old `{at_ms:015d}-{nanos:09d}` id stem


def legacy_name(bulk_id: str) -> str:
    """The old `shared.overlays.overlays_collection`."""
    return f"overlays_{bulk_id}"


def old_overlay(token: str, part: int, at_ms: int, changes: dict[str, Any],
                uids: list[str | int] | None) -> Doc:
    """A document exactly as the old `add_overlay` wrote it."""
    return {"_id": f"{token}:{part}", "at": at_ms, "changes": changes, "uids": uids}


def bulk_pair() -> tuple[str, str]:
    """Two batch ids whose overlays share one shard."""
    first = f"bulk_{uuid.uuid4().hex}"
    second = next(b for b in (f"bulk_{uuid.uuid4().hex}" for _ in range(1000))
                  if overlays_collection(b) == overlays_collection(first))
    return first, second


def record(bulk_id: str, row: int, uid: str | int) -> Link:
    return Link(f"00{uuid.uuid4().hex[:7]}", "sub", bulk_id, row, 1_000, uid=uid,
                destination=f"https://stored.example/{row}")


async def test_the_overlays_step_moves_every_overlay_once_and_drops_the_legacy_collections(
        db: Database, settings: Settings) -> None:
    await ensure_layout(db, settings)
    first, second = bulk_pair()
    legacy = {
        first: [old_overlay(TOKEN, 0, 1_800_000_000_000, {"disabled": True}, ["a", 7]),
                old_overlay(TOKEN, 1, 1_800_000_000_000, {"disabled": True}, ["b"]),
                old_overlay("000001800000005-000000001", 0, 1_800_000_000_005,
                            {"destination": "https://new.example/{uid}"}, None)],
        # the same ids as the first batch's: they must not collide in the shared shard
        second: [old_overlay(TOKEN, 0, 1_800_000_000_000, {"expiryMs": 5}, None),
                 old_overlay(TOKEN, 1, 1_800_000_000_000, {"expiryMs": None}, ["z"])],
    }
    for bulk_id, docs in legacy.items():
        await db[legacy_name(bulk_id)].insert_many([dict(doc) for doc in docs])
    # a run stopped after copying one overlay: the next run finishes the move
    await db[overlays_collection(first)].insert_one(moved_overlay(first, legacy[first][0]))

    assert await migrate_overlays(db, settings) == 5 - 1
    assert await migrate_overlays(db, settings) == 0
    names = set(await db.list_collection_names())
    assert not {legacy_name(first), legacy_name(second)} & names
    await reads_back(db, first, legacy[first])
    await reads_back(db, second, legacy[second])

    applied = {link.uid: apply_overlays(link, await find_overlays(db, first))
               for link in [record(first, 0, "a"), record(first, 1, 7), record(first, 2, "c")]}
    assert {uid: (link.disabled, link.destination) for uid, link in applied.items()} == {
        "a": (True, "https://new.example/a"), 7: (True, "https://new.example/7"),
        "c": (False, "https://new.example/c")}
    await db[overlays_collection(first)].delete_many({"bulkId": {"$in": [first, second]}})


async def reads_back(db: Database, bulk_id: str, docs: list[Doc]) -> None:
    """Every legacy overlay of the batch, and only those, with its time, changes and uids."""
    read = sorted(await find_overlays(db, bulk_id), key=lambda o: (o.at_ms, o.overlay_id))
    expected = sorted(docs, key=lambda doc: (doc["at"], doc["_id"]))
    assert [(o.overlay_id, o.at_ms, dict(o.changes), o.uids) for o in read] == [
        (doc["_id"], doc["at"], doc["changes"],
         None if doc["uids"] is None else frozenset(doc["uids"])) for doc in expected]
    stored = await db[overlays_collection(bulk_id)].find({"bulkId": bulk_id}).to_list()
    assert sorted(doc["_id"] for doc in stored) == sorted(f"{bulk_id}:{doc['_id']}"
                                                         for doc in docs)
    assert not [doc for doc in stored if isinstance(doc.get("uids"), list)]  # now text


async def test_the_shards_themselves_are_not_taken_for_legacy_collections(
        db: Database, settings: Settings) -> None:
    await ensure_layout(db, settings)
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    await db[overlays_collection(bulk_id)].insert_one(
        {"_id": f"{bulk_id}:x:0", "bulkId": bulk_id, "at": 1, "changes": {}, "uids": None})
    assert await migrate_overlays(db, settings) == 0
    assert overlays_collection(bulk_id) in set(await db.list_collection_names())
    assert [o.overlay_id for o in await find_overlays(db, bulk_id)] == ["x:0"]
    await db[overlays_collection(bulk_id)].delete_many({"bulkId": bulk_id})


async def test_links_stay_where_they_are_and_read_back_with_their_moved_overlays(
        db: Database, settings: Settings) -> None:
    """A record and its source link exactly as the old `Link.to_doc` stored them: the step
    leaves them in place; the new reads find them, and the record's moved overlay."""
    await ensure_layout(db, settings)
    bulk_id, code, source = f"bulk_{uuid.uuid4().hex}", f"07{uuid.uuid4().hex[:7]}", (
        f"07{uuid.uuid4().hex[:7]}")
    shard = shard_of_code(code)
    assert shard is not None
    old_record = {"_id": code, "subscription": "sub", "bulkId": bulk_id, "row": 3,
                  "uid": "sku-3", "destination": "https://stored.example/3",
                  "createdAt": 1_000, "sources": [{"source": "flyer", "code": source}],
                  "scans": 2, "editedAt": {"destination": 1_700_000_000_000}}
    old_source = {"_id": source, "parent": code, "source": "flyer", "subscription": "sub",
                  "bulkId": bulk_id, "row": 3, "createdAt": 1_000}
    await db[links_collection(shard)].insert_many([old_record, old_source])
    await db[legacy_name(bulk_id)].insert_one(old_overlay(
        TOKEN, 0, 1_800_000_000_000, {"destination": "https://moved.example/{uid}"}, None))
    assert await migrate_overlays(db, settings) == 1
    link = await find_link(db, code)
    assert link is not None and link.to_doc() == old_record
    assert (await find_link(db, source) or link).parent == code
    page = await record_page(db, shard, RecordFilter(bulk_id, "sub"), -1, 10)
    assert [found.code for found in page] == [code]
    assert apply_overlays(page[0], await find_overlays(db, bulk_id)).destination == (
        "https://moved.example/sku-3")
    assert await record_page(db, shard, RecordFilter(bulk_id, "other"), -1, 10) == []
