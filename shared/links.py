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
from shared.store.client import Database, Doc
from shared.store.links import (
    RecordFilter,
    Uid,
    insert_link_docs,
    link_by_code,
    links_by_code,
    record_page,
    set_link_fields,
    uid_page,
)


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
    existing = await insert_link_docs(db, shard, docs)
    for doc in docs:
        if doc["_id"] not in existing:
            continue
        stored = existing[doc["_id"]]
        if stored is None or not stored.same_row(Link.from_doc(doc)):
            raise RuntimeError(f"short code collision on {doc['_id']}")


async def find_link(db: Database, code: str) -> Link | None:
    """The link document for a code, reading only its shard."""
    shard = shard_of_code(code)
    return None if shard is None else await link_by_code(db, shard, code)


async def find_links(db: Database, shard: int, codes: list[str]) -> dict[str, Link]:
    """The links of one shard that exist among `codes`, by code."""
    return await links_by_code(db, shard, codes)


async def update_link(db: Database, link: Link, fields: Doc) -> Link:
    """Set stored fields of one link (a PATCH); returns the link as it now reads."""
    await set_link_fields(db, shard_of_code(link.code) or 0, link.code, fields)
    return link.updated(fields)


def bulk_shards(bulk_id: str, chunks: int, shards: int) -> list[int]:
    """The link shards a bulk's chunks wrote to: the only collections its links live in."""
    return sorted({shard_for_chunk(bulk_id, chunk, shards) for chunk in range(max(chunks, 1))})


def order_records(order: Order, uids: tuple[str | int, ...] | None = None,
                  pattern: str | None = None) -> RecordFilter:
    """The filter naming a bulk order's QR records (optionally by uid or a search)."""
    return RecordFilter(order.bulk_id, order.subscription, uids, pattern)


async def bulk_record_pages(db: Database, order: Order, shards: int,
                            page_size: int) -> AsyncIterator[list[Link]]:
    """Every QR record of a bulk order, a page of one shard at a time."""
    wanted = order_records(order)
    for shard in bulk_shards(order.bulk_id, order.chunks, shards):
        after_row = -1
        while page := await record_page(db, shard, wanted, after_row, page_size):
            yield page
            if len(page) < page_size:  # the shard's last page: spare it one more scan
                break
            after_row = page[-1].row


async def bulk_uid_pages(db: Database, order: Order, shards: int,
                         page_size: int) -> AsyncIterator[list[Uid]]:
    """The uids of a bulk order's QR records, a page of one shard at a time: only `uid` and
    `row` are read, so a page of `page_size` holds no more than that many short values."""
    wanted = order_records(order)
    for shard in bulk_shards(order.bulk_id, order.chunks, shards):
        after_row = -1
        while page := await uid_page(db, shard, wanted, after_row, page_size):
            yield [uid for _, uid in page]
            if len(page) < page_size:
                break
            after_row = page[-1][0]


def short_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/r/{code}"
