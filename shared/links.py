"""Dynamic QR records (short links), kept in shard collections named by the code's prefix.

A code is `{shard:2}{body:7}` in base 62. FerretDB scans a collection for every query,
so a cold lookup reads one shard, never all links. Codes are derived from
(bulkId, row[, source]) with an HMAC, so a redelivered chunk recreates the same codes and
its inserts collide with the first delivery's instead of making duplicates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from shared.ids import derive_code, shard_of_code
from shared.mongo import Database, Doc, insert_many_unique, links_collection


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
                   password_hashes: list[str], now_ms: int) -> list[Doc]:
    """The QR record and one document per source link.

    Optional fields are left out when empty, and scan counters appear with the first
    scan: every field costs FerretDB time on each of the bulk's inserts.
    """
    main: Doc = {"_id": codes.code, "subscription": subscription, "bulkId": bulk_id,
                 "row": row, "uid": uid, "destination": destination, "createdAt": now_ms}
    if expiry_ms is not None:
        main["expiryMs"] = expiry_ms
    if password_hashes:
        main["passwordHashes"] = password_hashes
    if codes.source_codes:
        main["sources"] = [{"source": name, "code": code} for name, code in codes.source_codes]
    children: list[Doc] = [
        {"_id": code, "parent": codes.code, "source": name, "subscription": subscription,
         "bulkId": bulk_id, "row": row, "createdAt": now_ms}
        for name, code in codes.source_codes
    ]
    return [main, *children]


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
    ids = [doc["_id"] for doc in existing]
    found = {d["_id"]: d async for d in collection.find({"_id": {"$in": ids}})}
    for doc in existing:
        stored = found.get(doc["_id"], {})
        if (stored.get("bulkId"), stored.get("row")) != (doc["bulkId"], doc["row"]):
            raise RuntimeError(f"short code collision on {doc['_id']}")


async def find_link(db: Database, code: str) -> Doc | None:
    """The link document for a code, reading only its shard."""
    shard = shard_of_code(code)
    if shard is None:
        return None
    return await db[links_collection(shard)].find_one({"_id": code})


def short_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/r/{code}"


def public_fields(doc: Doc) -> dict[str, Any]:
    return {key: doc[key] for key in ("destination", "expiryMs") if key in doc}
