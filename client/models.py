"""Typed views of the API's answers: a bulk's status document and a page of the list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from client.errors import ProtocolError

PROCESSING = "processing"
COMPLETED = "completed"
RESULT_DOWNLOADED = "resultDownloaded"
FEATURES = ("dynamicQr", "securedQr", "sourceQr")
T = TypeVar("T")


@dataclass(frozen=True)
class BulkStatus:
    """One bulk order as the status endpoint shows it; `raw` keeps every field sent."""

    bulk_id: str
    status: str
    count: int
    failed_features: Mapping[str, int]
    product: str
    created_at_ms: int
    updated_at_ms: int
    raw: Mapping[str, Any]
    processed: int | None = None  # rows finished so far; None from a server that omits it

    @property
    def done(self) -> bool:
        """Processing is over (the archive is ready, or already downloaded)."""
        return self.status != PROCESSING

    @classmethod
    def from_json(cls, data: Any) -> BulkStatus:
        if not isinstance(data, dict):
            raise ProtocolError(f"expected a status document, got {type(data).__name__}")
        features = data.get("failedFeatures") or {}
        if not isinstance(features, dict):
            raise ProtocolError("failedFeatures is not an object")
        return cls(
            bulk_id=_typed(data, "bulkId", str), status=_typed(data, "status", str),
            count=_typed(data, "count", int),
            failed_features={key: int(features.get(key, 0)) for key in FEATURES},
            product=str(data.get("product", "")),
            created_at_ms=_typed(data, "createdAt", int),
            updated_at_ms=_typed(data, "updatedAt", int), raw=dict(data),
            processed=_typed(data, "processed", int) if "processed" in data else None,
        )


@dataclass(frozen=True)
class Page:
    """One page of the caller's bulks, newest first; `next` is the cursor of the next page."""

    items: tuple[BulkStatus, ...]
    next: str | None

    @classmethod
    def from_json(cls, data: Any) -> Page:
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ProtocolError("expected {items: [...], next: cursor or null}")
        cursor = data.get("next")
        if cursor is not None and not isinstance(cursor, str):
            raise ProtocolError("next is neither a cursor string nor null")
        return cls(tuple(BulkStatus.from_json(item) for item in data["items"]), cursor or None)


def bulk_id_from_json(data: Any) -> str:
    """A submission's answer: the bulkId as a JSON string."""
    if not isinstance(data, str) or not data:
        raise ProtocolError(f"expected the bulkId as a JSON string, got {data!r:.80}")
    return data


def _typed(data: dict[str, Any], key: str, kind: type[T]) -> T:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProtocolError(f"status document: {key} is missing or not a {kind.__name__}")
    return value
