"""The row pipeline shared by bulk chunks and single generation: plan, render, charge, record.

Rows are rendered before quota is charged, so a row that cannot be drawn never uses a
slot; dynamic rows can be drawn first because their short codes are derived, not stored.
A row's failure stays that row's: an unexpected error while planning, rendering or
recording one row fails that row with 500 (and gives back its quota slot), never its
neighbours. Only failures of a server (transient) or of the render pool fail the chunk,
so that its message is retried.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import structlog

from shared.brand.logos import Decode, Lookup, with_logo
from shared.errors import RowInvalid
from shared.links import (
    LinkCodes,
    codes_for_row,
    insert_links,
    link_documents,
    shard_for_chunk,
    short_url,
)
from shared.orderdoc import FEATURE_KEYS
from shared.passwords import password_pool
from shared.quota import charge_rows, give_back_rows
from shared.render import RenderFailure, RenderJob
from shared.rowguard import each_or_alone, fails_the_chunk
from shared.rows.plan import RowFailure, RowPlan, features_of, plan_row, uid_of
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.orders import find_order
from shared.subscriptiondoc import Subscription

log = structlog.get_logger(__name__)
QUOTA_MESSAGE = "QR creation limit of your plan reached"
INTERNAL_MESSAGE = "internal error while processing this row; it was not created"
RenderOutputs = list[tuple[bool, str]] | None  # None: the row's rendering raised


class Renderer(Protocol):
    async def render(self, jobs: list[RenderJob], verify: bool = False
                     ) -> list[tuple[bool, str]]: ...


@dataclass(frozen=True)
class RowInput:
    index: int
    raw: Any
    duplicate: bool = False


@dataclass(frozen=True)
class ChunkContext:
    db: Database
    settings: Settings
    subscription: Subscription
    bulk_id: str
    chunk: int
    now_ms: int
    may_have_run: bool = False  # an earlier run of this chunk may have charged its rows
    single: bool = False  # one synchronous row: nothing to make idempotent
    verify: bool = False  # scan every image back before delivering it
    assets: Lookup | None = None  # finds this subscription's logo assets by id
    decode: Decode | None = None  # checks a data URI logo (in the render pool); None: here


@dataclass
class ChunkOutcome:
    entries: list[Any]
    failed_features: dict[str, int]
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class _Rendered:
    plan: RowPlan
    codes: LinkCodes | None
    images: list[str]


async def process_rows(ctx: ChunkContext, rows: Sequence[RowInput], renderer: Renderer
                       ) -> ChunkOutcome:
    """Entries for `rows` in order; idempotent for the same (bulkId, chunk)."""
    shard = shard_for_chunk(ctx.bulk_id, ctx.chunk, ctx.settings.link_shards)
    secret = ctx.settings.code_secret.get_secret_value().encode()
    results: dict[int, RowFailure | _Rendered] = {}
    planned: list[_Rendered] = []
    for row in rows:
        try:
            plan = plan_row(row.index, row.raw, now_ms=ctx.now_ms, duplicate=row.duplicate,
                            uid_required=not ctx.single)
            if isinstance(plan, RowFailure):
                results[row.index] = plan
                continue
            try:
                plan = replace(plan, styling=await with_logo(plan.styling, ctx.assets,
                                                             ctx.decode))
            except RowInvalid as exc:
                results[row.index] = _fail(plan, str(exc), 400)
                continue
            codes = (codes_for_row(secret, shard, ctx.bulk_id, plan.index, plan.sources)
                     if plan.dynamic else None)
        except Exception as exc:  # a defect met by one row's input fails that row only
            if fails_the_chunk(exc):  # a server, or the render pool full or broken
                raise
            log.exception("row planning failed", row=row.index, error=repr(exc))
            results[row.index] = _internal_failure(row)
            continue
        planned.append(_Rendered(plan, codes, []))
    drawn = await _render(ctx, planned, renderer, results)
    await _charge_and_record(ctx, shard, drawn, results)
    return _outcome(ctx, rows, results)


async def _render(ctx: ChunkContext, planned: list[_Rendered], renderer: Renderer,
                  results: dict[int, RowFailure | _Rendered]) -> list[_Rendered]:
    drawn = []
    for item, outputs in zip(planned, await _render_rows(ctx, planned, renderer), strict=True):
        failure = (INTERNAL_MESSAGE if outputs is None
                   else next((message for ok, message in outputs if not ok), None))
        if failure is not None:
            code = failure.status if isinstance(failure, RenderFailure) else 500
            results[item.plan.index] = _fail(item.plan, failure, code)
        else:
            assert outputs is not None
            item.images = [uri for _, uri in outputs]
            results[item.plan.index] = item
            drawn.append(item)
    return drawn


async def _render_rows(ctx: ChunkContext, planned: list[_Rendered], renderer: Renderer
                       ) -> list[RenderOutputs]:
    async def render(group: list[_Rendered]) -> list[list[tuple[bool, str]]]:
        jobs: list[RenderJob] = []
        for item in group:
            jobs += [(content, item.plan.styling) for content in _contents(ctx, item)]
        images = iter(await renderer.render(jobs, ctx.verify))
        return [[next(images) for _ in _contents(ctx, item)] for item in group]

    return await each_or_alone(planned, render, "rendering")


def _contents(ctx: ChunkContext, item: _Rendered) -> list[str]:
    """What each image of a row shows: the payload, or the short link and one per source."""
    if item.codes is None:
        return [item.plan.payload]
    public = ctx.settings.public_url
    return [short_url(public, item.codes.code)] + [
        short_url(public, code) for _, code in item.codes.source_codes
    ]


async def _charge_and_record(ctx: ChunkContext, shard: int, drawn: list[_Rendered],
                             results: dict[int, RowFailure | _Rendered]) -> None:
    dynamic = [item for item in drawn if item.codes is not None]
    if not dynamic:
        return
    charged = await charge_rows(ctx.db, ctx.subscription, ctx.bulk_id, ctx.chunk,
                                [item.plan.index for item in dynamic],
                                may_have_run=ctx.may_have_run, record=not ctx.single,
                                still_open=None if ctx.single else lambda: _open(ctx))
    for item in dynamic:
        if item.plan.index not in charged:
            results[item.plan.index] = _fail(item.plan, QUOTA_MESSAGE, 429)
    recorded = [item for item in dynamic if item.plan.index in charged]
    pool = password_pool(ctx.settings.password_threads)
    secured = [item for item in recorded if item.plan.passwords]  # a task each: ~10 µs
    hashed = await asyncio.gather(*(pool.hash_all(item.plan.passwords) for item in secured))
    hashes = {item.plan.index: row_hashes for item, row_hashes in zip(secured, hashed,
                                                                    strict=True)}
    per_row = [(item, _documents(ctx, item, hashes.get(item.plan.index, [])))
               for item in recorded]
    lost = await _insert_rows(ctx, shard, per_row)
    for item in lost:
        results[item.plan.index] = _fail(item.plan, INTERNAL_MESSAGE, 500)
    if lost:  # the row failed after it was charged: its slot goes back
        await give_back_rows(ctx.db, ctx.subscription.client_id, ctx.bulk_id, ctx.chunk,
                             [item.plan.index for item in lost])


def _documents(ctx: ChunkContext, item: _Rendered, password_hashes: list[str]) -> list[Doc]:
    assert item.codes is not None
    return link_documents(
        item.codes, subscription=ctx.subscription.client_id, bulk_id=ctx.bulk_id,
        row=item.plan.index, uid=item.plan.uid, destination=item.plan.payload,
        expiry_ms=item.plan.expiry_ms, password_hashes=password_hashes, now_ms=ctx.now_ms,
        max_scans=item.plan.max_scans,
    )


async def _insert_rows(ctx: ChunkContext, shard: int,
                       per_row: list[tuple[_Rendered, list[Doc]]]) -> list[_Rendered]:
    """Insert the rows' links; returns the rows whose links could not be written."""
    async def insert(group: list[tuple[_Rendered, list[Doc]]]) -> list[bool]:
        await insert_links(ctx.db, shard, [doc for _, docs in group for doc in docs])
        return [True] * len(group)

    written = await each_or_alone(per_row, insert, "recording links")
    return [item for (item, _), ok in zip(per_row, written, strict=True) if ok is None]


