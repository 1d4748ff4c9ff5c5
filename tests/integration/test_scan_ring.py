"""Scan months in the calendar-month ring: the writer and the reader find every month of any
year in its calendar month's collection, a January never meets another year's January."""

from __future__ import annotations

import uuid

from shared.analytics.series import read_scans
from shared.analytics.tally import HOUR_MS, Cell, TallyBatch, first_hour_of_month
from shared.ids import shard_of_code
from shared.store.client import Database
from shared.store.layout import months_database, scan_months_collection
from shared.store.scans import LOOKUPS_MAX, find_months
from worker.scans import apply_batch

JAN26, FEB26, JAN27 = (first_hour_of_month(m) for m in ("202601", "202602", "202701"))


def cell(record: str, hour: int, count: int) -> Cell:
    return Cell(record=record, source="direct", hour=hour, device="mobile", os="iOS",
                browser="Mobile Safari", country="FR", referrer="direct", count=count)


async def test_a_year_and_more_is_written_and_read_across_the_ring(db: Database) -> None:
    code = "06" + uuid.uuid4().hex[:7]
    shard = shard_of_code(code)
    assert shard is not None
    batch = TallyBatch(gateway="a1b2c3d4", seq=1, links=[], cells=[
        cell(code, JAN26 + 1, 2), cell(code, FEB26 + 30, 3), cell(code, JAN27 + 2, 4)])
    await apply_batch(db, batch)
    await apply_batch(db, batch)  # a redelivery counts once
    january = months_database(db)[scan_months_collection(shard, "202601")]
    assert january.name == scan_months_collection(shard, "202701") == f"scanmonths_{shard:04d}_01"
    for month in ("202601", "202701"):
        stored = await january.find_one({"_id": f"{code}:{month}"})
        assert stored is not None and stored["month"] == month
    read = await read_scans(db, code, JAN26 * HOUR_MS, (JAN27 + 24) * HOUR_MS, "hour")
    assert [(p["t"] // HOUR_MS, p["scans"]) for p in read["series"]] == [
        (JAN26 + 1, 2), (FEB26 + 30, 3), (JAN27 + 2, 4)]
    assert read["total"] == 9


async def test_more_records_than_lookups_in_one_month_are_read_with_one_in(
        db: Database) -> None:
    codes = ["06" + uuid.uuid4().hex[:7] for _ in range(LOOKUPS_MAX + 4)]
    await apply_batch(db, TallyBatch(gateway="e5f6a7b8", seq=1, links=[],
                                     cells=[cell(code, FEB26, 1) for code in codes]))
    await apply_batch(db, TallyBatch(gateway="e5f6a7b8", seq=2, links=[],
                                     cells=[cell(code, FEB26 + 1, 2) for code in codes]))
    shard = shard_of_code(codes[0])
    assert shard is not None
    found = await find_months(db, shard, [f"{code}:202602" for code in codes], ["seen"])
    assert len(found) == len(codes)
    assert all(doc["seen"] == {"e5f6a7b8": 2} for doc in found.values())
    read = await read_scans(db, codes[-1], FEB26 * HOUR_MS, (FEB26 + 24) * HOUR_MS, "day")
    assert read["total"] == 3
