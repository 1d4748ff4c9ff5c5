"""Every query on the link shards (`links_NNNN`): a dynamic QR's record and its source links.

A link's `_id` is its short code, whose first two characters name its shard, so a cold
lookup reads one shard. A batch's records are read in row order by `bulkId` (and `uid`),
which the layout's link indexes lead with. Writes take the stored form `Link.to_doc()`
makes; reads give typed `Link`s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.linkdoc import Link
from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import links_collection
from shared.store.unique import insert_many_unique

Uid = str | int | None


@dataclass(frozen=True)
class RecordFilter:
    """Which QR records (never source links) of one batch a page holds.

    `uids`: only records with one of these uids; `pattern`: only records whose uid or
    stored destination matches this regular expression, case aside. A batch belongs to one
    subscription, so the store is asked by `bulkId` alone (the index's prefix) and
    `subscription` is checked on what it answers."""

    bulk_id: str
    subscription: str
    uids: tuple[str | int, ...] | None = None
    pattern: str | None = None

    def query(self, after_row: int) -> Doc:
        query: Doc = {"bulkId": self.bulk_id, "row": {"$gt": after_row},
                      "parent": {"$exists": False}}
        if self.uids is not None:
            query["uid"] = {"$in": list(self.uids)}
        if self.pattern is not None:
            regex = {"$regex": self.pattern, "$options": "i"}
            query["$or"] = [{"uid": regex}, {"destination": regex}]
        return query


async def insert_link_docs(db: Database, shard: int, docs: list[Doc]
                           ) -> dict[str, Link | None]:
    """Insert the documents (`Link.to_doc()`'s form) that are new; returns, by code, the
    stored link of each code that existed already (a redelivery's, or a collision)."""
    created = await insert_many_unique(db[links_collection(shard)], docs)
    existing = [doc["_id"] for doc in docs if doc["_id"] not in created]
    found = await links_by_code(db, shard, existing) if existing else {}
    return {code: found.get(code) for code in existing}


async def link_by_code(db: Database, shard: int, code: str) -> Link | None:
    """One `_id` lookup in one shard."""
    with store_errors():
        doc = await db[links_collection(shard)].find_one({"_id": code})
    return None if doc is None else Link.from_doc(doc)


async def links_by_code(db: Database, shard: int, codes: Sequence[str]) -> dict[str, Link]:
    """The links of one shard that exist among `codes`, by code."""
    with store_errors():
        found = [doc async for doc in db[links_collection(shard)].find(
            {"_id": {"$in": list(codes)}})]
    return {doc["_id"]: Link.from_doc(doc) for doc in found}


async def set_link_fields(db: Database, shard: int, code: str, fields: Mapping[str, Any]
                          ) -> None:
    """`$set` stored fields of one link (a PATCH), by `_id`."""
    with store_errors():
        await db[links_collection(shard)].update_one({"_id": code}, {"$set": dict(fields)})


async def record_page(db: Database, shard: int, wanted: RecordFilter, after_row: int,
                      limit: int) -> list[Link]:
    """Up to `limit` records of one shard that `wanted` names, by row after `after_row`."""
    with store_errors():
        found = db[links_collection(shard)].find(wanted.query(after_row)).sort(
            "row", 1).limit(limit)
        links = [Link.from_doc(doc) async for doc in found]
    return [link for link in links if link.subscription == wanted.subscription]


async def uid_page(db: Database, shard: int, wanted: RecordFilter, after_row: int,
                   limit: int) -> list[tuple[int, Uid]]:
    """(row, uid) of up to `limit` records of one shard, by row after `after_row`: only
    those two fields are read."""
    with store_errors():
        found = db[links_collection(shard)].find(
            wanted.query(after_row), {"_id": 0, "uid": 1, "row": 1, "subscription": 1}
        ).sort("row", 1).limit(limit)
        docs = [doc async for doc in found]
    return [(int(doc["row"]), doc.get("uid")) for doc in docs
            if doc.get("subscription") == wanted.subscription]
