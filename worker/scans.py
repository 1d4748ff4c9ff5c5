"""Apply scan tallies from the gateways; the queue's single active consumer is the one writer.

Each batch is applied once: a code's totals (shared/scantotals.py) and a record's month
document both remember the last batch of each gateway they took, and a batch they have
seen changes nothing. A merge reads and rewrites only the days of the month its cells touch
(shared/analytics/months.py), keeping at most `cap` values per trait and day.
Batches are applied one at a time and in order; a failing store is retried in place so
a later batch never overtakes an earlier one (its policy in worker/queues.py).
"""

from __future__ import annotations

from shared.analytics.months import fields_of, merged, month_id
from shared.analytics.tally import Cell, TallyBatch
from shared.ids import shard_of_code
from shared.scantotals import apply_totals
from shared.store.client import Database, Doc
from shared.store.scans import find_months, save_months
from worker.consume import Handler, Parser
from worker.delivery import Delivery


def _describe(batch: TallyBatch) -> dict[str, object]:
    return {"batch": batch.id}


SCAN_PARSER = Parser("a scan batch", TallyBatch.model_validate_json, _describe)


async def apply_batch(db: Database, batch: TallyBatch, cap: int = 100) -> None:
    await apply_totals(db, batch)
    await _apply_cells(db, batch, cap)


async def _apply_cells(db: Database, batch: TallyBatch, cap: int) -> None:
    """Merge the cells into their month documents: per shard one read of the days they
    touch and one write of those days, each a round over the calendar months' collections."""
    groups: dict[int, dict[str, list[Cell]]] = {}
    for cell in batch.cells:
        shard = shard_of_code(cell.record)
        if shard is not None:
            groups.setdefault(shard, {}).setdefault(month_id(cell.record, cell.hour),
                                                    []).append(cell)
    for shard, months in groups.items():
        fields = ["seen", *sorted(fields_of(c for cells in months.values() for c in cells))]
        stored = await find_months(db, shard, list(months), fields)
        changed: list[Doc] = []
        for doc_id, cells in months.items():
            record, _, month = doc_id.rpartition(":")
            doc = merged(stored.get(doc_id), record, month, cells, batch.gateway, batch.seq, cap)
            if doc is not None:
                changed.append(doc)
        await save_months(db, shard, changed)


def scan_handler(db: Database, cap: int = 100) -> Handler[TallyBatch]:
    """The handler of the scans queue; `cap` is settings.scan_dimension_values."""

    async def handle(batch: TallyBatch, delivery: Delivery) -> None:
        await apply_batch(db, batch, cap)

    return handle
