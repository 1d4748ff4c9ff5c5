"""Finish a batch: when every chunk is done, stream the archive to S3 and complete the order."""

from __future__ import annotations

import contextlib

import structlog

from shared.claimdoc import Claim
from shared.errors import ObjectMissing
from shared.keys import (
    inputs_prefix,
    part_key,
    parts_prefix,
    result_key,
    result_rows_key,
    result_zip_key,
    rows_part_key,
    zip_part_key,
)
from shared.orderdoc import FEATURE_KEYS, Order
from shared.orders import transition
from shared.progress import forget_running
from shared.results import delete_result
from shared.s3 import ObjectStore
from shared.schemas import ARCHIVE_CLOSE, ARCHIVE_OPEN, ARCHIVE_SEPARATOR
from shared.status import OrderStatus
from shared.store.client import Database
from shared.store.layout import CLAIMS
from shared.store.orders import find_order
from shared.store.progress import count_done, delete_progress, read_done
from shared.store.quota import delete_charges
from shared.store.unique import insert_unique
from worker import webhooks
from worker.delivery import Delivery
from worker.deps import Deps

log = structlog.get_logger(__name__)


async def finish_if_last(deps: Deps, order: Order, delivery: Delivery, *, takeover: bool) -> bool:
    """Assemble the archive if all chunks are done and this delivery holds the job.

    The job is claimed by a unique insert that names the delivery. The holder keeps it
    through in-place retries; a message the broker delivered again (its first holder
    died or gave it back) takes it over. Assembly writes the same bytes to the same key,
    so the rare double assembly is harmless. True when this call completed the batch
    (and tidied up after it).
    """
    bulk_id = order.bulk_id
    if await count_done(deps.db, bulk_id) < order.chunks:
        return False
    token = delivery.token
    claim = Claim.archive(bulk_id, token)
    if not await insert_unique(deps.db[CLAIMS], claim.to_doc()) and not takeover:
        held = await deps.db[CLAIMS].find_one({"_id": claim.claim_id})
        if held is None or not Claim.from_doc(held).is_held_by(token):
            return False
    return await assemble(deps, order)


async def assemble(deps: Deps, order: Order) -> bool:
    """Write the archive and complete the order; False if another assembly got there first."""
    bulk_id = order.bulk_id
    totals = await failed_totals(deps.db, bulk_id)
    await write_archive(deps.store, bulk_id, order.chunks)
    completed = await transition(deps.db, bulk_id, OrderStatus.PROCESSING,
                                 OrderStatus.COMPLETED, {"failedFeatures": totals})
    await webhooks.on_completed(deps, bulk_id, completed)
    if completed is None:
        current = await find_order(deps.db, bulk_id)
        if current is not None and current.is_downloaded:
            await delete_result(deps.store, bulk_id)  # a late duplicate; already consumed
        return False
    deps.metrics.archives.inc()
    log.info("batch completed", rows=order.count, chunks=order.chunks, **totals)
    await cleanup(deps, bulk_id)
    return True


async def failed_totals(db: Database, bulk_id: str) -> dict[str, int]:
    totals = dict.fromkeys(FEATURE_KEYS, 0)
    for done in await read_done(db, bulk_id):
        for key in FEATURE_KEYS:
            totals[key] += int(done.failed.get(key, 0))
    return totals


async def write_archive(store: ObjectStore, bulk_id: str, chunks: int) -> None:
    """Stream the fragments, in order, into one multipart object; memory stays at a part.
    The rows' uids and labels and the ZIP parts go first, so they are there whenever the
    archive is."""
    await write_rows_index(store, bulk_id, chunks)
    await write_zip_parts(store, bulk_id, chunks)
    async with store.multipart(result_key(bulk_id)) as upload:
        await upload.write(ARCHIVE_OPEN)
        for chunk in range(chunks):
            if chunk:
                await upload.write(ARCHIVE_SEPARATOR)
            await upload.write(await store.get(part_key(bulk_id, chunk)))
        await upload.write(ARCHIVE_CLOSE)


async def write_rows_index(store: ObjectStore, bulk_id: str, chunks: int) -> None:
    """Join the chunks' row lines (a chunk without them, rendered before they existed,
    is left out: its rows then have no uid or label beyond what the archive says)."""
    async with store.multipart(result_rows_key(bulk_id), "text/plain") as upload:
        for chunk in range(chunks):
            try:
                await upload.write(await store.get(rows_part_key(bulk_id, chunk)))
            except ObjectMissing:
                continue


async def write_zip_parts(store: ObjectStore, bulk_id: str, chunks: int) -> None:
    """Join the chunks' ZIP parts, all or none: a chunk rendered before they existed leaves
    the batch without them (its ZIP is then made from the archive, more slowly)."""
    with contextlib.suppress(ObjectMissing):  # the upload is aborted: no object at all
        async with store.multipart(result_zip_key(bulk_id), "application/octet-stream") as upload:
            for chunk in range(chunks):
                await upload.write(await store.get(zip_part_key(bulk_id, chunk)))


async def cleanup(deps: Deps, bulk_id: str) -> None:
    """Drop what only served the batch's processing (idempotent). The store's records go
    first: an object store failing now leaves only objects behind, not a batch that still
    counts as running."""
    await delete_progress(deps.db, bulk_id)
    await delete_charges(deps.db, bulk_id)
    await forget_running(deps.db, bulk_id)
    await deps.store.delete_prefix(inputs_prefix(bulk_id))
    await deps.store.delete_prefix(parts_prefix(bulk_id))
