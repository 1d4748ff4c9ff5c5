"""The tally message a gateway sends once a second, and the buckets it counts into.

A batch is named by its gateway (random per process) and a sequence number that grows
with each batch that gateway makes; the single writer applies a batch to a document only
if that document has not seen this gateway's sequence number yet, so a redelivered or
republished batch counts once.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from shared.schemas import ScanEvent

HOUR_MS = 3_600_000
DAY_HOURS = 24
# Kept per day; a scan's source is kept per hour (the time series is the sum over sources).
DIMENSIONS = ("device", "os", "browser", "country", "referrer")
DIRECT = "direct"  # the source of a scan of the record's own link
OTHER = "other"  # a trait's value once a code has too many distinct ones (day or batch)


class Cell(BaseModel):
    """Scans of one QR record in one hour that share a source and every trait."""

    record: str
    source: str
    hour: int = Field(ge=0, description="hours since the Unix epoch, UTC")
    device: str
    os: str
    browser: str
    country: str
    referrer: str
    count: int = Field(ge=1)


class TallyBatch(BaseModel):
    gateway: str = Field(pattern=r"^[0-9a-f]{8,32}$")
    seq: int = Field(ge=1)
    links: list[ScanEvent]
    cells: list[Cell]

    @property
    def id(self) -> str:
        return f"{self.gateway}:{self.seq}"


def hour_of(at_ms: int) -> int:
    return at_ms // HOUR_MS


def first_hour_of_month(month: str) -> int:
    """The hour (since the epoch, UTC) that month `YYYYMM` starts with."""
    start = dt.datetime(int(month[:4]), int(month[4:6]), 1, tzinfo=dt.UTC)
    return int(start.timestamp()) // 3600


def month_of_hour(hour: int) -> str:
    """`YYYYMM` of the UTC month holding this hour."""
    day = dt.datetime.fromtimestamp(hour * 3600, dt.UTC)
    return f"{day.year:04d}{day.month:02d}"


def day_of_month(hour: int) -> int:
    """The day of its UTC month (1-31) that this hour falls on."""
    return dt.datetime.fromtimestamp(hour * 3600, dt.UTC).day