async def _open(ctx: ChunkContext) -> bool:
    order = await find_order(ctx.db, ctx.bulk_id)
    return order is not None and order.is_processing


def _fail(plan: RowPlan, message: str, code: int) -> RowFailure:
    return RowFailure(plan.index, plan.uid, message, code, plan.features)


def _internal_failure(row: RowInput) -> RowFailure:
    return RowFailure(row.index, uid_of(row.raw), INTERNAL_MESSAGE, 500, features_of(row.raw))


def _outcome(ctx: ChunkContext, rows: Sequence[RowInput],
             results: dict[int, RowFailure | _Rendered]) -> ChunkOutcome:
    outcome = ChunkOutcome([], dict.fromkeys(FEATURE_KEYS, 0))
    for row in rows:
        result = results[row.index]
        outcome.entries.append(entry_of(ctx.settings.public_url, result))
        if isinstance(result, RowFailure):
            outcome.outcomes[f"failed_{result.code}"] += 1
            tally_failure(outcome.failed_features, result)
        else:
            outcome.outcomes["dynamic" if result.codes else "static"] += 1
    return outcome


def tally_failure(tally: dict[str, int], failure: RowFailure) -> None:
    """Count a failed row under every failedFeatures bucket its flags name."""
    tally["dynamicQr"] += failure.features.dynamic
    tally["securedQr"] += failure.features.secured
    tally["sourceQr"] += failure.features.sourced


def failure_entry(failure: RowFailure) -> dict[str, Any]:
    return {"uid": failure.uid, "status": "failed", "message": failure.message,
            "code": failure.code}


def entry_of(public_url: str, result: RowFailure | _Rendered) -> Any:
    """The archive entry: a data URI (static), a record (dynamic) or a failure."""
    if isinstance(result, RowFailure):
        return failure_entry(result)
    if result.codes is None:
        return result.images[0]
    entry: dict[str, Any] = {
        "id": "qr_" + result.codes.code, "uid": result.plan.uid,
        "url": short_url(public_url, result.codes.code), "QRs": result.images[0],
    }
    if result.codes.source_codes:
        entry["sources"] = [
            {"source": name, "url": short_url(public_url, code), "QRs": image}
            for (name, code), image in zip(result.codes.source_codes, result.images[1:],
                                           strict=True)
        ]
    return entry
