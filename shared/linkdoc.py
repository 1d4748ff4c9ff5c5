"""The typed link document: a dynamic QR's record or one of its source links, read from and
written to the shard collections only through `Link.from_doc` and `Link.to_doc`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.store.client import Doc


@dataclass(frozen=True)
class SourceRef:
    """One named source of a QR record, and the short code that counts its scans."""

    source: str
    code: str


@dataclass(frozen=True)
class Link:
    """A link document. A record has a destination; a source link names its `parent`
    record instead and follows that record's destination, expiry and passwords."""

    code: str
    subscription: str
    bulk_id: str
    row: int
    created_at_ms: int
    uid: str | int | None = None
    destination: str | None = None
    expiry_ms: int | None = None
    password_hashes: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    parent: str | None = None
    source: str | None = None
    scans: int = 0  # counted here by older builds, now frozen; see shared/scantotals.py
    last_scan_at_ms: int | None = None
    max_scans: int | None = None
    disabled: bool = False
    edited_at_ms: Mapping[str, int] = field(default_factory=dict)  # stored field → PATCH time

    @classmethod
    def from_doc(cls, doc: Doc) -> Link:
        return cls(
            code=doc["_id"], subscription=doc["subscription"], bulk_id=doc["bulkId"],
            row=int(doc["row"]), created_at_ms=int(doc["createdAt"]), uid=doc.get("uid"),
            destination=doc.get("destination"), expiry_ms=_int_or_none(doc.get("expiryMs")),
            password_hashes=tuple(doc.get("passwordHashes", ())),
            sources=tuple(SourceRef(s["source"], s["code"]) for s in doc.get("sources", ())),
            parent=doc.get("parent"), source=doc.get("source"), scans=int(doc.get("scans", 0)),
            last_scan_at_ms=_int_or_none(doc.get("lastScanAt")),
            max_scans=_int_or_none(doc.get("maxScans")), disabled=bool(doc.get("disabled")),
            edited_at_ms={k: int(v) for k, v in doc.get("editedAt", {}).items()},
        )

    def to_doc(self) -> Doc:
        """The stored form. Empty optional fields are left out: every field costs FerretDB
        time on each of a batch's inserts."""
        doc: Doc = {"_id": self.code}
        if self.is_source:
            doc |= {"parent": self.parent, "source": self.source}
        doc |= {"subscription": self.subscription, "bulkId": self.bulk_id, "row": self.row}
        if not self.is_source:
            doc |= {"uid": self.uid, "destination": self.destination}
        doc["createdAt"] = self.created_at_ms
        optional: dict[str, Any] = {
            "expiryMs": self.expiry_ms,
            "passwordHashes": list(self.password_hashes) or None,
            "sources": [{"source": s.source, "code": s.code} for s in self.sources] or None,
            "scans": self.scans or None, "lastScanAt": self.last_scan_at_ms,
            "maxScans": self.max_scans, "disabled": self.disabled or None,
            "editedAt": dict(self.edited_at_ms) or None,
        }
        return doc | {key: value for key, value in optional.items() if value is not None}

    @property
    def is_source(self) -> bool:
        return self.parent is not None

    @property
    def is_secured(self) -> bool:
        return bool(self.password_hashes)

    @property
    def location(self) -> str:
        """Where a scan of this record goes; a source link resolves to its parent first."""
        if self.destination is None:
            raise LookupError(f"link {self.code} has no destination of its own")
        return self.destination

    @property
    def codes(self) -> list[str]:
        """This link's code and those of its sources: what a change must invalidate."""
        return [self.code, *(s.code for s in self.sources)]

    def is_expired(self, now_ms: float) -> bool:
        return self.expiry_ms is not None and self.expiry_ms <= now_ms

    def is_used_up(self, scans: int) -> bool:
        """Disabled, or scanned `maxScans` times already (`scans` counts all its links)."""
        return self.disabled or (self.max_scans is not None and scans >= self.max_scans)

    def is_record_of(self, client_id: str) -> bool:
        """True for a QR record (not a source link) that belongs to this subscription."""
        return not self.is_source and self.subscription == client_id

    def same_row(self, other: Link) -> bool:
        return (self.bulk_id, self.row) == (other.bulk_id, other.row)

    def updated(self, fields: Doc) -> Link:
        """This link after a `$set` of these stored fields."""
        return Link.from_doc(self.to_doc() | fields)

def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
