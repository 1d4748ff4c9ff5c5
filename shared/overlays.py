"""Bulk changes to a batch's links, stored as a few overlay documents, not one write per link.

FerretDB v1 updates a link by scanning its shard, so re-pointing 100,000 codes one
document at a time takes hours. A bulk change is instead written once, to the batch's
own small overlay collection: the change (a destination template, an expiry, disabled)
and the uids it covers (all of the batch when none are named), stamped with the time it
was made. Whoever reads a link applies its batch's overlays on top of the stored document.

A single-code PATCH stamps each field it sets (`editedAt`), so per field the newer of the
PATCH and the overlay wins, whichever came first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared.linkdoc import Link
from shared.mongo import Database, Doc, insert_many_unique
from shared.rows.payloads import encode_url

UIDS_PER_DOCUMENT = 5_000  # keeps an overlay document far below the 16 MB limit
FIELDS = ("destination", "expiryMs", "disabled")


def overlays_collection(bulk_id: str) -> str:
    """A batch's bulk changes, beside nothing else, so reading them scans only them."""
    return f"overlays_{bulk_id}"


def fill_template(template: str, uid: str | int | None) -> str:
    """The destination `template` with `{uid}` replaced by the code's uid, URL-quoted."""
    return template.replace("{uid}", quote(str(uid), safe=""))


@dataclass(frozen=True)
class Overlay:
    """One bulk change: `changes` holds stored fields (`destination` as a template)."""

    at_ms: int
    changes: Mapping[str, Any]
    uids: frozenset[str | int] | None = None  # None: every code of the batch

    def covers(self, uid: str | int | None) -> bool:
        return self.uids is None or (uid is not None and uid in self.uids)

    @classmethod
    def from_doc(cls, doc: Doc) -> Overlay:
        uids = doc.get("uids")
        return cls(int(doc["at"]), dict(doc["changes"]),
                   None if uids is None else frozenset(uids))


def apply_overlays(link: Link, overlays: Iterable[Overlay]) -> Link:
    """The link as its readers see it: each overlay newer than the field's last PATCH."""
    if link.is_source:
        return link
    fields: Doc = {}
    for overlay in overlays:
        if not overlay.covers(link.uid):
            continue
        for name, value in overlay.changes.items():
            if overlay.at_ms > link.edited_at_ms.get(name, -1):
                fields[name] = (encode_url(fill_template(value, link.uid))
                                if name == "destination" else value)
    return link.updated(fields) if fields else link


async def find_overlays(db: Database, bulk_id: str) -> list[Overlay]:
    """A batch's overlays, oldest first."""
    found = db[overlays_collection(bulk_id)].find({})
    return sorted([Overlay.from_doc(doc) async for doc in found], key=lambda o: o.at_ms)


async def add_overlay(db: Database, bulk_id: str, changes: Mapping[str, Any],
                      uids: list[str | int] | None, now_ms: int | None = None) -> Overlay:
    """Record a bulk change (in several documents when many uids are named)."""
    at_ms = int(time.time() * 1000) if now_ms is None else now_ms
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"overlays change only {FIELDS}, not {sorted(unknown)}")
    parts: list[list[str | int] | None] = (
        [None] if uids is None
        else [uids[i:i + UIDS_PER_DOCUMENT] for i in range(0, len(uids), UIDS_PER_DOCUMENT)])
    token = f"{at_ms:015d}-{time.perf_counter_ns() % 10**9:09d}"
    docs = [{"_id": f"{token}:{n}", "at": at_ms, "changes": dict(changes), "uids": part}
            for n, part in enumerate(parts)]
    await insert_many_unique(db[overlays_collection(bulk_id)], docs)
    return Overlay(at_ms, dict(changes), None if uids is None else frozenset(uids))
