"""Every query on the overlay shards (`overlays_tNN`): a batch's bulk link changes.

A batch's overlays live in the shard `shard_of(bulkId)` names, beside other batches'
(DESIGN §11), read by `bulkId` (the layout's index) and written with unique inserts.
"""

from __future__ import annotations

from shared.overlays import SKIPPED, Overlay
from shared.store.client import Database
from shared.store.errors import store_errors
from shared.store.layout import overlays_collection
from shared.store.unique import insert_many_unique


async def find_overlays(db: Database, bulk_id: str) -> list[Overlay]:
    """A batch's overlays, oldest first; a document that holds none is skipped (reported)."""
    overlays: list[Overlay] = []
    with store_errors():
        docs = [doc async for doc in db[overlays_collection(bulk_id)].find({"bulkId": bulk_id})]
    for doc in docs:
        try:
            overlays.append(Overlay.from_doc(doc))
        except ValueError as exc:
            SKIPPED.report(bulk_id, str(doc.get("_id")), f"unreadable: {exc}")
    return sorted(overlays, key=lambda o: o.at_ms)


async def insert_overlays(db: Database, bulk_id: str, overlays: list[Overlay]) -> None:
    """Store a bulk change's overlays (`shared.overlays.new_overlays`); a retry of the same
    ones inserts nothing twice."""
    await insert_many_unique(db[overlays_collection(bulk_id)],
                             [overlay.to_doc(bulk_id) for overlay in overlays])
