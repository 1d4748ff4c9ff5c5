"""The typed order document: one bulk batch as stored, read and compared only through here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from shared.status import OrderStatus
from shared.store.client import Doc

FEATURE_KEYS = ("dynamicQr", "securedQr", "sourceQr")


@dataclass(frozen=True)
class Order:
    bulk_id: str
    subscription: str
    status: OrderStatus
    count: int
    chunks: int
    failed_features: Mapping[str, int]
    product: str
    created_at_ms: int
    updated_at_ms: int
    verify: bool = False
    # Where each chunk's text ends in the batch's input object (shared/inputs.py); empty
    # for a batch stored one object per chunk.
    input_ends: tuple[int, ...] = ()
    processed: int | None = None  # rows finished so far, when it was read (not stored)

    @classmethod
    def new(cls, bulk_id: str, subscription: str, count: int, chunks: int, now_ms: int,
            verify: bool = False, input_ends: tuple[int, ...] = ()) -> Order:
        return cls(bulk_id, subscription, OrderStatus.PROCESSING, count, chunks,
                   dict.fromkeys(FEATURE_KEYS, 0), "qr", now_ms, now_ms, verify, input_ends)

    @classmethod
    def from_doc(cls, doc: Doc) -> Order:
        failed = doc.get("failedFeatures") or {}
        return cls(
            bulk_id=str(doc["_id"]), subscription=str(doc["subscription"]),
            status=OrderStatus(doc["status"]), count=int(doc["count"]),
            chunks=int(doc["chunks"]),
            failed_features={key: int(failed.get(key, 0)) for key in FEATURE_KEYS},
            product=str(doc.get("product", "qr")), created_at_ms=int(doc["createdAt"]),
            updated_at_ms=int(doc["updatedAt"]), verify=bool(doc.get("verify")),
            input_ends=tuple(int(end) for end in doc.get("inputEnds") or ()),
        )

    def to_doc(self) -> Doc:
        return {
            "_id": self.bulk_id, "subscription": self.subscription, "status": self.status.value,
            "count": self.count, "chunks": self.chunks,
            "failedFeatures": dict(self.failed_features), "product": self.product,
            "createdAt": self.created_at_ms, "updatedAt": self.updated_at_ms,
            "verify": self.verify, "inputEnds": list(self.input_ends),
        }

    @property
    def is_processing(self) -> bool:
        return self.status is OrderStatus.PROCESSING

    @property
    def is_completed(self) -> bool:
        """The archive is ready and has not been downloaded yet."""
        return self.status is OrderStatus.COMPLETED

    @property
    def is_downloaded(self) -> bool:
        return self.status is OrderStatus.RESULT_DOWNLOADED

    def with_processed(self, rows: int) -> Order:
        return replace(self, processed=min(self.count, rows))

    def status_document(self) -> dict[str, Any]:
        """The API's view: the vendor's fields, and `processed` (every row once it is over)."""
        processed = self.processed
        if processed is None:
            processed = 0 if self.is_processing else self.count
        return {
            "bulkId": self.bulk_id, "status": self.status.value, "count": self.count,
            "failedFeatures": dict(self.failed_features), "product": self.product,
            "createdAt": self.created_at_ms, "updatedAt": self.updated_at_ms,
            "processed": processed,
        }
