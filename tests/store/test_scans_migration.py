"""`migrate_scans`: months of every older layout move into the calendar-month ring, link
totals beside the code totals, nothing is counted twice or lost, a second run copies 0."""

from __future__ import annotations

import uuid

import orjson

from shared.analytics.months import combined, day_cells, hour_cells, merged
from shared.analytics.series import read_scans
from shared.analytics.tally import HOUR_MS, Cell, TallyBatch, first_hour_of_month
from shared.ids import shard_of_code
from shared.scantotals import ScanTotal, apply_totals, find_totals
from shared.schemas import ScanEvent
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.layout import links_collection, months_database, scan_months_collection
from shared.store.migrations.scans import LEGACY_MONTHS, joined, migrate_scans
from worker.scans import apply_batch

JAN = first_hour_of_month("202601")
FEB = first_hour_of_month("202602")
MAR = first_hour_of_month("202603")
JAN27 = first_hour_of_month("202701")
FEB27 = first_hour_of_month("202702")


def cell(record: str, hour: int, count: int, country: str = "FR") -> Cell:
    return Cell(record=record, source="direct", hour=hour, device="mobile", os="iOS",
                browser="Mobile Safari", country=country, referrer="direct", count=count)


def month_doc(record: str, month: str, cells: list[Cell], gateway: str = "ab12cd34") -> Doc:
    doc = merged(None, record, month, cells, gateway, 1)
    assert doc is not None
    return doc


