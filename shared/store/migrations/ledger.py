"""Migration step: the quota ledger, charge records and batch progress into their tNN shards.

Before DESIGN §11 each subscription had `quota_<client>` (`_id` the slot number, the same
numbers in every subscription) and each running batch `charges_<bulk>` (`_id`
`charge:{chunk}`) and `progress_<bulk>` (`done:{chunk}`, `next:{bulk}:{chunk}`, and in
builds before the charges had their own collection, `charge:{chunk}`). In the shards the
`_id`s carry their owner (`{client}:{slot:010d}`, `{bulk}:{chunk}`, `{bulk}:{kind}:{chunk}`)
and the documents gain the owner's field. `running` keeps its layout and is not touched.
"""

from __future__ import annotations

import re
from functools import partial

from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.layout import charges_collection, progress_collection, quota_collection
from shared.store.migrate import legacy_collections, move_collection
from shared.store.progress import progress_id
from shared.store.quota import charge_id, slot_id

LEGACY_QUOTA = re.compile(r"quota_(?!t\d{2}$)(?P<owner>.+)")  # not the new shards
LEGACY_CHARGES = re.compile(r"charges_(?!t\d{2}$)(?P<owner>.+)")
LEGACY_PROGRESS = re.compile(r"progress_(?!t\d{2}$)(?P<owner>.+)")
CHARGE = "charge"


async def migrate_ledger(db: Database, settings: Settings) -> int:
    """Move every legacy slot, charge record and progress document; returns how many this
    run copied (0 when run again)."""
    del settings  # the tenant shards do not depend on it
    copied = 0
    for name, client_id in await _legacy(db, LEGACY_QUOTA):
        copied += await move_collection(db, name, partial(_fixed, quota_collection(client_id)),
                                        partial(slot_from_legacy, client_id))
    for name, bulk_id in await _legacy(db, LEGACY_CHARGES):
        copied += await move_collection(db, name, partial(_fixed, charges_collection(bulk_id)),
                                        partial(charge_from_legacy, bulk_id))
    for name, bulk_id in await _legacy(db, LEGACY_PROGRESS):
        copied += await move_collection(db, name, _progress_target,
                                        partial(progress_from_legacy, bulk_id))
    return copied


async def _legacy(db: Database, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """The legacy collections matching `pattern`, each with the owner its name carries."""
    names = await legacy_collections(db, pattern)
    return [(name, found["owner"]) for name in names if (found := pattern.fullmatch(name))]


def _fixed(name: str, _doc: Doc) -> str:
    return name


def slot_from_legacy(client_id: str, doc: Doc) -> Doc:
    slot = int(doc["_id"])
    return {**doc, "_id": slot_id(client_id, slot)}


def charge_from_legacy(bulk_id: str, doc: Doc) -> Doc:
    chunk = int(doc.get("chunk", _chunk_of(doc)))
    return {**doc, "_id": charge_id(bulk_id, chunk), "bulkId": bulk_id, "chunk": chunk}


def progress_from_legacy(bulk_id: str, doc: Doc) -> Doc:
    """A completion or claim keyed by its batch; an old build's charge record becomes one
    of the charges' documents."""
    kind = str(doc.get("kind") or str(doc["_id"]).partition(":")[0])
    if kind == CHARGE:
        return charge_from_legacy(bulk_id, doc)
    chunk = int(doc.get("chunk", _chunk_of(doc)))
    return {**doc, "_id": progress_id(bulk_id, kind, chunk), "bulkId": bulk_id, "kind": kind,
            "chunk": chunk}


def _progress_target(doc: Doc) -> str:
    if doc["_id"] == charge_id(doc["bulkId"], doc["chunk"]):
        return charges_collection(doc["bulkId"])
    return progress_collection(doc["bulkId"])


def _chunk_of(doc: Doc) -> int:
    """The chunk a legacy `_id` ends with (`done:3`, `next:bulk_x:3`, `charge:3`)."""
    return int(str(doc["_id"]).rpartition(":")[2])
