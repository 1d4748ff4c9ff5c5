"""Migrate the ephemeral documents: idempotency keys into `idempotency_tNN`, times into datetimes.

Before DESIGN §11 each subscription had `idempotency_<client>`, keyed by the bare key, and
`expiresAt` (like `takenAt`) was a number of Unix seconds in `rate_limits` and `claims`,
where archive claims had no expiry at all. TTL indexes and the sweeper compare datetimes,
so a number would never expire: numbers still in their window become datetimes, numbers
past it are deleted (the sweeper's job, done at once), and archive claims get
ARCHIVE_KEEP_S from now. Both steps are idempotent: a second run finds nothing to do.
"""

from __future__ import annotations

import functools
import re
import time

from shared.claimdoc import ARCHIVE_KEEP_S
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.idempotency import record_id
from shared.store.layout import CLAIMS, RATE_LIMITS, idempotency_collection
from shared.store.migrate import legacy_collections, move_collection
from shared.store.sweep import as_datetime, seconds_of

LEGACY_KEYS = re.compile(r"idempotency_(?!t\d{2}$).+")  # not the new shards
NUMBER = {"$type": "number"}


async def migrate_idempotency(db: Database, settings: Settings) -> int:
    """Move every `idempotency_<client>` into its shard, `_id` `{client}:{key}`; how many."""
    copied = 0
    for name in await legacy_collections(db, LEGACY_KEYS):
        client_id = name.removeprefix("idempotency_")
        copied += await move_collection(db, name, functools.partial(_shard, client_id),
                                        functools.partial(_key_record, client_id))
    return copied


def _shard(client_id: str, _doc: Doc) -> str:
    return idempotency_collection(client_id)


def _key_record(client_id: str, doc: Doc) -> Doc:
    return {**doc, "_id": record_id(client_id, str(doc["_id"])),
            "expiresAt": as_datetime(seconds_of(doc["expiresAt"]))}


async def migrate_expiry_dates(db: Database, settings: Settings) -> int:
    """Numeric times in `rate_limits` and `claims` become datetimes (or go, if expired), and
    archive claims get an expiry; how many documents changed."""
    now_s = time.time()
    changed = 0
    with store_errors():
        for name in (RATE_LIMITS, CLAIMS):
            expired = await db[name].delete_many({"expiresAt": {**NUMBER, "$lte": now_s}})
            changed += expired.deleted_count
            changed += await _dates(db, name, "expiresAt")
        changed += await _dates(db, RATE_LIMITS, "takenAt")
        kept = await db[CLAIMS].update_many(
            {"_id": {"$regex": "^archive:"}, "expiresAt": {"$exists": False}},
            {"$set": {"expiresAt": as_datetime(now_s + ARCHIVE_KEEP_S)}})
    return changed + kept.modified_count


async def _dates(db: Database, name: str, field: str) -> int:
    """Rewrite the numbers left in `field` as datetimes, one document at a time (after the
    deletion above only live slots and claims are left: a few per subscription)."""
    changed = 0
    for doc in await db[name].find({field: NUMBER}, {field: 1}).to_list():
        result = await db[name].update_one({"_id": doc["_id"], field: doc[field]},
                                           {"$set": {field: as_datetime(doc[field])}})
        changed += result.modified_count
    return changed
