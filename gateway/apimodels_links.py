"""The dynamic codes' documents: a QR record, its scans over time, and changes to links."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from gateway.apimodels import Answer, OneOf, Uid, Wire, left_out
from gateway.apimodels_rows import Expiry
from gateway.links_bulk import MAX_UIDS
from shared.analytics.series import INTERVAL_HOURS
from shared.rows.plan import MAX_SCANS_LIMIT

MaxScans = Annotated[int, Field(ge=1, le=MAX_SCANS_LIMIT)]


class RecordSource(Answer):
    """A named source of a record: its own short link and its scans."""

    source: str
    url: str
    scans: int = Field(ge=0)


class ScanCounts(Answer):
    total: int = Field(ge=0, description="direct scans and every source's")
    direct: int = Field(ge=0)


class QrRecord(Answer):
    """A dynamic QR as it reads now, with its scan counts (times in Unix ms)."""

    id: str
    uid: Uid | None
    bulk_id: str
    url: str
    destination: str
    expiry: int | None
    secured: bool
    sources: list[RecordSource]
    max_scans: int | None
    disabled: bool
    scans: ScanCounts
    last_scan_at: int | None
    created_at: int


class QrList(Answer):
    """A page of the caller's dynamic codes; `next` is the cursor of the next."""

    items: list[QrRecord]
    next: str | None


class RecordChange(Wire):
    """PATCH /api/qr/{qrId}: some of these fields; expiry and maxScans null for none."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    destination: str = left_out()
    expiry: Expiry | None = None
    disabled: bool = left_out()
    max_scans: MaxScans | None = None


class ScanPoint(Answer):
    t: int = Field(description="the interval's start, Unix ms")
    scans: int = Field(ge=0)


class Scans(Answer):
    """Scans in [from, to) a point an interval, and counts by source and by trait."""

    id: str
    from_: int = Field(alias="from")
    to: int
    interval: Annotated[str, OneOf(lambda: INTERVAL_HOURS)]
    total: int = Field(ge=0)
    series: list[ScanPoint]
    breakdowns: dict[str, dict[str, int]]


class LinksChange(Wire):
    """A change to many links of a batch: all of them, or the ones `uids` names."""

    model_config = ConfigDict(extra="forbid")

    uids: list[Uid] = left_out(min_length=1, max_length=MAX_UIDS)
    destination: str = left_out(description="may hold {uid}")
    expiry: Expiry | None = None
    disabled: bool = left_out()
    dry_run: bool = False


class Transition(Answer):
    from_: Any = Field(alias="from")
    to: Any


class ChangeSample(Answer):
    uid: Uid | None
    changes: dict[str, Transition]


class ChangePreview(Answer):
    """A dry run: how many codes the change names and would change, and a sample."""

    dry_run: Literal[True]
    matched: int = Field(ge=0)
    changed: int = Field(ge=0)
    sample: list[ChangeSample]


class ChangeApplied(Answer):
    """An applied change: what it covers and when (Unix ms)."""

    dry_run: Literal[False]
    scope: Literal["all", "uids"]
    uids: int | None = Field(description="the number of uids named")
    applied_at: int

