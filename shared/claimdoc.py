"""The typed claim document: who holds a one-winner job (`archive:` or `download:` a batch).

A claim is taken by a unique-index insert into `claims` (DESIGN.md §4): the insert that
creates `{kind}:{bulkId}` wins. The archive claim names the delivery that holds it; the
download claim names its gateway request and lapses after its TTL, in case that gateway
dies. Both carry `expiresAt` (a datetime), after which the store forgets them: the
download claim when it lapses, the archive claim ARCHIVE_KEEP_S after it was taken.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.keys import archive_claim, download_claim
from shared.store.client import Doc
from shared.store.sweep import as_datetime, seconds_of

ClaimKind = Literal["archive", "download"]
HOLDER_FIELD: dict[ClaimKind, str] = {"archive": "owner", "download": "token"}
ARCHIVE_KEEP_S = 7 * 24 * 3600.0  # far past any batch's assembly; a later redelivery finds
# the batch completed, so taking the claim again assembles nothing new


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    bulk_id: str
    holder: str
    expires_at_s: float | None = None

    @classmethod
    def archive(cls, bulk_id: str, owner: str, now_s: float | None = None) -> Claim:
        now_s = time.time() if now_s is None else now_s
        return cls("archive", bulk_id, owner, now_s + ARCHIVE_KEEP_S)

    @classmethod
    def download(cls, bulk_id: str, token: str, now_s: float, ttl_s: float) -> Claim:
        return cls("download", bulk_id, token, now_s + ttl_s)

    @classmethod
    def from_doc(cls, doc: Doc) -> Claim:
        kind, _, bulk_id = str(doc["_id"]).partition(":")
        if kind not in HOLDER_FIELD or not bulk_id:
            raise ValueError(f"not a claim id: {doc['_id']!r}")
        claim_kind: ClaimKind = "archive" if kind == "archive" else "download"
        # A download claim without its expiry is treated as expired, as gateway/download.py does.
        expires: datetime | float | None = doc.get(
            "expiresAt", 0.0 if claim_kind == "download" else None)
        return cls(claim_kind, bulk_id, str(doc.get(HOLDER_FIELD[claim_kind], "")),
                   None if expires is None else seconds_of(expires))

    @property
    def claim_id(self) -> str:
        return archive_claim(self.bulk_id) if self.kind == "archive" else download_claim(
            self.bulk_id)

    def held_filter(self) -> Doc:
        """Matches this claim only while this holder still has it (to release it)."""
        return {"_id": self.claim_id, HOLDER_FIELD[self.kind]: self.holder}

    def to_doc(self) -> Doc:
        doc: Doc = {"_id": self.claim_id, HOLDER_FIELD[self.kind]: self.holder}
        if self.expires_at_s is not None:
            doc["expiresAt"] = as_datetime(self.expires_at_s)
        return doc

    def is_held_by(self, holder: str) -> bool:
        return self.holder == holder

    def is_expired(self, now_s: float) -> bool:
        """Whether a download claim has lapsed, so another download may take it. An archive
        claim never lapses (a redelivery takes it over); its expiry only lets the store
        forget it."""
        return (self.kind == "download" and self.expires_at_s is not None
                and self.expires_at_s < now_s)
