"""Unique inserts: the one write with exactly one winner on MongoDB and FerretDB alike."""

from __future__ import annotations

from typing import Any

from shared.errors import AlreadyExists
from shared.store.client import Collection, Doc
from shared.store.errors import failed_indexes, store_errors


async def insert_unique(collection: Collection, doc: Doc) -> bool:
    """Insert `doc`; True if this call created it, False if its `_id` already existed.

    Every exactly-once decision (DESIGN §4) goes through here or `insert_many_unique`.
    """
    try:
        with store_errors():
            await collection.insert_one(doc)
    except AlreadyExists:
        return False
    return True


async def insert_many_unique(collection: Collection, docs: list[Doc]) -> set[Any]:
    """Insert what is new among `docs` (unordered); returns the `_id`s this call created."""
    if not docs:
        return set()
    try:
        with store_errors():
            await collection.insert_many(docs, ordered=False)
    except AlreadyExists as exc:
        failed = failed_indexes(exc.__cause__) if exc.__cause__ else set()
        if not failed:  # insert_many reports duplicates in bulk; anything else is a bug
            raise
        return {doc["_id"] for i, doc in enumerate(docs) if i not in failed}
    return {doc["_id"] for doc in docs}
