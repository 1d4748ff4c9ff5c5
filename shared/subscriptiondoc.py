"""The typed subscription document, and the `Subscription` view of it that requests carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.ids import api_key_matches
from shared.store.client import Doc


@dataclass(frozen=True)
class Subscription:
    """What a request or a chunk needs of its subscription (no key material)."""

    client_id: str
    name: str
    qr_limit: int
    quota_hint: int = 0
    # Admission limits of this subscription; None: the gateway's setting applies.
    batches_in_flight: int | None = None
    rows_per_minute: int | None = None


@dataclass(frozen=True)
class SubscriptionRecord:
    """A stored subscription. Only hashes of its keys are kept: the current one, and the
    rotated ones, which answer 403 rather than 401."""

    client_id: str
    key_hash: str
    qr_limit: int
    name: str = ""
    revoked_key_hashes: tuple[str, ...] = ()
    disabled: bool = False
    quota_hint: int = 0
    created_at_ms: int | None = None
    batches_in_flight: int | None = None
    rows_per_minute: int | None = None

    @classmethod
    def from_doc(cls, doc: Doc) -> SubscriptionRecord:
        """A stored document; one read without its key hashes has none (accepts no key)."""
        created = doc.get("createdAt")
        limits = doc.get("limits") or {}
        return cls(doc["_id"], doc.get("keyHash", ""), int(doc["qrLimit"]),
                   doc.get("name", ""), tuple(doc.get("revokedKeyHashes", ())),
                   bool(doc.get("disabled", False)), int(doc.get("quotaHint", 0)),
                   None if created is None else int(created),
                   _limit(limits, "batchesInFlight"), _limit(limits, "rowsPerMinute"))

    def to_doc(self) -> Doc:
        doc: Doc = {"_id": self.client_id, "name": self.name, "keyHash": self.key_hash,
                    "revokedKeyHashes": list(self.revoked_key_hashes),
                    "disabled": self.disabled, "qrLimit": self.qr_limit,
                    "quotaHint": self.quota_hint, "createdAt": self.created_at_ms}
        if self.batches_in_flight is not None or self.rows_per_minute is not None:
            doc["limits"] = {"batchesInFlight": self.batches_in_flight,
                             "rowsPerMinute": self.rows_per_minute}
        return doc

    @property
    def subscription(self) -> Subscription:
        return Subscription(self.client_id, self.name, self.qr_limit, self.quota_hint,
                            self.batches_in_flight, self.rows_per_minute)

    @property
    def is_active(self) -> bool:
        return not self.disabled

    def accepts(self, api_key: str) -> bool:
        """True for the current key (compared in constant time with its hash)."""
        return bool(self.key_hash) and api_key_matches(api_key, self.key_hash)

    def was_revoked(self, api_key: str) -> bool:
        return any(api_key_matches(api_key, h) for h in self.revoked_key_hashes)

    def listing(self) -> dict[str, Any]:
        """The admin command's line for this subscription (no key material)."""
        return {"clientId": self.client_id, "name": self.name, "qrLimit": self.qr_limit,
                "disabled": self.disabled, "createdAt": self.created_at_ms}


def _limit(limits: Doc, name: str) -> int | None:
    value = limits.get(name)
    return None if value is None else int(value)
