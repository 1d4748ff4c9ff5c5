"""The invariants every fault scenario ends with, checked against the real servers.

After the fault heals: every accepted batch completes; its archive has exactly `count`
entries, in submission order; each successful dynamic row has exactly one QR record;
quota used equals the successful dynamic rows; no chunk is left in a queue or in
progress; rows failed with 500 are exactly the poison rows the scenario planted.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import aiohttp

from shared.amqp import Names
from shared.ids import code_of_qr_id
from shared.quota import quota_used
from shared.settings import Settings
from shared.store.client import Database
from shared.store.layout import charges_collection, links_collection, progress_collection
from shared.store.progress import find_running
from tests.api import Api, parse_archive


@dataclass
class Batch:
    bulk_id: str
    rows: list[dict[str, Any]]
    poison_rows: set[int] = field(default_factory=set)
    entries: list[Any] | None = None  # set when the scenario downloaded it itself


@dataclass
class Report:
    batches: int = 0
    rows: int = 0
    lost: int = 0
    duplicated: int = 0
    double_charged: int = 0
    dead_rows: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self, scenario: str) -> str:
        return (f"checker {scenario}: batches={self.batches} rows={self.rows} lost={self.lost} "
                f"duplicated={self.duplicated} double_charged={self.double_charged} "
                f"dead_rows={self.dead_rows}")


async def wait_all_completed(api: Api, batches: list[Batch], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    for batch in batches:
        remaining = max(1.0, deadline - time.monotonic())
        await api.wait_completed(batch.bulk_id, timeout_s=remaining)


async def check(scenario: str, api: Api, db: Database, settings: Settings,
                batches: list[Batch], *, timeout_s: float = 240) -> Report:
    """Check every invariant; print the counts; fail the test on any breach."""
    await wait_all_completed(api, batches, timeout_s)
    report = Report(batches=len(batches))
    successful_ids: list[str] = []
    for batch in batches:
        entries = batch.entries if batch.entries is not None else await _download(api, batch)
        report.rows += len(batch.rows)
        successful_ids += _check_archive(batch, entries, report)
    await _check_records(db, settings, batches, successful_ids, report)
    used = await quota_used(db, api.tenant.client_id)
    report.double_charged = max(0, used - len(successful_ids))
    report.lost += max(0, len(successful_ids) - used)
    await _check_nothing_stuck(db, settings, batches, report)
    print(report.line(scenario))
    assert report.problems == [], report.problems
    assert (report.lost, report.duplicated, report.double_charged) == (0, 0, 0)
    return report


async def _download(api: Api, batch: Batch) -> list[Any]:
    status, body = await api.download(batch.bulk_id)
    assert status == 200, body
    return parse_archive(body)


def _check_archive(batch: Batch, entries: list[Any], report: Report) -> list[str]:
    """Per-row checks; returns the QR ids of successful dynamic rows."""
    if len(entries) != len(batch.rows):
        report.lost += abs(len(batch.rows) - len(entries))
        report.problems.append(f"{batch.bulk_id}: {len(entries)} entries for "
                               f"{len(batch.rows)} rows")
    ids = []
    for index, (row, entry) in enumerate(zip(batch.rows, entries, strict=False)):
        failed = isinstance(entry, dict) and entry.get("status") == "failed"
        uid = None if isinstance(entry, str) else entry.get("uid")
        if not isinstance(entry, str) and uid != row.get("uid") and index not in \
                batch.poison_rows:
            report.problems.append(f"{batch.bulk_id} row {index}: uid {uid!r} out of order")
        if failed and entry["code"] == 500:
            report.dead_rows += 1
            if index not in batch.poison_rows:
                report.problems.append(f"{batch.bulk_id} row {index}: unexpected 500")
        elif index in batch.poison_rows:
            report.problems.append(f"{batch.bulk_id} row {index}: poison row not failed")
        if isinstance(entry, dict) and "QRs" in entry and "id" in entry:
            ids.append(str(entry["id"]))
    return ids


async def _check_records(db: Database, settings: Settings, batches: list[Batch],
                         successful_ids: list[str], report: Report) -> None:
    bulk_ids = [batch.bulk_id for batch in batches]
    records: list[tuple[str, int]] = []
    codes: set[str] = set()
    for shard in range(settings.link_shards):
        async for doc in db[links_collection(shard)].find(
                {"bulkId": {"$in": bulk_ids}, "parent": {"$exists": False}}):
            records.append((doc["bulkId"], doc["row"]))
            codes.add(doc["_id"])
    report.duplicated += len(records) - len(set(records))
    missing = [qr_id for qr_id in successful_ids if code_of_qr_id(qr_id) not in codes]
    report.lost += len(missing)
    extra = len(set(records)) - len(successful_ids)
    if extra > 0:
        report.problems.append(f"{extra} QR records for rows that did not succeed")


async def _check_nothing_stuck(db: Database, settings: Settings, batches: list[Batch],
                               report: Report) -> None:
    names = Names(settings.queue_prefix)
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        for queue_name in (names.chunks, names.dead_chunks):
            for _ in range(50):  # acks of the last messages may still be in flight
                queue = await channel.declare_queue(queue_name, passive=True)
                if queue.declaration_result.message_count == 0:
                    break
                await asyncio.sleep(0.1)
            else:
                report.problems.append(f"{queue_name} still holds messages")
    stuck: list[str] = []
    for _ in range(100):  # the finisher tidies up just after it marks the batch completed
        stuck = [b.bulk_id for b in batches if await _has_records(db, b.bulk_id)]
        if not stuck:
            break
        await asyncio.sleep(0.1)
    if stuck:
        report.problems.append(f"progress left behind for {stuck}")
    running = [b.bulk_id for b in batches if await find_running(db, b.bulk_id) is not None]
    if running:
        report.problems.append(f"still registered as running: {running}")


async def _has_records(db: Database, bulk_id: str) -> bool:
    """A completion, window claim or charge record of the batch is still stored."""
    for name in (progress_collection(bulk_id), charges_collection(bulk_id)):
        if await db[name].find_one({"bulkId": bulk_id}, {"_id": 1}) is not None:
            return True
    return False


async def post_status(http: aiohttp.ClientSession, path: str, rows: Any,
                      headers: dict[str, str]) -> tuple[int, Any]:
    """POST rows; returns (status, parsed body) without asserting."""
    async with http.post(path, json=rows, headers=headers) as answer:
        return answer.status, await answer.json(content_type=None)
