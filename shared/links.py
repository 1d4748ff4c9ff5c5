"""Dynamic QR records (short links), kept in shard collections named by the code's prefix.

A code is `{shard:2}{body:7}` in base 62. FerretDB scans a collection for every query,
so a cold lookup reads one shard, never all links. Codes are derived from
(bulkId, row[, source]) with an HMAC, so a redelivered chunk recreates the same codes and
its inserts collide with the first delivery's instead of making duplicates.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from shared.ids import derive_code, shard_of_code
from shared.linkdoc import Link, SourceRef
from shared.orderdoc import Order
from shared.store import Database, Doc, insert_many_unique, links_collection


@dataclass(frozen=True)
class LinkCodes:
    code: str
    source_codes: tuple[tuple[str, str], ...]  # (source name, code)


def shard_for_chunk(bulk_id: str, chunk: int, shards: int) -> int:
    """All links of one chunk share a shard, so the chunk writes them with one insert."""
    digest = hashlib.blake2b(f"{bulk_id}:{chunk}".encode(), digest_size=4).digest()
    return int.from_bytes(digest) % shards


def codes_for_row(secret: bytes, shard: int, bulk_id: str, row: int,
                  sources: tuple[str, ...]) -> LinkCodes:
    return LinkCodes(
        derive_code(secret, shard, bulk_id, row),
        tuple((name, derive_code(secret, shard, bulk_id, row, "source", name))
              for name in sources),
    )


def link_documents(codes: LinkCodes, *, subscription: str, bulk_id: str, row: int,
                   uid: str | int | None, destination: str, expiry_ms: int | None,
                   password_hashes: list[str], now_ms: int,
                   max_scans: int | None = None) -> list[Doc]:
    """The QR record and one document per source link (their scans are counted apart, in
    shared/scantotals.py)."""
    record = Link(codes.code, subscription, bulk_id, row, now_ms, uid=uid,
                  destination=destination, expiry_ms=expiry_ms,
                  password_hashes=tuple(password_hashes), max_scans=max_scans,
                  sources=tuple(SourceRef(name, code) for name, code in codes.source_codes))
    children = [Link(code, subscription, bulk_id, row, now_ms, parent=codes.code, source=name)
                for name, code in codes.source_codes]
    return [link.to_doc() for link in [record, *children]]


async def insert_links(db: Database, shard: int, docs: list[Doc]) -> None:
    """Insert the documents; those a previous delivery made already are left as they are.

    An existing code that belongs to another (bulkId, row) would be a hash collision;
    it is refused loudly rather than merged.
    """
    collection = db[links_collection(shard)]
    created = await insert_many_unique(collection, docs)
    existing = [doc for doc in docs if doc["_id"] not in created]
    if not existing:
        return
    found = await find_links(db, shard, [doc["_id"] for doc in existing])
    for doc in existing:
        stored = found.get(doc["_id"])
        if stored is None or not stored.same_row(Link.from_doc(doc)):
            raise RuntimeError(f"short code collision on {doc['_id']}")


async def find_link(db: Database, code: str) -> Link | None:
    """The link document for a code, reading only its shard."""
    shard = shard_of_code(code)
    if shard is None:
        return None
    doc = await db[links_collection(shard)].find_one({"_id": code})
    return None if doc is None else Link.from_doc(doc)


async def find_links(db: Database, shard: int, codes: list[str]) -> dict[str, Link]:
    """The links of one shard that exist among `codes`, by code."""
    found = db[links_collection(shard)].find({"_id": {"$in": codes}})
    return {link.code: link async for link in (Link.from_doc(doc) async for doc in found)}


def bulk_shards(bulk_id: str, chunks: int, shards: int) -> list[int]:
    """The link shards a bulk's chunks wrote to: the only collections its links live in."""
    return sorted({shard_for_chunk(bulk_id, chunk, shards) for chunk in range(max(chunks, 1))})


async def find_records(db: Database, shard: int, query: Doc, after_row: int,
                       limit: int) -> list[Link]:
    """QR records (not source links) of one shard matching `query`, by row after `after_row`."""
    found = db[links_collection(shard)].find(
        query | {"parent": {"$exists": False}, "row": {"$gt": after_row}}
    ).sort("row", 1).limit(limit)
    return [Link.from_doc(doc) async for doc in found]


async def bulk_record_pages(db: Database, order: Order, shards: int, query: Doc,
                            page_size: int) -> AsyncIterator[list[Link]]:
    """Every QR record of a bulk order matching `query`, a page of one shard at a time."""
    query = query | {"bulkId": order.bulk_id, "subscription": order.subscription}
    for shard in bulk_shards(order.bulk_id, order.chunks, shards):
        after_row = -1
        while page := await find_records(db, shard, query, after_row, page_size):
            yield page
            if len(page) < page_size:  # the shard's last page: spare it one more scan
                break
            after_row = page[-1].row


async def bulk_uid_pages(db: Database, order: Order, shards: int,
                         page_size: int) -> AsyncIterator[list[str | int | None]]:
    """The uids of a bulk order's QR records, a page of one shard at a time: only `uid` and
    `row` are read, so a page of `page_size` holds no more than that many short values."""
    query = {"bulkId": order.bulk_id, "subscription": order.subscription,
             "parent": {"$exists": False}}
    for shard in bulk_shards(order.bulk_id, order.chunks, shards):
        after_row = -1
        while True:
            found = db[links_collection(shard)].find(
                query | {"row": {"$gt": after_row}}, {"_id": 0, "uid": 1, "row": 1}
            ).sort("row", 1).limit(page_size)
            docs = [doc async for doc in found]
            if docs:
                yield [doc.get("uid") for doc in docs]
            if len(docs) < page_size:
                break
            after_row = int(docs[-1]["row"])


def short_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/r/{code}"