def test_two_copies_of_a_month_join_their_days_and_batches() -> None:
    one = month_doc("r", "202601", [cell("r", JAN, 2), cell("r", JAN + 30, 1, "DE")])
    other = month_doc("r", "202601", [cell("r", JAN + 1, 3), cell("r", JAN + 50, 4)], "cd34ef56")
    both = combined(one, other)
    assert hour_cells(both) == [[JAN, "direct", 2], [JAN + 1, "direct", 3],
                                [JAN + 30, "direct", 1], [JAN + 50, "direct", 4]]
    assert sorted(c for c in day_cells(both) if c[1] == "country") == [
        [JAN // 24, "country", "FR", 5], [JAN // 24 + 1, "country", "DE", 1],
        [JAN // 24 + 2, "country", "FR", 4]]
    assert both["seen"] == {"ab12cd34": 1, "cd34ef56": 1}


def whole_doc(record: str, month: str, hours: dict[int, int], countries: dict[str, int],
              seen: dict[str, int]) -> Doc:
    """A month as builds before 2026-12-07 wrote it: whole-month `hours` (one source here)
    and `days` (every country on the month's first day)."""
    start = first_hour_of_month(month)
    column = [hours.get(start + offset, 0) for offset in range(max(hours) - start + 1)]
    return {"_id": f"{record}:{month}", "code": record, "month": month, "seen": seen,
            "hours": orjson.dumps({"start": start, "counts": {"direct": column}}).decode(),
            "days": orjson.dumps([[start // 24, "country", country, n]
                                  for country, n in countries.items()]).decode()}


async def legacy_layout(db: Database, code: str) -> int:
    """Scans of `code` as the builds before 375df2e stored them; returns how many."""
    shard = shard_of_code(code)
    assert shard is not None
    # Before 2026-12-03: every month in `scanmonths_SSSS`, the whole month in `hours`/`days`.
    shard_wide = db[f"scanmonths_{shard:04d}"]
    await shard_wide.insert_one(whole_doc(code, "202601", {JAN: 5, JAN + 2: 1}, {"GB": 6},
                                          {"aa11": 3}))
    await shard_wide.insert_one(whole_doc(code, "202603", {MAR + 1: 3}, {"GB": 3},
                                          {"aa11": 2}))
    # From 2026-12-03: `scanmonths_SSSS_YYYYMM` (never split: March written apart, whole,
    # until 2026-12-07), then `$set` upserts of the day fields.
    await db[f"scanmonths_{shard:04d}_202603"].insert_one(
        whole_doc(code, "202603", {MAR: 1}, {"DE": 1}, {"cd56": 1}))
    for month, cells in (("202601", [cell(code, JAN + 2, 7)]),  # January again: joined
                         ("202602", [cell(code, FEB + 5, 2)])):
        await upsert_days(db, f"scanmonths_{shard:04d}_{month}", month_doc(code, month, cells))
    return 6 + 3 + 1 + 7 + 2


async def folded_layout(db: Database, code: str) -> int:
    """Scans of `code` as 375df2e stored them, every month back in `scanmonths_SSSS`: one
    moved there by its step (marked, its per-month collection left by a run stopped before
    the drop), one written there since by its scan consumer; returns how many."""
    shard = shard_of_code(code)
    assert shard is not None
    moved = month_doc(code, "202601", [cell(code, JAN + 3, 4)])
    per_month = f"scanmonths_{shard:04d}_202601"
    await db[f"scanmonths_{shard:04d}"].insert_one(moved | {"movedFrom": [per_month]})
    await db[per_month].insert_one(moved)
    await upsert_days(db, f"scanmonths_{shard:04d}",
                      month_doc(code, "202701", [cell(code, JAN27 + 1, 5, "US")]))
    return 4 + 5


async def upsert_days(db: Database, collection: str, doc: Doc) -> None:
    """The scan consumer's write of these builds: a `$set` upsert of the fields it merged."""
    await db[collection].update_one(
        {"_id": doc["_id"]}, {"$set": {k: v for k, v in doc.items() if k != "_id"}},
        upsert=True)


async def stopped_before_its_drops(db: Database, code: str) -> None:
    """January's legacy copies again, as a run stopped after copying them leaves them."""
    shard = shard_of_code(code)
    assert shard is not None
    await db[f"scanmonths_{shard:04d}_202601"].insert_one(
        month_doc(code, "202601", [cell(code, JAN + 2, 7)]))
    await db[f"scanmonths_{shard:04d}"].insert_one(
        whole_doc(code, "202601", {JAN: 5, JAN + 2: 1}, {"GB": 6}, {"aa11": 3}))


async def legacy_left(db: Database) -> list[str]:
    return [name for name in await db.list_collection_names()
            if any(pattern.fullmatch(name) for pattern in LEGACY_MONTHS)]


async def test_every_older_layout_reads_back_once_and_a_second_run_copies_nothing(
        db: Database, settings: Settings) -> None:
    code, folded = "03" + uuid.uuid4().hex[:7], "05" + uuid.uuid4().hex[:7]
    shard = shard_of_code(code)
    assert shard is not None
    scans = await legacy_layout(db, code)
    folded_scans = await folded_layout(db, folded)
    # Totals counted in the link document before they had their own collection.
    await db[links_collection(shard)].insert_one(
        {"_id": code, "subscription": "s", "bulkId": "b", "row": 0, "createdAt": 1,
         "scans": 4, "lastScanAt": 9_000, "scanSeen": {"aa11": 7}})
    await apply_totals(db, TallyBatch(gateway="ab12cd34", seq=1, cells=[],
                                      links=[ScanEvent(code=code, count=2, lastScanMs=5)]))

    assert await migrate_scans(db, settings) >= 8  # six months moved, two joined, one total
    assert await migrate_scans(db, settings) == 0
    await stopped_before_its_drops(db, code)
    assert await migrate_scans(db, settings) == 0  # joined once already

    assert await legacy_left(db) == []
    read = await read_scans(db, code, JAN * HOUR_MS, (MAR + 24) * HOUR_MS, "day")
    assert read["total"] == scans
    assert read["breakdowns"]["country"] == {"FR": 9, "GB": 9, "DE": 1}
    assert [p["scans"] for p in read["series"]] == [13, 2, 4]
    assert (await find_totals(db, [code], "ab12cd34"))[code] == ScanTotal(6, 9_000, 1)
    year = await read_scans(db, folded, JAN * HOUR_MS, (JAN27 + 24) * HOUR_MS, "day")
    assert year["total"] == folded_scans
    assert [(p["t"] // HOUR_MS, p["scans"]) for p in year["series"]] == [(JAN, 4), (JAN27, 5)]
    assert year["breakdowns"]["country"] == {"US": 5, "FR": 4}


async def test_two_januaries_share_a_ring_collection_and_never_collide(
        db: Database, settings: Settings) -> None:
    code = "05" + uuid.uuid4().hex[:7]
    shard = shard_of_code(code)
    assert shard is not None
    await folded_layout(db, code)
    await migrate_scans(db, settings)
    january = months_database(db)[scan_months_collection(shard, "202601")]
    assert scan_months_collection(shard, "202701") == january.name == f"scanmonths_{shard:04d}_01"
    for month in ("202601", "202701"):
        stored = await january.find_one({"_id": f"{code}:{month}"})
        assert stored is not None and stored["month"] == month


def test_a_split_copy_replaces_the_original_it_holds_and_months_written_apart_add_up() -> None:
    """`split-scan-months` copied whole documents, then wrote to the copy: it holds all of
    the original. A month written apart (whole or by day) is summed with it instead."""
    original = whole_doc("r", "202601", {JAN: 5}, {"GB": 5}, {"aa11": 3})
    split = whole_doc("r", "202601", {JAN: 5, JAN + 1: 2}, {"GB": 5, "FR": 2},
                      {"aa11": 3, "ab12cd34": 1})
    assert joined(original, split) == split
    apart = whole_doc("r", "202601", {JAN + 1: 2}, {"FR": 2}, {"ab12cd34": 1})
    by_day = month_doc("r", "202601", [cell("r", JAN + 1, 2)])
    for one, other in ((original, apart), (apart, original), (original, by_day),
                       (by_day, original)):
        both = joined(one, other)
        assert hour_cells(both) == [[JAN, "direct", 5], [JAN + 1, "direct", 2]]
        assert sorted(c[2:] for c in day_cells(both) if c[1] == "country") == [
            ["FR", 2], ["GB", 5]]
        assert both["seen"] == {"aa11": 3, "ab12cd34": 1}


async def test_the_writer_adds_to_a_moved_month_without_moving_it_again(
        db: Database, settings: Settings) -> None:
    code = "04" + uuid.uuid4().hex[:7]
    shard = shard_of_code(code)
    assert shard is not None
    doc = month_doc(code, "202602", [cell(code, FEB, 2)])
    await db[f"scanmonths_{shard:04d}_202602"].insert_one(doc)
    assert await migrate_scans(db, settings) >= 1
    ring = months_database(db)[scan_months_collection(shard, "202602")]
    assert (await ring.find_one({"_id": doc["_id"]})) is not None
    batch = TallyBatch(gateway="ef56ab78", seq=1, links=[], cells=[cell(code, FEB + 1, 3)])
    await apply_batch(db, batch)
    await apply_batch(db, batch)  # a redelivery counts once
    assert await migrate_scans(db, settings) == 0
    read = await read_scans(db, code, FEB * HOUR_MS, (FEB + 24) * HOUR_MS, "hour")
    assert [(p["t"] // HOUR_MS, p["scans"]) for p in read["series"]] == [(FEB, 2), (FEB + 1, 3)]


async def test_the_ring_first_built_in_the_services_database_moves_to_its_own(
        db: Database, settings: Settings) -> None:
    """The ring once sat beside the service's collections (`scanmonths_SSSS_MM` there): its
    months move to the scan-month database, join what the writer put there since, and the
    service's database keeps none of them."""
    code = "07" + uuid.uuid4().hex[:7]
    shard = shard_of_code(code)
    assert shard is not None
    beside = db[f"scanmonths_{shard:04d}_02"]
    await beside.insert_one(month_doc(code, "202602", [cell(code, FEB, 2)]))
    await beside.insert_one(month_doc(code, "202702", [cell(code, FEB27, 5)]))
    await apply_batch(db, TallyBatch(gateway="0a1b2c3d", seq=1, links=[],
                                     cells=[cell(code, FEB + 1, 3)]))
    assert await migrate_scans(db, settings) >= 2
    assert await migrate_scans(db, settings) == 0
    assert beside.name not in await db.list_collection_names()
    ring = months_database(db)[scan_months_collection(shard, "202602")]
    assert ring.name == beside.name
    assert await ring.count_documents({"_id": {"$in": [f"{code}:202602", f"{code}:202702"]}}) == 2
    read = await read_scans(db, code, FEB * HOUR_MS, (FEB27 + 24) * HOUR_MS, "day")
    assert [(p["t"] // HOUR_MS, p["scans"]) for p in read["series"]] == [(FEB, 5), (FEB27, 5)]
