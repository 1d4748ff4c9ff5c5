"""Bulk changes are overlays on the real store: a later PATCH wins, a later bulk change wins
back, and every view of a code (redirect, record, listing, search, export) agrees."""

from __future__ import annotations

import uuid
from typing import Any

from shared.overlays import UIDS_PER_DOCUMENT, new_overlays
from shared.store.client import Database
from shared.store.layout import overlays_collection
from shared.store.overlays import find_overlays, insert_overlays
from tests.api import Api
from tests.integration.test_links import location, path_of
from tests.integration.test_links_bulk import update
from tests.integration.test_qr_listing import dynamic_bulk, listing


async def patch(api: Api, qr_id: str, body: dict[str, Any]) -> dict[str, Any]:
    async with api.http.patch(f"/api/qr/{qr_id}", json=body, headers=api.tenant.headers) as got:
        assert got.status == 200, await got.text()
        result: dict[str, Any] = await got.json()
        return result


async def test_patches_and_bulk_changes_take_turns_field_by_field(api: Api, db: Database) -> None:
    bulk_id, entries = await dynamic_bulk(api, 4)
    by_uid = {e["uid"]: e for e in entries}
    paths = {uid: path_of(e["url"]) for uid, e in by_uid.items()}
    status, done = await update(api, bulk_id, {"destination": "https://bulk.example/{uid}"})
    assert status == 200 and done["scope"] == "all" and int(str(done["appliedAt"])) > 0
    patched = await patch(api, by_uid["item-1"]["id"], {"destination": "https://patched.example/"})
    assert patched["destination"] == "https://patched.example/"
    assert (await location(api.http, paths["item-1"]))[1] == "https://patched.example/"
    assert (await location(api.http, paths["item-0"]))[1] == "https://bulk.example/item-0"

    async with api.http.get(f"/api/qr/{by_uid['item-2']['id']}",
                            headers=api.tenant.headers) as got:
        assert (await got.json())["destination"] == "https://bulk.example/item-2"
    async with api.http.get(f"/api/qr/bulk-generate/{bulk_id}/links",
                            headers=api.tenant.headers) as got:
        exported = {i["uid"]: i["destination"] for i in await got.json()}
    assert exported == {"item-0": "https://bulk.example/item-0",
                        "item-1": "https://patched.example/",
                        "item-2": "https://bulk.example/item-2",
                        "item-3": "https://bulk.example/item-3"}
    status, found = await listing(api, bulkId=bulk_id, q="bulk.example")
    assert status == 200 and sorted(i["uid"] for i in found["items"]) == [
        "item-0", "item-2", "item-3"]

    before = len(await find_overlays(db, bulk_id))
    status, dry = await update(api, bulk_id, {"disabled": True, "dryRun": True})
    assert status == 200 and dry["changed"] == 4
    assert len(await find_overlays(db, bulk_id)) == before  # a dry run writes nothing
    status, later = await update(api, bulk_id, {"uids": ["item-1"],
                                                "destination": "https://third.example/"})
    assert status == 200 and (later["scope"], later["uids"]) == ("uids", 1)
    assert (await location(api.http, paths["item-1"]))[1] == "https://third.example/"
    await patch(api, by_uid["item-3"]["id"], {"disabled": True})
    assert (await location(api.http, paths["item-3"]))[0] == 410
    status, on = await update(api, bulk_id, {"disabled": False, "dryRun": True})
    assert status == 200 and (on["matched"], on["changed"]) == (4, 1)
    assert (await update(api, bulk_id, {"disabled": False}))[0] == 200
    assert [(await location(api.http, paths[f"item-{n}"]))[0] for n in range(4)] == [302] * 4


async def test_a_long_uid_list_is_split_and_read_back_whole(db: Database) -> None:
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    uids: list[str | int] = [f"sku-{n}" for n in range(2 * UIDS_PER_DOCUMENT + 7)] + [42]
    await insert_overlays(db, bulk_id, new_overlays({"disabled": True}, uids, at_ms=5_000))
    await insert_overlays(db, bulk_id, new_overlays({"expiryMs": None}, None, at_ms=4_000))
    read = await find_overlays(db, bulk_id)
    assert [o.at_ms for o in read] == [4_000, 5_000, 5_000, 5_000]
    assert read[0].uids is None
    assert frozenset().union(*(o.uids or () for o in read[1:])) == frozenset(uids)
    stored = db[overlays_collection(bulk_id)]
    assert await stored.count_documents({"bulkId": bulk_id}) == 4
    await stored.delete_many({"bulkId": bulk_id})


async def test_batches_sharing_a_shard_read_only_their_own_overlays(db: Database) -> None:
    """Overlays of many batches share one of the fixed shards; each reads back its own."""
    first = f"bulk_{uuid.uuid4().hex}"
    second = next(b for b in (f"bulk_{uuid.uuid4().hex}" for _ in range(1000))
                  if overlays_collection(b) == overlays_collection(first))
    same = new_overlays({"disabled": True}, ["a"], at_ms=7_000)  # one _id stem for both
    await insert_overlays(db, first, same)
    await insert_overlays(db, second, same)
    await insert_overlays(db, second, new_overlays({"expiryMs": 1}, None, at_ms=8_000))
    assert [(o.at_ms, o.uids) for o in await find_overlays(db, first)] == [
        (7_000, frozenset({"a"}))]
    assert [o.at_ms for o in await find_overlays(db, second)] == [7_000, 8_000]
    await db[overlays_collection(first)].delete_many({"bulkId": {"$in": [first, second]}})
